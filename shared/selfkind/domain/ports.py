"""What the reminder domain needs from storage, the queue, Lambda and the push service (implemented in
data/ and adapters/), so the domain stays free of boto3 and firebase_admin; tests hand in fakes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from selfkind.models.erasure import ErasureEpoch
from selfkind.models.reminders import (
    Engagement,
    NotificationRecord,
    Settings,
    ShardWork,
    StoredDevice,
    StoredReminder,
)

# --- account ---


class DeviceStore(Protocol):
    def put(self, user_id: str, device: StoredDevice) -> None: ...
    def list(self, user_id: str, now: datetime) -> list[StoredDevice]: ...
    def delete(self, user_id: str, device_id: str) -> None: ...
    def mark_removed(self, user_id: str, device_id: str) -> None:
        """FCM says the device is gone: hidden at once, kept 30 days (a registration restores it)."""
        ...


class ReminderStore(Protocol):
    def put(self, user_id: str, reminder: StoredReminder) -> None: ...
    def get(self, user_id: str, reminder_id: str) -> StoredReminder | None: ...
    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredReminder]: ...
    def list(self, user_id: str) -> list[StoredReminder]: ...
    def delete(self, user_id: str, reminder_id: str) -> None: ...


@dataclass(frozen=True)
class Profile:
    settings: Settings
    engagement: Engagement


class ProfileStore(Protocol):
    def get_settings(self, user_id: str) -> Settings: ...
    def put_settings(self, user_id: str, settings: Settings) -> None: ...
    def get_engagement(self, user_id: str) -> Engagement: ...
    def get_many(self, user_ids: Sequence[str]) -> dict[str, Profile]: ...
    def reset_unopened(self, user_id: str) -> None: ...


# --- the tick ---


@dataclass(frozen=True)
class DueReminder:
    user_id: str
    reminder: StoredReminder  # next_fire_at is the occurrence it is due for


@dataclass(frozen=True)
class Advance:
    """Move a reminder from the occurrence read (`expected`) to the one after it (`following`)."""

    user_id: str
    reminder_id: str
    expected: datetime
    following: datetime


class DueIndex(Protocol):
    def any_due(self, shard_value: int, now: datetime) -> bool:
        """Whether one value of the index's shard key has anything due at or before now (one small read)."""
        ...

    def due_pages(self, shard_value: int, now: datetime) -> Iterator[list[DueReminder]]:
        """The reminders of one value of the index's shard key due at or before now, a page at a time."""
        ...

    def advance(self, moves: Sequence[Advance]) -> list[Advance]:
        """Moves each reminder on; returns those another writer moved first (left as they are).
        Raises when the store failed: then none of them moved."""
        ...


class ShardLeases(Protocol):
    """One worker at a time per shard; ticks that find it busy leave their time for the holder."""

    def request(self, shard_key: str, tick: datetime) -> None:
        """Records that the shard is due up to `tick` (the latest request wins)."""
        ...

    def acquire(self, shard_key: str, owner: str, until: datetime, now: datetime) -> datetime | None:
        """Takes the lease unless a live one is held; returns the latest requested tick, or None."""
        ...

    def release(self, shard_key: str, owner: str, done: datetime | None) -> datetime | None:
        """Gives the lease up when nothing later than `done` was requested (None: give it up anyway);
        otherwise keeps it and returns the later tick to work on."""
        ...


class Queue(Protocol):
    def send_all(self, bodies: list[str]) -> None:
        """Every body accepted, or an exception: the caller then treats none as sent."""
        ...


class WorkDispatcher(Protocol):
    def dispatch(self, work: list[ShardWork]) -> None:
        """Starts one worker per item, without waiting for it; raises if any could not be started."""
        ...


# --- delivery ---


class Claim(StrEnum):
    CLAIMED = "claimed"  # first attempt: send it
    RESUMED = "resumed"  # an earlier attempt failed transiently or lost its lease: send to the rest
    DUPLICATE = "duplicate"  # sent, or failed for good, already
    BUSY = "busy"  # another attempt holds a live lease, or changed it since it was read: look again later
    DAILY_CAP = "daily_cap"
    ERASED = "erased"  # the user's account was erased since the epoch was read: nothing was written


# A lease ends this long after the invocation holding it would be stopped: a live holder never loses it.
LEASE_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class Lease:
    owner: str  # one invocation's id
    until: datetime  # the invocation's end plus LEASE_MARGIN

    @classmethod
    def for_invocation(cls, owner: str, now: datetime, remaining_seconds: float) -> Lease:
        return cls(owner, now + timedelta(seconds=remaining_seconds) + LEASE_MARGIN)


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


@dataclass(frozen=True)
class Completion:
    user_id: str
    notification_id: str
    status: str  # NotificationStatus
    delivered: list[str]  # device ids that have it, this attempt and earlier ones
    engagement: Engagement | None  # the rotation and last-sent times after this send; None: unchanged
    epoch: ErasureEpoch


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
        against the user's day, in one transaction, so the cap holds whatever the retries; and only
        while the user's erasure epoch is the one read (else ERASED, nothing written)."""
        ...

    def complete_many(self, completions: Sequence[Completion], lease: Lease, now: datetime) -> set[str]:
        """Records each attempt's end, only while the lease is still this attempt's and the epoch the one
        read; returns the notification ids whose record could not be written (lease lost, or erased)."""
        ...

    def mark_opened(self, user_id: str, notification_id: str, now: datetime) -> bool: ...
    def list(self, user_id: str) -> list[NotificationRecord]: ...
    def get(self, user_id: str, notification_id: str) -> NotificationRecord | None:
        """The user's notification with this id; None when the user has none (another user's included)."""
        ...


@dataclass(frozen=True)
class Push:
    """One notification to one device."""

    notification_id: str
    device_id: str
    fid: str | None
    token: str | None
    title: str
    body: str
    data: dict[str, str]
    kind: str

    @property
    def push_id(self) -> str:
        return f"{self.notification_id}/{self.device_id}"


class PushOutcome(StrEnum):
    DELIVERED = "delivered"
    DEVICE_GONE = "device_gone"  # UNREGISTERED, invalid token: the device is marked removed (30 days)
    # Our credentials refused (SENDER_ID_MISMATCH, THIRD_PARTY_AUTH_ERROR, PERMISSION_DENIED): never the
    # device's fault, never removes it; retried like RETRYABLE, and the gateway refuses to prepare for a
    # while, so the batches after it claim nothing.
    CREDENTIALS_REFUSED = "credentials_refused"
    RETRYABLE = "retryable"  # transient (FCM 5xx, quota, OAuth, network, anything unexpected)
    REJECTED = "rejected"  # FCM refused this message for good: not worth retrying


@dataclass(frozen=True)
class PushResult:
    outcome: PushOutcome
    error_code: str | None = None
    retry_after: float | None = None  # seconds, when the service said


class CredentialsUnavailableError(Exception):
    """The push service's credentials could not be loaded: nothing may be claimed."""


class PushGateway(Protocol):
    def prepare(self) -> None:
        """Loads credentials (the service account, an access token); raises CredentialsUnavailableError."""
        ...

    def send_all(self, pushes: Sequence[Push]) -> Mapping[str, PushResult]:
        """push id -> its result, for every push; never raises for a single push's failure."""
        ...
