"""The Firebase secret is read once per container and again after its maximum age, so a rotated value
reaches warm containers in bounded time; a failed re-read keeps the value read before."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from selfkind.adapters.secrets import CachedSecret


class _SecretsManager:
    def __init__(self) -> None:
        self.value = '{"private_key_id": "first"}'
        self.reads = 0
        self.failing = False

    def get_secret_value(self, SecretId: str) -> dict[str, Any]:
        self.reads += 1
        if self.failing:
            raise ClientError({"Error": {"Code": "InternalServiceError", "Message": "down"}}, "GetSecretValue")
        return {"SecretString": self.value}


def test_a_rotated_secret_is_read_again_once_the_cached_one_is_older_than_its_maximum_age() -> None:
    client, now = _SecretsManager(), [0.0]
    secret = CachedSecret("firebase", max_age_seconds=300, client=client, clock=lambda: now[0])  # type: ignore[arg-type]

    first = secret()
    client.value = '{"private_key_id": "rotated"}'
    now[0] = 299.0
    before_max_age = secret()
    now[0] = 300.0
    after_max_age = secret()

    assert (first, before_max_age, after_max_age) == (
        {"private_key_id": "first"},
        {"private_key_id": "first"},
        {"private_key_id": "rotated"},
    )
    assert client.reads == 2


def test_a_failed_re_read_keeps_the_value_read_before_and_asks_again_next_time() -> None:
    client, now = _SecretsManager(), [0.0]
    secret = CachedSecret("firebase", max_age_seconds=60, client=client, clock=lambda: now[0])  # type: ignore[arg-type]
    secret()
    client.failing, now[0] = True, 61.0

    assert secret() == {"private_key_id": "first"}
    assert secret() == {"private_key_id": "first"}
    assert client.reads == 3


def test_with_nothing_read_before_a_failure_is_raised() -> None:
    client = _SecretsManager()
    client.failing = True

    with pytest.raises(ClientError):
        CachedSecret("firebase", max_age_seconds=60, client=client)()  # type: ignore[arg-type]
