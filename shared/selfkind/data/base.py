"""What every repository shares: the table, a lazily created client, paging through a query, batched
reads and deletes, transactions whose cancelled parts are told apart, and AWS errors turned into domain
errors.

One error convention for the whole data layer: every DynamoDB call goes through `MappedClient`, so a
throttled or failing call reaches the domain as `DependencyError` (the API answers 503 with
Retry-After), never as a botocore error (a 500). Only the answers a repository interprets itself pass
through as `ClientError`: a failed condition, a cancelled transaction (whose reasons say which part
failed), and a validation error (a defect, or an item past DynamoDB's 400 KB)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from selfkind.aws_errors import is_transient
from selfkind.data.clients import dynamodb_client
from selfkind.data.keys import user_pk
from selfkind.models.exceptions import DependencyError

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

BATCH_GET_LIMIT = 100  # keys per BatchGetItem
TRANSACTION_LIMIT = 100  # actions per TransactWriteItems
BATCH_WRITE_LIMIT = 25  # requests per BatchWriteItem
_RETRIES = 6
# Reasons a transaction part is cancelled that say nothing about the part itself: try it again.
_TRANSIENT_CANCELLATIONS = frozenset(
    {"None", "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)


def iso_utc(instant: datetime) -> str:
    """Second-precision UTC: these strings sort as the instants do, so conditions compare them."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stored_instant(item: dict[str, Any], name: str) -> datetime | None:
    """An item's ISO 8601 string attribute as an instant; None when the item has none."""
    value = item.get(name, {}).get("S")
    return datetime.fromisoformat(value) if value else None


def _backoff(attempt: int) -> None:
    time.sleep(0.025 * 2**attempt * random.uniform(0.5, 1.5))  # noqa: S311 (jitter, not security)


# Answers the repositories read themselves (conditions, cancellation reasons, the 400 KB limit).
INTERPRETED_CODES = frozenset(
    {"ConditionalCheckFailedException", "TransactionCanceledException", "ValidationException"}
)


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def as_dependency_error(error: ClientError | BotoCoreError, operation: str) -> DependencyError:
    return DependencyError("dynamodb", operation, transient=is_transient(error))


class MappedClient:
    """A DynamoDB client whose calls raise `DependencyError` for throttling, outages and refusals."""

    def __init__(self, raw: DynamoDBClient) -> None:
        self.raw = raw

    def __getattr__(self, operation: str) -> Any:
        call = getattr(self.raw, operation)
        if not callable(call):
            return call

        def mapped(*args: Any, **kwargs: Any) -> Any:
            try:
                # Looked up at each call, not captured: whatever the client's method is now is what runs.
                return getattr(self.raw, operation)(*args, **kwargs)
            except ClientError as error:
                if error_code(error) in INTERPRETED_CODES:
                    raise
                raise as_dependency_error(error, operation) from error
            except BotoCoreError as error:
                raise as_dependency_error(error, operation) from error

        setattr(self, operation, mapped)  # built once per operation: later calls skip __getattr__
        return mapped


def mapped(client: DynamoDBClient) -> DynamoDBClient:
    """The client with the data layer's error convention (idempotent)."""
    return client if isinstance(client, MappedClient) else cast("DynamoDBClient", MappedClient(client))


class Repository:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        self._table_name = table_name
        self._client = client
        self._mapped: DynamoDBClient | None = None

    @property
    def client(self) -> DynamoDBClient:
        """Every call through this client follows the error convention above."""
        raw = self._client or dynamodb_client()
        if self._mapped is None or cast("MappedClient", self._mapped).raw is not raw:
            self._mapped = mapped(raw)
        return self._mapped

    def _key(self, user_id: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": user_pk(user_id)}, "sk": {"S": sk}}

    def _read_version(self, user_id: str, sk: str) -> int:
        """A roster's version (0 before its first write), read strongly consistently."""
        item = self.client.get_item(TableName=self._table_name, Key=self._key(user_id, sk), ConsistentRead=True)
        return int(item.get("Item", {}).get("version", {}).get("N", "0"))

    def _version_bump(self, user_id: str, sk: str, version: int) -> dict[str, Any]:
        """The transaction action moving a roster from the version read to the next: it fails (and so does
        its transaction) when another writer moved it first."""
        values: dict[str, Any] = {":next": {"N": str(version + 1)}}
        if version:
            condition = "version = :version"
            values[":version"] = {"N": str(version)}
        else:
            condition = "attribute_not_exists(version)"
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": self._key(user_id, sk),
                "UpdateExpression": "SET version = :next",
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }

    def _query_all(self, **query: Any) -> Iterator[dict[str, Any]]:
        for page in self._query_pages(**query):
            yield from page

    def _query_pages(self, **query: Any) -> Iterator[list[dict[str, Any]]]:
        yield from self._pages(self.client.query, query)

    def _scan_pages(self, **scan: Any) -> Iterator[list[dict[str, Any]]]:
        yield from self._pages(self.client.scan, scan)

    def _pages(self, read: Callable[..., Any], parameters: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        request: dict[str, Any] = {"TableName": self._table_name, **parameters}
        while True:
            page = read(**request)
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

    def _batch_delete(self, keys: Sequence[dict[str, Any]]) -> None:
        """Deletes the keys 25 per BatchWriteItem, retrying what DynamoDB leaves unprocessed with
        jittered backoff; DependencyError when some are still left after the retries."""
        for start in range(0, len(keys), BATCH_WRITE_LIMIT):
            requests: list[Any] = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + BATCH_WRITE_LIMIT]]
            for attempt in range(_RETRIES):
                response = self.client.batch_write_item(RequestItems={self._table_name: requests})
                requests = list(response.get("UnprocessedItems", {}).get(self._table_name, []))
                if not requests:
                    break
                _backoff(attempt)
            else:
                raise DependencyError("dynamodb", "batch_write_item")

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
                except DependencyError as error:
                    if not error.transient:
                        raise
                    retry += group  # throttled as a whole: every part again
                except ClientError as error:
                    if error_code(error) != "TransactionCanceledException":
                        raise as_dependency_error(error, "transact_write_items") from error
                    reasons = [r.get("Code", "None") for r in error.response.get("CancellationReasons", [])]
                    retry += self._sort_cancelled(group, parts, reasons, on_condition_failed)
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
