"""Failures the stand-in answers with: by the target's prefix (fixed), and injected on demand.

Targets starting ``unregistered-`` get 404 UNREGISTERED, ``invalid-`` 400 INVALID_ARGUMENT,
``mismatch-`` 403 SENDER_ID_MISMATCH, ``internal-`` 500 INTERNAL (always); ``flaky-`` 503 UNAVAILABLE and
``quota-`` 429 QUOTA_EXCEEDED with ``Retry-After: 1`` on the first attempt for that target only.
Injected: the next N sends answer a given status (503, 500 or 429), whatever the target; or a given FCM
error that says our credentials are wrong (403 SENDER_ID_MISMATCH, 401 THIRD_PARTY_AUTH_ERROR).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Final

from devstack.fcm.answers import Answer, fcm_error


@dataclass(frozen=True)
class Failure:
    status: int
    rpc_status: str
    message: str
    fcm_code: str
    first_attempt_only: bool = False
    retry_after: str | None = None

    def answer(self) -> Answer:
        return fcm_error(self.status, self.rpc_status, self.message, self.fcm_code, self.retry_after)


_QUOTA: Final = Failure(
    429,
    "RESOURCE_EXHAUSTED",
    "Quota exceeded for quota metric 'Messages sent' of service 'fcm.googleapis.com'.",
    "QUOTA_EXCEEDED",
    True,
    "1",
)
_UNAVAILABLE: Final = Failure(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE", True)
_INTERNAL: Final = Failure(500, "INTERNAL", "Internal error encountered.", "INTERNAL")
INVALID_TOKEN: Final = Failure(
    400, "INVALID_ARGUMENT", "The registration token is not a valid FCM registration token", "INVALID_ARGUMENT"
)
BY_PREFIX: Final = {
    "unregistered-": Failure(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"),
    "invalid-": INVALID_TOKEN,
    "flaky-": _UNAVAILABLE,
    "mismatch-": Failure(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH"),
    "quota-": _QUOTA,
    "internal-": _INTERNAL,
}
_SENDER_ID_MISMATCH: Final = Failure(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH")
INJECTABLE: Final = {503: _UNAVAILABLE, 500: _INTERNAL, 429: _QUOTA}
# Errors that blame the sender's credentials, not the device: (status, FCM error code) -> the answer.
INJECTABLE_ERRORS: Final = {
    (403, "SENDER_ID_MISMATCH"): _SENDER_ID_MISMATCH,
    (401, "THIRD_PARTY_AUTH_ERROR"): Failure(
        401, "UNAUTHENTICATED", "Auth error from APNS or Web Push Service", "THIRD_PARTY_AUTH_ERROR"
    ),
}


class TargetFailures:
    """The prefix rules, remembering which targets already had their first attempt."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._attempted: set[str] = set()

    def for_target(self, target: str, validate_only: bool) -> Failure | None:
        if not target:
            return INVALID_TOKEN
        failure = next((f for prefix, f in BY_PREFIX.items() if target.startswith(prefix)), None)
        if failure is None or not failure.first_attempt_only:
            return failure
        if validate_only:
            return None  # a dry run neither hits nor spends a transient failure
        with self._lock:
            first = target not in self._attempted
            self._attempted.add(target)
        return failure if first else None

    def clear(self) -> None:
        with self._lock:
            self._attempted.clear()


class InjectedSendFaults:
    """The next `count` sends answer `status`, then sends succeed again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failure: Failure | None = None
        self._remaining = 0

    def inject(self, status: int, count: int, error: str | None = None) -> None:
        if error is not None:
            if (status, error) not in INJECTABLE_ERRORS:
                raise ValueError(f"status and error must be one of {sorted(INJECTABLE_ERRORS)}")
            failure = INJECTABLE_ERRORS[(status, error)]
        elif status in INJECTABLE:
            failure = INJECTABLE[status]
        else:
            raise ValueError(f"status must be one of {sorted(INJECTABLE)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._failure, self._remaining = failure, count

    def take(self) -> Failure | None:
        with self._lock:
            if self._failure is None or self._remaining <= 0:
                return None
            self._remaining -= 1
            return self._failure

    def clear(self) -> None:
        with self._lock:
            self._failure, self._remaining = None, 0
