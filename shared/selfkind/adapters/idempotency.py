"""Running a write at most once per Idempotency-Key (Powertools idempotency on the table)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.data.clients import dynamodb_client
from selfkind.models.exceptions import IdempotencyKeyReusedError, RequestInProgressError


@cache
def _persistence(table_name: str) -> DynamoDBPersistenceLayer:
    # Idempotency records share the single table under their own partition, expiring through its TTL.
    return DynamoDBPersistenceLayer(
        table_name=table_name,
        key_attr="pk",
        sort_key_attr="sk",
        expiry_attr="expires_at",
        boto3_client=dynamodb_client(),
    )


def run_once(
    operation: Callable[[], dict[str, Any]],
    *,
    table_name: str,
    user_id: str,
    key: str,
    body: str,
    expires_after_seconds: int,
    lambda_context: LambdaContext | None,
) -> dict[str, Any]:
    """The saved result when this user already sent this key with this body; 422 for another body.

    The key is scoped to the user, so one user's key can never replay or block another's request.
    """
    config = IdempotencyConfig(
        event_key_jmespath="[user_id, key]",
        payload_validation_jmespath="body_sha256",
        expires_after_seconds=expires_after_seconds,
    )
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)  # an in-progress claim expires with the invocation

    @idempotent_function(data_keyword_argument="request", persistence_store=_persistence(table_name), config=config)
    def once(request: dict[str, str]) -> dict[str, Any]:
        return operation()

    body_sha256 = hashlib.sha256(body.encode()).hexdigest()
    try:
        result: dict[str, Any] = once(request={"user_id": user_id, "key": key, "body_sha256": body_sha256})
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReusedError from error
    except IdempotencyAlreadyInProgressError as error:
        raise RequestInProgressError from error
    return result
