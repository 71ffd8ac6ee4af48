"""Secrets Manager: a secret read once and kept for a bounded time, so a rotated value takes over in
warm containers within that time (and a container never reads it per message)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from selfkind.once import built_once

if TYPE_CHECKING:
    from types_boto3_secretsmanager import SecretsManagerClient


@built_once
def secretsmanager_client() -> SecretsManagerClient:
    return boto3.client("secretsmanager", config=Config(retries={"mode": "standard", "max_attempts": 3}))


class CachedSecret:
    """The secret's JSON value; read again once it is older than max_age_seconds."""

    def __init__(
        self,
        secret_id: str,
        max_age_seconds: float,
        client: SecretsManagerClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._secret_id = secret_id
        self._max_age = max_age_seconds
        self._client = client
        self._clock = clock
        self._lock = threading.Lock()
        self._value: dict[str, Any] | None = None
        self._read_at = 0.0

    def __call__(self) -> dict[str, Any]:
        with self._lock:
            if self._value is None or self._clock() - self._read_at >= self._max_age:
                self._refresh()
            assert self._value is not None
            return self._value

    def _refresh(self) -> None:
        client = self._client or secretsmanager_client()
        try:
            secret = client.get_secret_value(SecretId=self._secret_id)["SecretString"]
        except (ClientError, BotoCoreError):
            if self._value is None:
                raise
            return  # keep the value read before, and ask again next time
        self._value = json.loads(secret)
        self._read_at = self._clock()
