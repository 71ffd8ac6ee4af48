"""What the reminder domain needs from storage and from the push service (implemented in data/ and
adapters/), so the domain stays free of boto3 and firebase_admin."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from selfkind.models.reminders import Engagement, NotificationRecord, Settings, StoredDevice, StoredReminder


class DeviceStore(Protocol):
    def put(self, user_id: str, device: StoredDevice) -> None: ...
    def list(self, user_id: str, now: datetime) -> list[StoredDevice]: ...
    def delete(self, user_id: str, device_id: str) -> None: ...


class ReminderStore(Protocol):
    def put(self, user_id: str, reminder: StoredReminder) -> None: ...
    def get(self, user_id: str, reminder_id: str) -> StoredReminder | None: ...
    def list(self, user_id: str) -> list[StoredReminder]: ...
    def delete(self, user_id: str, reminder_id: str) -> None: ...
    def due(self, now: datetime) -> Iterator[tuple[str, StoredReminder]]: ...
    def advance(self, user_id: str, reminder_id: str, expected: datetime, following: datetime) -> bool: ...
    def mark_sent(self, user_id: str, reminder_id: str, occurrence: datetime) -> None: ...


class ProfileStore(Protocol):
    def get_settings(self, user_id: str) -> Settings: ...
    def put_settings(self, user_id: str, settings: Settings) -> None: ...
    def get_engagement(self, user_id: str) -> Engagement: ...
    def record_sent(self, user_id: str, engagement: Engagement) -> None: ...
    def reset_unopened(self, user_id: str) -> None: ...


class Claim(StrEnum):
    CLAIMED = "claimed"  # first time: send it
    RESUMED = "resumed"  # an earlier attempt failed transiently: send to the devices not reached yet
    DUPLICATE = "duplicate"  # sent, or being sent, by another invocation
    DAILY_CAP = "daily_cap"


class NotificationStore(Protocol):
    def claim(
        self, user_id: str, record: NotificationRecord, local_day: str, max_per_day: int, now: datetime
    ) -> tuple[Claim, list[str]]: ...
    def finish(
        self, user_id: str, notification_id: str, status: str, delivered: list[str], sent_at: datetime
    ) -> None: ...
    def mark_opened(self, user_id: str, notification_id: str, now: datetime) -> bool: ...
    def list(self, user_id: str) -> list[NotificationRecord]: ...


@dataclass(frozen=True)
class Push:
    """One notification to one device."""

    device_id: str
    fid: str | None
    token: str | None
    title: str
    body: str
    data: dict[str, str]
    kind: str


class PushOutcome(StrEnum):
    DELIVERED = "delivered"
    DEVICE_GONE = "device_gone"  # UNREGISTERED, invalid token, SENDER_ID_MISMATCH: forget the device
    RETRYABLE = "retryable"  # UNAVAILABLE, INTERNAL, QUOTA_EXCEEDED after bounded retries
    REJECTED = "rejected"  # anything else: not worth retrying


@dataclass(frozen=True)
class PushResult:
    push: Push
    outcome: PushOutcome
    error_code: str | None = None


class PushGateway(Protocol):
    def send_all(self, pushes: list[Push]) -> list[PushResult]: ...


class Queue(Protocol):
    def send_all(self, bodies: list[str]) -> None: ...


@dataclass
class TickReport:
    due: int = 0
    stale: int = 0
    enqueued: int = 0
