"""The sync aggregate in DynamoDB: a user's records (and tombstones) and their sequence head.

Items (pk = USER#<sub>):
  SYNC#HEAD             head_seq, day_seqs (JSON)       the committed sequence
  REC#<table>#<id>      seq, created_seq, created_base,  a record; seq is the LSI by_seq's sort key,
                        tbl, rid, data (JSON) |          so changes are read in sequence order
                        deleted, expires_at
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from selfkind.data.base import Repository
from selfkind.data.keys import SEQ_INDEX, SYNC_HEAD_SK, SYNC_RECORD_PREFIX, record_sk, user_pk
from selfkind.domain.sync import INITIAL_SEQ, RecordKey, RecordWrite
from selfkind.models.exceptions import HeadMovedError, SyncConflictError
from selfkind.models.sync import TOMBSTONE_DAYS, StoredRecord, SyncHead

if TYPE_CHECKING:
    pass

_BATCH_GET_LIMIT = 100
_UNPROCESSED_RETRIES = 6


def _head_from_item(item: dict[str, Any] | None) -> SyncHead:
    if not item:
        return SyncHead(seq=INITIAL_SEQ, exists=False)
    return SyncHead(seq=int(item["head_seq"]["N"]), exists=True, day_seqs=json.loads(item["day_seqs"]["S"]))


def _record_from_item(item: dict[str, Any]) -> StoredRecord:
    return StoredRecord(
        table=item["tbl"]["S"],
        record_id=item["rid"]["S"],
        seq=int(item["seq"]["N"]),
        created_seq=int(item["created_seq"]["N"]),
        created_base=int(item["created_base"]["N"]),
        data=item["data"]["S"] if "data" in item else None,
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
    return item


class SyncRepository(Repository):
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
        for start in range(0, len(wanted), _BATCH_GET_LIMIT):
            for item in self._batch_get(wanted[start : start + _BATCH_GET_LIMIT]):
                if item["sk"]["S"] == SYNC_HEAD_SK:
                    head_item = item
                else:
                    record = _record_from_item(item)
                    records[(record.table, record.record_id)] = record
        return _head_from_item(head_item), records

    def _batch_get(self, keys: list[dict[str, Any]]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        request: dict[str, Any] = {self._table_name: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(_UNPROCESSED_RETRIES):
            response = self.client.batch_get_item(RequestItems=request)
            items += response["Responses"].get(self._table_name, [])
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return items
            time.sleep(0.05 * 2**attempt)  # throttled: back off before asking for the rest
        raise ClientError({"Error": {"Code": "UnprocessedKeys", "Message": "batch read throttled"}}, "BatchGetItem")

    def commit(
        self, user_id: str, head: SyncHead, new_head: SyncHead, writes: list[RecordWrite], now: datetime
    ) -> None:
        """One transaction: the records, each conditioned on the version read, and the head."""
        pk = user_pk(user_id)
        expires_at = str(int((now + timedelta(days=TOMBSTONE_DAYS)).timestamp()))
        items: list[dict[str, Any]] = [self._put_record(record_item(pk, write, expires_at), write) for write in writes]
        items.append(
            {
                "Update": {
                    "TableName": self._table_name,
                    "Key": {"pk": {"S": pk}, "sk": {"S": SYNC_HEAD_SK}},
                    "UpdateExpression": "SET head_seq = :new, day_seqs = :days",
                    "ConditionExpression": "head_seq = :old" if head.exists else "attribute_not_exists(pk)",
                    "ExpressionAttributeValues": {
                        ":new": {"N": str(new_head.seq)},
                        ":days": {"S": json.dumps(new_head.day_seqs, sort_keys=True)},
                        **({":old": {"N": str(head.seq)}} if head.exists else {}),
                    },
                }
            }
        )
        try:
            self.client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            conflicting = [
                (write.change.table, write.change.record_id)
                for write, code in zip(writes, reasons, strict=False)
                if code == "ConditionalCheckFailed"
            ]
            if conflicting:
                raise SyncConflictError(conflicting) from error
            raise HeadMovedError from error  # the head moved, or a concurrent transaction: retry

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

    def records_of_table(self, user_id: str, table: str) -> Iterator[StoredRecord]:
        yield from self._records_with_prefix(user_id, record_sk(table, ""))

    def all_records(self, user_id: str) -> Iterator[StoredRecord]:
        yield from self._records_with_prefix(user_id, SYNC_RECORD_PREFIX)

    def _records_with_prefix(self, user_id: str, prefix: str) -> Iterator[StoredRecord]:
        yield from self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": user_pk(user_id)}, ":prefix": {"S": prefix}},
        )

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
