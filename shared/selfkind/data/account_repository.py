"""Operations on a user's whole partition, across aggregates: erasure."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from selfkind.data.base import Repository
from selfkind.data.keys import user_pk

if TYPE_CHECKING:
    pass

_BATCH_WRITE_LIMIT = 25
_UNPROCESSED_RETRIES = 6


class AccountRepository(Repository):
    def erase(self, user_id: str) -> int:
        """Deletes every item of the user; safe to repeat. Returns how many items were deleted."""
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
            keys = page.get("Items", [])
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
