"""The sender's ports: notification claims under a lease, completions, and what it reads."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from selfkind.domain.ports.lease import Lease
from selfkind.domain.rollups import WeekRollup
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.reminders import Engagement, NotificationRecord, NotificationStatus
from selfkind.models.sync import SyncedColumns


class Claim(StrEnum):
    CLAIMED = "claimed"  # first attempt: send it
    RESUMED = "resumed"  # an earlier attempt failed transiently or lost its lease: send to the rest
    DUPLICATE = "duplicate"  # sent, or failed for good, already
    BUSY = "busy"  # another attempt holds a live lease, or changed it since it was read: look again later
    DAILY_CAP = "daily_cap"
    ERASED = "erased"  # the user's account was erased since the epoch was read: nothing was written


@dataclass(frozen=True)
class NotificationState:
    """A notification record with its lease, as read before claiming."""

    record: NotificationRecord
    lease_owner: str | None = None
    lease_until: datetime | None = None

    def lease_is_live(self, now: datetime) -> bool:
        return self.lease_until is not None and self.lease_until > now


@dataclass(frozen=True)
class ClaimRequest:
    user_id: str
    record: NotificationRecord  # what is being sent (its content ids), status sending
    previous: NotificationState | None  # as read before claiming; None when there was no record
    local_day: str
    max_per_day: int
    epoch: ErasureEpoch  # the user's, read before anything the claim decided on
    # The user's engagement once this occurrence goes out (its content's rotation, its last-send time),
    # written with the day's count on a first claim; None: a take-over, which leaves it as it is.
    engagement: Engagement | None = None


@dataclass(frozen=True)
class Completion:
    user_id: str
    notification_id: str
    status: NotificationStatus
    delivered: list[str]  # device ids that have it, this attempt and earlier ones


class EpochStore(Protocol):
    def get_many(self, user_ids: Sequence[str]) -> dict[str, ErasureEpoch]:
        """Each user's erasure epoch (selfkind.data.erasure): what the sender's writes condition on."""
        ...


class NotificationStore(Protocol):
    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], NotificationState]:
        """(user id, notification id) -> the record, with its status, lease and delivered devices."""
        ...

    def claim_many(self, requests: Sequence[ClaimRequest], lease: Lease, now: datetime) -> dict[str, Claim]:
        """Claims each occurrence (by notification id) under the lease; the first claim also counts it
        against the user's day, so the cap holds whatever the retries, and records the user's engagement
        after it; and only while the user's erasure epoch is the one read (else ERASED, nothing written).
        A user's first claims are written in the order given (each engagement builds on the last)."""
        ...

    def complete_many(self, completions: Sequence[Completion], lease: Lease, now: datetime) -> set[str]:
        """Records each attempt's end, only while the lease is still this attempt's (an erased record
        cannot be written); returns the notification ids whose record could not be written."""
        ...

    def mark_opened(self, user_id: str, notification_id: str, now: datetime) -> bool: ...
    def list(self, user_id: str) -> list[NotificationRecord]: ...
    def get(self, user_id: str, notification_id: str) -> NotificationRecord | None:
        """The user's notification with this id; None when the user has none (another user's included)."""
        ...


class SyncedRecords(Protocol):
    """The part of the sync store the sender reads: a user's own affirmations."""

    def live_columns(
        self, user_id: str, table: str | None = None, after_seq: int | None = None
    ) -> Iterator[SyncedColumns]: ...


class PracticeSums(Protocol):
    """The insights rollups the sender reads: each user's all-time practice sums (what has helped them)."""

    def read_all_time(self, user_ids: Sequence[str]) -> dict[str, WeekRollup]: ...
