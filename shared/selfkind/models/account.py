"""The account-wide views: the export document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class AccountExport(BaseModel):
    """Everything stored for the user, in one document (data portability)."""

    user_id: str
    exported_at: datetime
    journal_entries: list[dict[str, Any]] = Field(default_factory=list)
    affirmations: list[dict[str, Any]] = Field(default_factory=list)
    practice_sessions: list[dict[str, Any]] = Field(default_factory=list)
