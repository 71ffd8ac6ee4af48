"""What every repository shares: the table, a lazily created client, paging through a query, batched
reads, transactions whose cancelled parts are told apart, and AWS errors turned into domain errors."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from selfkind.aws_errors import is_transient
from selfkind.data.clients import dynamodb_client
from selfkind.data.keys import user_pk
from selfkind.models.exceptions import DependencyError

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

BATCH_GET_LIMIT = 100  # keys per BatchGetItem
TRANSACTION_LIMIT = 100  # actions per TransactWriteItems
_RETRIES = 6
# Reasons a transaction part is cancelled that say nothing about the part itself: try it again.
_TRANSIENT_CANCELLATIONS = frozenset(
    {"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


def iso_utc(instant: datetime) -> str:
    """Second-precision UTC: these strings sort as the instants do, so conditions compare them."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _backoff(attempt: int) -> None:
    time.sleep(0.025 * 2**attempt * random.uniform(0.5, 1.5))  # noqa: S311 (jitter, not security)


@contextmanager
def dynamodb_errors(operation: str) -> Iterator[None]:
    """AWS client failures as the domain's DependencyError (the domain never sees botocore)."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise DependencyError("dynamodb", operation, transient=is_transient(error)) from error


class Repository:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._table_name = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        return self._client or dynamodb_client()

    def _key(self, user_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": user_pk(user_id)}, "sk": {"S": sk}}

    def _query_all(self, **query: Any) -> Iterator[dict[str, Any]]:
        for page in self._query_pages(**query):
            yield from page

    def _query_pages(self, **query: Any) -> Iterator[list[dict[str, Any]]]:
        request: dict[str, Any] = {"TableName": self._table_name, **query}
        while True:
            with dynamodb_errors("query"):
                page = self.client.query(**request)
            yield page.get("Items", [])
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _items_with_prefix(self, user_id: str, prefix: str) -> Iterator[dict[str, Any]]:
        yield from self._query_all(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": user_pk(user_id)}, ":prefix": {"S": prefix}},
            ConsistentRead=True,
        )

    def _batch_get_items(self, keys: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Every existing item among the keys (strongly consistent), in chunks of 100, retrying what
        DynamoDB leaves unprocessed."""
        found: list[dict[str, Any]] = []
        unique = list({(key["pk"]["S"], key["sk"]["S"]): key for key in keys}.values())
        for start in range(0, len(unique), BATCH_GET_LIMIT):
            request: dict[str, Any] = {
                self._table_name: {"Keys": unique[start : start + BATCH_GET_LIMIT], "ConsistentRead": True}
            }
            for attempt in range(_RETRIES):
                response = self.client.batch_get_item(RequestItems=request)
                found += response.get("Responses", {}).get(self._table_name, [])
                request = dict(response.get("UnprocessedKeys") or {})
                if not request:
                    break
                _backoff(attempt)
            else:
                raise DependencyError("dynamodb", "batch_get_item")
        return found

    def _transact_each(
        self, parts: Sequence[list[dict[str, Any]]], on_condition_failed: Callable[[int, int], None]
    ) -> None:
        """Writes each part (a list of transaction actions that must succeed together) atomically, many
        parts per TransactWriteItems. A part whose own condition failed is reported through
        `on_condition_failed(part index, action index)` and dropped; parts cancelled only because
        another part failed, or by contention or throttling, are tried again with jittered backoff.
        Parts must not share an item (DynamoDB refuses a transaction that names one twice)."""
        pending = list(range(len(parts)))
        for attempt in range(_RETRIES):
            retry: list[int] = []
            for group in _groups(pending, parts):
                actions = [action for index in group for action in parts[index]]
                try:
                    self.client.transact_write_items(TransactItems=actions)  # type: ignore[arg-type]
                except ClientError as error:
                    if error.response["Error"]["Code"] not in ("TransactionCanceledException", "ThrottlingException"):
                        raise DependencyError(
                            "dynamodb", "transact_write_items", transient=is_transient(error)
                        ) from error
                    reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
                    retry += self._sort_cancelled(group, parts, reasons, on_condition_failed)
                except BotoCoreError as error:
                    raise DependencyError("dynamodb", "transact_write_items", transient=False) from error
            if not retry:
                return
            pending = retry
            _backoff(attempt)
        raise DependencyError("dynamodb", "transact_write_items")

    @staticmethod
    def _sort_cancelled(
        group: list[int],
        parts: Sequence[list[dict[str, Any]]],
        reasons: list[str],
        on_condition_failed: Callable[[int, int], None],
    ) -> list[int]:
        """The parts of a cancelled transaction to try again; reports those whose condition failed."""
        if not reasons:  # throttled as a whole: every part again
            return list(group)
        retry = []
        offset = 0
        for index in group:
            mine = reasons[offset : offset + len(parts[index])]
            offset += len(parts[index])
            failed = next((i for i, code in enumerate(mine) if code == "ConditionalCheckFailed"), None)
            if failed is not None:
                on_condition_failed(index, failed)
            elif all(code in _TRANSIENT_CANCELLATIONS for code in mine):
                retry.append(index)
            else:  # ValidationError, ItemCollectionSizeLimitExceeded...: a defect, not a retry
                raise DependencyError("dynamodb", f"transaction part refused: {sorted(set(mine))}", transient=False)
        return retry


def _groups(pending: list[int], parts: Sequence[list[dict[str, Any]]]) -> Iterator[list[int]]:
    group: list[int] = []
    size = 0
    for index in pending:
        if size + len(parts[index]) > TRANSACTION_LIMIT:
            yield group
            group, size = [], 0
        group.append(index)
        size += len(parts[index])
    if group:
        yield group
