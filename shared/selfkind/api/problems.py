"""Building application/problem+json responses (RFC 9457)."""

from __future__ import annotations

from http import HTTPStatus

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from pydantic import BaseModel

from selfkind.models.problem import Conflict, FieldError, Problem

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://selfkind.app/problems/"


def problem_response(
    status: HTTPStatus,
    detail: str,
    *,
    problem_type: str | None = None,
    errors: list[FieldError] | None = None,
    conflicts: list[Conflict] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    problem = Problem(
        type=PROBLEM_TYPE_BASE + problem_type if problem_type else "about:blank",
        title=status.phrase,
        status=status.value,
        detail=detail,
        errors=errors,
        conflicts=conflicts,
    )
    return Response(
        status_code=status.value,
        content_type=PROBLEM_CONTENT_TYPE,
        body=problem.model_dump_json(exclude_none=True),
        headers=headers,
    )


def documented_responses(model: type[BaseModel], *, cacheable: bool = False) -> dict[int, OpenAPIResponse]:
    """OpenAPI responses of a route: its model on 200, and the problems every route may answer."""
    problem_content: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
        PROBLEM_CONTENT_TYPE: {"model": Problem}
    }
    responses: dict[int, OpenAPIResponse] = {
        200: {"description": "OK", "content": {"application/json": {"model": model}}},
        400: {"description": "Invalid request; `errors` names each field", "content": problem_content},
        404: {"description": "Not found", "content": problem_content},
    }
    if cacheable:
        responses[304] = {"description": "Not modified: the ETag in If-None-Match still matches"}
    return responses
