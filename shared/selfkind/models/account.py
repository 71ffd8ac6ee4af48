"""The account-wide views: the export document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from selfkind.models.reminders import Device, NotificationRecord, Settings, StoredReminder
from selfkind.models.shares import ShareSummary


class AccountExport(BaseModel):
    """Everything stored for the user, in one document (data portability)."""

    user_id: str
    exported_at: datetime
    journal_entries: list[dict[str, Any]] = Field(default_factory=list)
    affirmations: list[dict[str, Any]] = Field(default_factory=list)
    practice_sessions: list[dict[str, Any]] = Field(default_factory=list)
    check_ins: list[dict[str, Any]] = Field(default_factory=list)
    devices: list[Device] = Field(default_factory=list, description="Push tokens are not exported.")
    reminders: list[StoredReminder] = Field(default_factory=list)
    settings: Settings | None = None
    notifications: list[NotificationRecord] = Field(default_factory=list)
    shares: list[ShareSummary] = Field(default_factory=list, description="Never their links.")
