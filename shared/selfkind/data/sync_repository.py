"""The sync aggregate in DynamoDB: a user's records (and tombstones) and their sequence head.

Items (pk = USER#<sub>):
  SYNC#HEAD             head_seq, day_seqs (JSON),      the committed sequence, and the erasure epoch
                        erasures, erased_seq,           (selfkind.data.erasure)
                        erasing_until
  REC#<table>#<id>      seq, created_seq, created_base,  a record; seq is the LSI by_seq's sort key,
                        tbl, rid, data (JSON), rollup |  so changes are read in sequence order; rollup is
                        deleted, expires_at              what it added to the insights rollups
  ROLLUP#WEEK#<monday>  (selfkind.data.rollup_repository), changed in the same transaction as the records
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository, error_code
from selfkind.data.keys import SEQ_INDEX, SYNC_HEAD_SK, SYNC_RECORD_PREFIX, record_sk, user_pk
from selfkind.data.rollup_repository import week_update_action, zone_from_head_item
from selfkind.domain.ports.sync import PushCommit, RecordKey, RecordWrite
from selfkind.domain.sequence import INITIAL_SEQ
from selfkind.models.exceptions import (
    DependencyError,
    HeadMovedError,
    PayloadTooLargeError,
    ServiceBusyError,
    SyncConflictError,
)
from selfkind.models.sync import TOMBSTONE_DAYS, StoredRecord, SyncedColumns, SyncHead, columns_of

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

# A transaction DynamoDB cancelled for contention or throttling is retried with full jitter (about 1.5 s
# at most in all), then the client is told to come back: 503 with Retry-After, never a 409.
CONTENTION_ATTEMPTS = 5
_BACKOFF_BASE_SECONDS = 0.05
_BACKOFF_CAP_SECONDS = 0.8
RETRY_AFTER_SECONDS = 1
_WEEK_FULL = "Item size to update has exceeded the maximum allowed size"  # DynamoDB's words for the 400 KB limit
_CONTENTION_REASONS = frozenset({"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"})


def _head_from_item(item: dict[str, Any] | None) -> SyncHead:
    epoch = erasure.epoch_from_item(item)
    timezone = zone_from_head_item(item)
    if not item or "head_seq" not in item:  # no push yet (the item may hold only the user's zone)
        return SyncHead(seq=INITIAL_SEQ, exists=False, epoch=epoch, timezone=timezone)
    return SyncHead(
        seq=int(item["head_seq"]["N"]),
        exists=True,
        day_seqs=json.loads(item["day_seqs"]["S"]),
        epoch=epoch,
        timezone=timezone,
    )


def _record_from_item(item: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        table=item["tbl"]["S"],
        record_id=item["rid"]["S"],
        seq=int(item["seq"]["N"]),
        created_seq=int(item["created_seq"]["N"]),
        created_base=int(item["created_base"]["N"]),
        data=item["data"]["S"] if "data" in item else None,
        rollup=item["rollup"]["S"] if "rollup" in item else None,
    )


def record_item(pk: str, write: RecordWrite, expires_at: str) -> dict[str, Any]:
    """The stored form of a record write; a tombstone keeps no content (deleted writing is gone at once)."""
    change = write.change
    item: dict[str, Any] = {
        "pk": {"S": pk},
        "sk": {"S": record_sk(change.table, change.record_id)},
        "seq": {"N": str(write.seq)},
        "created_seq": {"N": str(write.created_seq)},
        "created_base": {"N": str(write.created_base)},
        "tbl": {"S": change.table},
        "rid": {"S": change.record_id},
    }
    if change.data is None:
        # Not until the TTL: deleted writing is gone from the table at once.
        item |= {"deleted": {"BOOL": True}, "expires_at": {"N": expires_at}}
    else:
        item["data"] = {"S": change.data}
        if write.rollup is not None:
            item["rollup"] = {"S": write.rollup}
    return item


class SyncRepository(Repository):
    def __init__(
        self,
        table_name: str,
        client: DynamoDBClient | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[float, float], float] = random.uniform,
    ) -> None:
        super().__init__(table_name, client)
        self._sleep = sleep
        self._jitter = jitter

    def read_head(self, user_id: str) -> SyncHead:
        response = self.client.get_item(
            TableName=self._table_name,
            Key={"pk": {"S": user_pk(user_id)}, "sk": {"S": SYNC_HEAD_SK}},
            ConsistentRead=True,
        )
        return _head_from_item(response.get("Item"))

    def read_for_push(self, user_id: str, keys: list[RecordKey]) -> tuple[SyncHead, dict[RecordKey, StoredRecord]]:
        """The head and the pushed records' current versions, 100 keys per strongly consistent read."""
        pk = user_pk(user_id)
        wanted = [{"pk": {"S": pk}, "sk": {"S": SYNC_HEAD_SK}}]
        wanted += [{"pk": {"S": pk}, "sk": {"S": record_sk(table, record_id)}} for table, record_id in keys]
        head_item: dict[str, Any] | None = None
        records: dict[RecordKey, StoredRecord] = {}
        items = self._batch_get_items(wanted)
        for item in items:
            if item["sk"]["S"] == SYNC_HEAD_SK:
                head_item = item
            else:
                record = _record_from_item(item)
                records[(record.table, record.record_id)] = record
        return _head_from_item(head_item), records

    def read_record(self, user_id: str, table: str, record_id: str) -> StoredRecord | None:
        """One record as it is now (a tombstone has no data); None when there is none since the last erasure."""
        head, records = self.read_for_push(user_id, [(table, record_id)])
        record = records.get((table, record_id))
        return record if record is not None and record.seq > head.epoch.erased_seq else None

    def commit(self, user_id: str, push: PushCommit, now: datetime) -> None:
        """One transaction: the records, each conditioned on the version read; the head, conditioned on
        the sequence read and on no erasure running; and the rollup weeks the records change (the head's
        condition serialises every push of the user, so their sums never race). Contention and throttling
        are retried here."""
        pk = user_pk(user_id)
        expires_at = str(int((now + timedelta(days=TOMBSTONE_DAYS)).timestamp()))
        writes = push.writes
        items: list[dict[str, Any]] = [self._put_record(record_item(pk, write, expires_at), write) for write in writes]
        items.append(self._head_update(pk, push.head, push.new_head, now))
        items += [week_update_action(self._table_name, user_id, week, change) for week, change in push.rollups.items()]
        for attempt in range(CONTENTION_ATTEMPTS):
            try:
                self.client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
            except DependencyError as error:  # throttled: worth a retry; refused or down: not
                if not error.transient:
                    raise
            except ClientError as error:
                if not self._contended(error, writes):
                    raise
            else:
                return
            if attempt + 1 < CONTENTION_ATTEMPTS:
                ceiling = min(_BACKOFF_CAP_SECONDS, _BACKOFF_BASE_SECONDS * 2**attempt)
                self._sleep(self._jitter(0, ceiling))
        raise ServiceBusyError("The journal's storage is busy; try again shortly.", RETRY_AFTER_SECONDS)

    def _head_update(self, pk: str, head: SyncHead, new_head: SyncHead, now: datetime) -> dict[str, Any]:
        values: dict[str, Any] = {
            ":new": {"N": str(new_head.seq)},
            ":days": {"S": json.dumps(new_head.day_seqs, sort_keys=True)},
            ":now": {"N": str(now.timestamp())},
        }
        if head.exists:
            # The erasure moves head_seq too, so a push read before an erasure can never commit after it.
            condition = "head_seq = :old"
            values[":old"] = {"N": str(head.seq)}
        else:
            condition = "attribute_not_exists(head_seq)"
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": {"pk": {"S": pk}, "sk": {"S": SYNC_HEAD_SK}},
                "UpdateExpression": "SET head_seq = :new, day_seqs = :days",
                "ConditionExpression": f"{condition} AND (attribute_not_exists(erasing_until) OR erasing_until < :now)",
                "ExpressionAttributeValues": values,
            }
        }

    @staticmethod
    def _contended(error: ClientError, writes: list[RecordWrite]) -> bool:
        """True for contention (worth a retry); raises the domain's error for a real conflict."""
        code = error_code(error)
        reasons = erasure.cancellation_reasons(error)
        if _WEEK_FULL in error.response.get("Error", {}).get("Message", "") or "ValidationError" in reasons:
            # Records are at most 64 KB, so only a rollup week can outgrow DynamoDB's 400 KB item: one
            # holding some 4,000 check-ins. Said plainly rather than left a 500; nothing was written.
            raise PayloadTooLargeError(
                "A week can hold about 4,000 check-ins and this push would pass that; delete some of that week's."
            ) from error
        if code != "TransactionCanceledException":
            return False
        conflicting = [
            (write.change.table, write.change.record_id)
            for write, reason in zip(writes, reasons, strict=False)
            if reason == "ConditionalCheckFailed"
        ]
        if conflicting:
            raise SyncConflictError(conflicting) from error
        if len(reasons) > len(writes) and reasons[len(writes)] == "ConditionalCheckFailed":
            raise HeadMovedError from error  # another push, or an erasure: the domain reads the head again
        return any(reason in _CONTENTION_REASONS for reason in reasons)

    def _put_record(self, item: dict[str, Any], write: RecordWrite) -> dict[str, Any]:
        put: dict[str, Any] = {"TableName": self._table_name, "Item": item}
        if write.expected_seq is None:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "seq = :expected"
            put["ExpressionAttributeValues"] = {":expected": {"N": str(write.expected_seq)}}
        return {"Put": put}

    def changes_between(self, user_id: str, after_seq: int, upto_seq: int) -> Iterator[StoredRecord]:
        """Records changed in (after_seq, upto_seq], in sequence order, read strongly consistently."""
        if upto_seq <= after_seq:
            return
        yield from self._query(
            IndexName=SEQ_INDEX,
            KeyConditionExpression="pk = :pk AND seq BETWEEN :low AND :high",
            ExpressionAttributeValues={
                ":pk": {"S": user_pk(user_id)},
                ":low": {"N": str(after_seq + 1)},
                ":high": {"N": str(upto_seq)},
            },
        )

    def records_of_table(self, user_id: str, table: str, after_seq: int | None = None) -> Iterator[StoredRecord]:
        """The table's records above `after_seq` (by default, above the last erasure)."""
        yield from self._records_with_prefix(user_id, record_sk(table, ""), after_seq)

    def all_records(self, user_id: str, after_seq: int | None = None) -> Iterator[StoredRecord]:
        """Every record above `after_seq` (by default, above the last erasure)."""
        yield from self._records_with_prefix(user_id, SYNC_RECORD_PREFIX, after_seq)

    def live_columns(
        self, user_id: str, table: str | None = None, after_seq: int | None = None
    ) -> Iterator[SyncedColumns]:
        """The live records' parsed columns (of one table, or all)."""
        prefix = record_sk(table, "") if table else SYNC_RECORD_PREFIX
        yield from columns_of(self._records_with_prefix(user_id, prefix, after_seq))

    def _records_with_prefix(self, user_id: str, prefix: str, after_seq: int | None) -> Iterator[StoredRecord]:
        if after_seq is None:
            after_seq = self.read_head(user_id).epoch.erased_seq
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": user_pk(user_id)}, ":prefix": {"S": prefix}},
        }
        if after_seq > 0:  # records an erasure is still deleting are not there any more
            query["FilterExpression"] = "seq > :after"
            query["ExpressionAttributeValues"][":after"] = {"N": str(after_seq)}
        yield from self._query(**query)

    def _query(self, **query: Any) -> Iterator[StoredRecord]:
        start_key: dict[str, Any] | None = None
        while True:
            request: dict[str, Any] = {"TableName": self._table_name, "ConsistentRead": True, **query}
            if start_key:
                request["ExclusiveStartKey"] = start_key
            page = self.client.query(**request)
            for item in page.get("Items", []):
                yield _record_from_item(item)
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                return
