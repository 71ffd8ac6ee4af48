"""The push service (FCM through firebase-admin in selfkind.adapters.firebase_push)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


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
class SendResult:
    outcome: PushOutcome
    error_code: str | None = None
    retry_after: float | None = None  # seconds, when the service said


class CredentialsUnavailableError(Exception):
    """The push service's credentials could not be loaded: nothing may be claimed."""


class PushGateway(Protocol):
    def prepare(self) -> None:
        """Loads credentials (the service account, an access token); raises CredentialsUnavailableError."""
        ...

    def send_all(self, pushes: Sequence[Push]) -> Mapping[str, SendResult]:
        """push id -> its result, for every push; never raises for a single push's failure."""
        ...
