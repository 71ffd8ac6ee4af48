"""Pushes through Firebase Cloud Messaging with firebase-admin (only the sender imports this module).

Messages go out concurrently from a bounded pool of threads kept for the container's life, each calling
`messaging.send` over firebase-admin's pooled HTTP session. Measured against the FCM stand-in (make
bench), firebase-admin's own send_each_async was several times slower per message (its httpx auth flow
builds a new google-auth transport per request), and send_each starts a thread per message.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import firebase_admin
import google.auth.exceptions
import google.auth.transport.requests
from botocore.exceptions import BotoCoreError, ClientError
from firebase_admin import credentials, exceptions, messaging

from selfkind.domain.ports.push import CredentialsUnavailableError, Push, PushOutcome, SendResult

MAX_SENDING_THREADS = 48
_TTL = timedelta(hours=1)
_GONE = (messaging.UnregisteredError,)
# FCM refusing *our* credentials (another project's service account, a revoked APNs or web push key, a
# service account without permission): never the device's fault. A device is never removed for these.
_CREDENTIALS = (messaging.SenderIdMismatchError, messaging.ThirdPartyAuthError, exceptions.PermissionDeniedError)
_RETRYABLE = (
    messaging.QuotaExceededError,
    exceptions.UnavailableError,
    exceptions.InternalError,
    exceptions.UnauthenticatedError,  # a refused access token: a fresh one next attempt
    exceptions.DeadlineExceededError,
)
# firebase-admin's HTTP session already retries 500 and 503 (4 times, exponential backoff) and a 429
# carrying Retry-After; a 429 it gives up on is retried here.
_QUOTA_CODE = "RESOURCE_EXHAUSTED"


def to_message(push: Push) -> messaging.Message:
    expires_at = int(time.time() + _TTL.total_seconds())
    collapse = f"selfkind-{push.kind}"  # a newer reminder of a kind replaces an unseen older one
    return messaging.Message(
        fid=push.fid,
        token=push.token,
        notification=messaging.Notification(title=push.title, body=push.body),
        data=push.data,
        android=messaging.AndroidConfig(priority="normal", ttl=_TTL, collapse_key=collapse),
        apns=messaging.APNSConfig(
            headers={"apns-expiration": str(expires_at), "apns-collapse-id": collapse, "apns-priority": "5"}
        ),
    )


def _outcome(error: exceptions.FirebaseError) -> PushOutcome:
    if isinstance(error, _CREDENTIALS):
        return PushOutcome.CREDENTIALS_REFUSED
    if isinstance(error, _GONE):
        return PushOutcome.DEVICE_GONE
    if isinstance(error, exceptions.InvalidArgumentError) and "registration token" in str(error).lower():
        return PushOutcome.DEVICE_GONE
    if isinstance(error, _RETRYABLE):
        return PushOutcome.RETRYABLE
    return PushOutcome.REJECTED


def _retry_after(error: exceptions.FirebaseError) -> float | None:
    response = getattr(error, "http_response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value else None
    except ValueError:
        return None


class FirebasePushGateway:
    def __init__(
        self,
        service_account: Callable[[], dict[str, Any]],
        *,
        fcm_url: str | None = None,
        max_attempts: int = 3,
        max_backoff_seconds: float = 4.0,
        sleep: Callable[[float], None] = time.sleep,
        refused_hold_seconds: float = 60.0,  # after a refusal, batches claim nothing this long (or a new secret)
    ) -> None:
        self._service_account = service_account  # cached by its provider, for a bounded time
        self._fcm_url = fcm_url
        self._max_attempts = max_attempts
        self._max_backoff = max_backoff_seconds
        self._sleep = sleep
        self._app: firebase_admin.App | None = None
        self._account: dict[str, Any] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._refused_until = 0.0  # monotonic: FCM refused these credentials; claim nothing until then
        self._refused_hold = refused_hold_seconds

    def prepare(self) -> None:
        """The service account (re-read when its provider's cache expires, so a rotated secret takes
        over) and a valid OAuth access token, before anything is claimed. After FCM refused the
        credentials (CREDENTIALS_REFUSED), CredentialsUnavailableError for `refused_hold_seconds` (a
        minute), unless the secret changed: the batches meanwhile claim nothing and come back whole."""
        try:
            account = self._service_account()
            if self._app is None or account != self._account:
                self._start_app(account)
                self._refused_until = 0.0
            if time.monotonic() < self._refused_until:
                raise CredentialsUnavailableError("credentials refused by FCM")
            assert self._app is not None
            google_credential = self._app.credential.get_credential()
            if not google_credential.valid:  # absent or expired: one round trip to the token endpoint
                google_credential.refresh(google.auth.transport.requests.Request())
        except (ClientError, BotoCoreError, ValueError, KeyError, google.auth.exceptions.GoogleAuthError) as error:
            raise CredentialsUnavailableError(type(error).__name__) from error

    def _start_app(self, account: dict[str, Any]) -> None:
        if self._fcm_url:
            # Local stack only: firebase-admin has no endpoint option, so its class constant is set.
            messaging._MessagingService.FCM_URL = self._fcm_url
        previous = self._app
        self._app = firebase_admin.initialize_app(credentials.Certificate(account), name=f"selfkind-{uuid.uuid4().hex}")
        self._account = account
        if previous is not None:
            firebase_admin.delete_app(previous)

    def _send(self, push: Push) -> SendResult:
        try:
            messaging.send(to_message(push), app=self._app)
        except exceptions.FirebaseError as error:
            return SendResult(_outcome(error), getattr(error, "code", None), _retry_after(error))
        except Exception as error:  # noqa: BLE001 (whatever else fails, e.g. an OAuth refresh, is retried later)
            return SendResult(PushOutcome.RETRYABLE, type(error).__name__)
        return SendResult(PushOutcome.DELIVERED)

    def _send_concurrently(self, pushes: Sequence[Push]) -> list[SendResult]:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(MAX_SENDING_THREADS, thread_name_prefix="fcm")
        return list(self._pool.map(self._send, pushes))

    def send_all(self, pushes: Sequence[Push]) -> Mapping[str, SendResult]:
        """push id -> result. prepare() first. QUOTA_EXCEEDED is retried here with jittered backoff
        (honouring Retry-After); 500 and 503 are retried by firebase-admin itself."""
        results: dict[str, SendResult] = {}
        pending = list(pushes)
        for attempt in range(1, self._max_attempts + 1):
            retry_after = 0.0
            retrying: list[Push] = []
            for push, result in zip(pending, self._send_concurrently(pending), strict=True):
                results[push.push_id] = result
                if result.outcome is PushOutcome.CREDENTIALS_REFUSED:
                    self._refused_until = time.monotonic() + self._refused_hold
                if result.error_code == _QUOTA_CODE:
                    retrying.append(push)
                    retry_after = max(retry_after, result.retry_after or 0.0)
            if not retrying or attempt == self._max_attempts or retry_after > self._max_backoff:
                break  # a long Retry-After is left to the queue's own redelivery
            backoff = min(self._max_backoff, max(retry_after, 0.25 * 2**attempt))
            self._sleep(backoff * random.uniform(1.0, 1.5))  # noqa: S311 (jitter, not security)
            pending = retrying
        return results

    def close(self) -> None:
        """Releases the threads and the app (tests and benchmarks; Lambda simply freezes the container)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._app is not None:
            firebase_admin.delete_app(self._app)
            self._app = None
