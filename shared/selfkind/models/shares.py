"""Sharing with a therapist: a private, expiring link to a page of the user's progress.

The link's secret (256 bits) appears once, in the answer that creates it; the store keeps only its
SHA-256. What a share shows is chosen by the user (`include`) and read live at every view.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, field_validator

from selfkind.models.insights import CheckInScore, PracticeInsight, WeekInsight
from selfkind.models.record_id import RecordId

MAX_LIVE_SHARES = 5
MAX_SHARED_ENTRIES = 20
DEFAULT_EXPIRES_IN_DAYS = 14
ShareLanguage = Literal["en", "es"]
ShareId = Annotated[str, Field(pattern=r"^[a-f0-9]{16}$")]


class ShareInclude(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    practice: StrictBool = False
    moods: StrictBool = False
    check_ins: StrictBool = False
    entry_ids: Annotated[list[RecordId], Field(max_length=MAX_SHARED_ENTRIES)] = Field(
        default_factory=list, description=f"Up to {MAX_SHARED_ENTRIES} journal entry ids, shown verbatim."
    )

    @field_validator("entry_ids")
    @classmethod
    def _unique(cls, ids: list[str]) -> list[str]:
        return list(dict.fromkeys(ids))  # a repeated id is shown once


class ShareRequest(BaseModel):
    """POST /v1/shares."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weeks: Annotated[StrictInt, Field(ge=1, le=52, description="How many weeks, the current one last.")]
    include: ShareInclude
    expires_in_days: Annotated[StrictInt, Field(ge=1, le=30)] = DEFAULT_EXPIRES_IN_DAYS
    language: ShareLanguage
    display_name: Annotated[StrictStr, Field(min_length=1, max_length=40)] | None = Field(
        default=None, description="Who the page says shared it; by default, 'A Selfkind user'."
    )


class ShareCreated(BaseModel):
    """The only answer that holds the link."""

    id: str
    url: str
    expires_at: datetime


class ShareSummary(BaseModel):
    """A share as its owner lists it: never the link."""

    id: str
    created_at: datetime
    expires_at: datetime
    include: ShareInclude
    views: int
    last_viewed_at: datetime | None


class ShareList(BaseModel):
    items: list[ShareSummary]


class StoredShare(BaseModel):
    """As the store keeps it (the token only as its hash)."""

    model_config = ConfigDict(frozen=True)

    share_id: str
    token_sha256: str
    created_at: datetime
    expires_at: datetime
    weeks: int
    include: ShareInclude
    language: ShareLanguage
    display_name: str | None = None
    views: int = 0
    last_viewed_at: datetime | None = None

    def summary(self) -> ShareSummary:
        return ShareSummary(
            id=self.share_id,
            created_at=self.created_at,
            expires_at=self.expires_at,
            include=self.include,
            views=self.views,
            last_viewed_at=self.last_viewed_at,
        )


class SharedEntry(BaseModel):
    """A journal entry the user chose to show, verbatim."""

    written_on: date | None = Field(description="The entry's created_at, as a date (UTC); null if unreadable.")
    title: str | None
    body: str
    mood: int | None
    prompt: str | None = Field(description="The journaling prompt it answers, in the share's language.")


class SharePage(BaseModel):
    """What the page shows (and `Accept: application/json` answers): the parts the user included."""

    shared_by: str | None = Field(description="The display name the user gave; null: 'A Selfkind user'.")
    language: ShareLanguage
    created_at: datetime
    expires_at: datetime
    timezone: str
    week_starts: list[date] = Field(description="The weeks covered, oldest first.")
    practice: list[WeekInsight] | None = Field(description="Null unless practice is included.")
    practices: list[PracticeInsight] | None = Field(description="Null unless practice is included.")
    moods: list[WeekInsight] | None = Field(description="Weekly moods; null unless moods are included.")
    check_ins: list[CheckInScore] | None = Field(description="Null unless check-ins are included.")
    entries: list[SharedEntry] | None = Field(description="Null unless entries are included.")


def utc_day(millis: object) -> date | None:
    """The UTC date of a milliseconds timestamp as records hold them; None for anything else."""
    if not isinstance(millis, int | float) or isinstance(millis, bool):
        return None
    try:
        return datetime.fromtimestamp(millis / 1000, UTC).date()
    except (OverflowError, ValueError, OSError):
        return None
