"""Running a write at most once per Idempotency-Key (Powertools idempotency on the table).

Each user's idempotency records live in that user's own partition (pk USER#<sub>, sk IDEMPOTENCY#...):
no partition is shared by the whole app (one static key would cap idempotent pushes near DynamoDB's
per-partition limit for everyone), the records go with the account when it is erased, and one user's
key can never replay or block another's request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from selfkind.aws_errors import is_transient
from selfkind.data.clients import dynamodb_client
from selfkind.data.keys import IDEMPOTENCY_PREFIX, user_pk
from selfkind.models.exceptions import DependencyError, IdempotencyKeyReusedError, RequestInProgressError

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient


class UserPartitionedPersistence(DynamoDBPersistenceLayer):
    """Powertools' DynamoDB persistence, keyed pk = USER#<sub>, sk = IDEMPOTENCY#<key hash>."""

    def __init__(self, table_name: str, user_id: str, client: DynamoDBClient) -> None:
        super().__init__(
            table_name=table_name,
            key_attr="pk",
            sort_key_attr="sk",
            static_pk_value=user_pk(user_id),
            expiry_attr="expires_at",
            boto3_client=client,
        )

    def _get_key(self, idempotency_key: str) -> dict[str, Any]:
        return {"pk": {"S": self.static_pk_value}, "sk": {"S": IDEMPOTENCY_PREFIX + idempotency_key}}

    def _update_record(self, data_record: DataRecord) -> None:
        # Saving the result only updates the record this request put: when the account was erased in the
        # meantime, nothing is recreated (Powertools' own update would create the item again).
        try:
            self.client.update_item(
                TableName=self.table_name,
                Key=self._get_key(data_record.idempotency_key),
                UpdateExpression="SET #data = :data, #expiry = :expiry, #status = :status, #hash = :hash",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={
                    "#data": self.data_attr,
                    "#expiry": self.expiry_attr,
                    "#status": self.status_attr,
                    "#hash": self.validation_key_attr,
                },
                ExpressionAttributeValues={
                    ":data": {"S": data_record.response_data or ""},
                    ":expiry": {"N": str(data_record.expiry_timestamp)},
                    ":status": {"S": data_record.status},
                    ":hash": {"S": data_record.payload_hash or ""},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise


@dataclass(frozen=True)
class RequestFingerprint:
    """What makes two requests with one Idempotency-Key the same request: the method, the path, the
    query and the body. A retry sends exactly these again; anything else under the key is refused (422)."""

    method: str
    path: str
    query: str  # as sent (rawQueryString): a client's retry repeats it byte for byte
    body: str

    def sha256(self) -> str:
        parts = (self.method.upper(), self.path, self.query, self.body)
        # Length-prefixed, so no two different requests join into the same bytes.
        joined = "".join(f"{len(part)}:{part}" for part in parts)
        return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def run_once(
    operation: Callable[[], dict[str, Any]],
    *,
    table_name: str,
    user_id: str,
    key: str,
    request: RequestFingerprint,
    expires_after_seconds: int,
    lambda_context: LambdaContext | None,
    client: DynamoDBClient | None = None,
) -> dict[str, Any]:
    """The saved result when this user already sent this key with this very request (method, path,
    query and body); 422 when the key comes with anything else."""
    config = IdempotencyConfig(
        event_key_jmespath="[user_id, key]",
        payload_validation_jmespath="request_sha256",
        expires_after_seconds=expires_after_seconds,
    )
    if lambda_context is not None:
        config.register_lambda_context(lambda_context)  # an in-progress claim expires with the invocation
    persistence = UserPartitionedPersistence(table_name, user_id, client or dynamodb_client())

    @idempotent_function(data_keyword_argument="request", persistence_store=persistence, config=config)
    def once(request: dict[str, str]) -> dict[str, Any]:
        return operation()

    try:
        result: dict[str, Any] = once(request={"user_id": user_id, "key": key, "request_sha256": request.sha256()})
    except IdempotencyValidationError as error:
        raise IdempotencyKeyReusedError from error
    except IdempotencyAlreadyInProgressError as error:
        raise RequestInProgressError from error
    except IdempotencyPersistenceLayerError as error:
        # Powertools wraps the store's failures: the data layer's convention, DependencyError (a 503).
        cause = error.__cause__
        transient = is_transient(cause) if isinstance(cause, (ClientError, BotoCoreError)) else False
        raise DependencyError("dynamodb", "idempotency", transient=transient) from error
    return result
