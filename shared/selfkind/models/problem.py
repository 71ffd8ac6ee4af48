"""RFC 9457 problem details: the body of every 4xx and 5xx."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Conflict(BaseModel):
    """A record changed on the server since the client's last pull."""

    table: str
    id: str


class FieldError(BaseModel):
    location: str = Field(description="Where the field is: query, path, header or body.")
    field: str = Field(description="The field's name or dotted path.")
    message: str


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[FieldError] | None = None
    conflicts: list[Conflict] | None = Field(default=None, description="On 409: the records to pull again.")
