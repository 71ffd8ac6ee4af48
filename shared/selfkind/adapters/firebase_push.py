"""Pushes through Firebase Cloud Messaging with firebase-admin (only the sender imports this module).

Messages go out concurrently from a bounded pool of threads kept for the container's life, each calling
`messaging.send` over firebase-admin's pooled HTTP session. Measured against the FCM stand-in (make
bench), firebase-admin's own send_each_async was several times slower per message (its httpx auth flow
builds a new google-auth transport per request), and send_each starts a thread per message.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import firebase_admin
from firebase_admin import credentials, exceptions, messaging

from selfkind.domain.ports import Push, PushOutcome, PushResult

MAX_SENDING_THREADS = 48
_TTL = timedelta(hours=1)
_GONE = (messaging.UnregisteredError, messaging.SenderIdMismatchError)
_RETRYABLE = (messaging.QuotaExceededError, exceptions.UnavailableError, exceptions.InternalError)
# firebase-admin's HTTP session already retries 500 and 503 (4 times, exponential backoff) and a 429
# carrying Retry-After; a 429 it gives up on is retried here.
_RETRY_HERE = (messaging.QuotaExceededError,)


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
    if isinstance(error, _GONE):
        return PushOutcome.DEVICE_GONE
    if isinstance(error, exceptions.InvalidArgumentError) and "registration token" in str(error).lower():
        return PushOutcome.DEVICE_GONE
    if isinstance(error, _RETRYABLE):
        return PushOutcome.RETRYABLE
    return PushOutcome.REJECTED


def _retry_after(error: exceptions.FirebaseError) -> float:
    response = getattr(error, "http_response", None)
    value = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0


class FirebasePushGateway:
    def __init__(
        self,
        service_account: Callable[[], dict[str, Any]],
        *,
        fcm_url: str | None = None,
        max_attempts: int = 3,
        max_backoff_seconds: float = 4.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._service_account = service_account
        self._fcm_url = fcm_url
        self._max_attempts = max_attempts
        self._max_backoff = max_backoff_seconds
        self._sleep = sleep
        self._app: firebase_admin.App | None = None
        self._pool: ThreadPoolExecutor | None = None

    def _firebase(self) -> firebase_admin.App:
        if self._app is None:
            if self._fcm_url:
                # Local stack only: firebase-admin has no endpoint option, so its class constant is set.
                messaging._MessagingService.FCM_URL = self._fcm_url
            self._app = firebase_admin.initialize_app(
                credentials.Certificate(self._service_account()), name=f"selfkind-{id(self)}"
            )
        return self._app

    def _send(self, push: Push) -> exceptions.FirebaseError | None:
        try:
            messaging.send(to_message(push), app=self._firebase())
        except exceptions.FirebaseError as error:
            return error
        return None

    def _send_concurrently(self, pushes: list[Push]) -> list[exceptions.FirebaseError | None]:
        if self._pool is None:
            self._firebase()  # once, before the threads race to create it
            self._pool = ThreadPoolExecutor(MAX_SENDING_THREADS, thread_name_prefix="fcm")
        return list(self._pool.map(self._send, pushes))

    def send_all(self, pushes: list[Push]) -> list[PushResult]:
        results: dict[int, PushResult] = {}
        pending = list(range(len(pushes)))
        for attempt in range(1, self._max_attempts + 1):
            retry_after = 0.0
            retrying: list[int] = []
            errors = self._send_concurrently([pushes[i] for i in pending])
            for index, error in zip(pending, errors, strict=True):
                if error is None:
                    results[index] = PushResult(pushes[index], PushOutcome.DELIVERED)
                    continue
                results[index] = PushResult(pushes[index], _outcome(error), getattr(error, "code", None))
                if isinstance(error, _RETRY_HERE):
                    retrying.append(index)
                    retry_after = max(retry_after, _retry_after(error))
            if not retrying or attempt == self._max_attempts or retry_after > self._max_backoff:
                break  # a long Retry-After is left to the queue's own redelivery
            backoff = min(self._max_backoff, max(retry_after, 0.25 * 2**attempt))
            self._sleep(backoff * random.uniform(1.0, 1.5))  # noqa: S311 (jitter, not security)
            pending = retrying
        return [results[i] for i in range(len(pushes))]

    def close(self) -> None:
        """Releases the threads and the app (tests and benchmarks; Lambda simply freezes the container)."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._app is not None:
            firebase_admin.delete_app(self._app)
            self._app = None
