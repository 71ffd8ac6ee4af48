"""Operations on a user's whole partition, across aggregates: erasure (see selfkind.data.erasure)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository
from selfkind.data.keys import SYNC_HEAD_SK, user_pk

_BATCH_WRITE_LIMIT = 25
_UNPROCESSED_RETRIES = 6


class AccountRepository(Repository):
    def erase(self, user_id: str, now: datetime) -> int:
        """Deletes every item of the user, winning every race with the user's in-flight writes; safe to
        repeat. What stays is the sync head: the sequence and the erasure epoch, no content. Returns how
        many items were deleted."""
        epoch = erasure.begin(self.client, self._table_name, user_id, now)
        deleted = self._delete_all_but_head(user_id)
        erasure.finish(self.client, self._table_name, user_id, epoch)
        return deleted

    def _delete_all_but_head(self, user_id: str) -> int:
        # Nothing new can be written while the lease runs, so listing after `begin` finds everything.
        deleted = 0
        start_key: dict[str, Any] | None = None
        while True:
            query: dict[str, Any] = {
                "TableName": self._table_name,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": user_pk(user_id)}},
                "ProjectionExpression": "pk, sk",
                "ConsistentRead": True,
            }
            if start_key:
                query["ExclusiveStartKey"] = start_key
            page = self.client.query(**query)
            keys = [key for key in page.get("Items", []) if key["sk"]["S"] != SYNC_HEAD_SK]
            for start in range(0, len(keys), _BATCH_WRITE_LIMIT):
                self._delete_batch(keys[start : start + _BATCH_WRITE_LIMIT])
            deleted += len(keys)
            start_key = page.get("LastEvaluatedKey")
            if not start_key:
                return deleted

    def _delete_batch(self, keys: list[dict[str, Any]]) -> None:
        requests: list[dict[str, Any]] = [{"DeleteRequest": {"Key": key}} for key in keys]
        for attempt in range(_UNPROCESSED_RETRIES):
            response = self.client.batch_write_item(RequestItems={self._table_name: requests})  # type: ignore[dict-item]
            requests = response.get("UnprocessedItems", {}).get(self._table_name, [])  # type: ignore[assignment]
            if not requests:
                return
            time.sleep(0.05 * 2**attempt)
        raise ClientError(
            {"Error": {"Code": "UnprocessedItems", "Message": "batch delete throttled"}}, "BatchWriteItem"
        )
