"""Operations on a user's whole partition, across aggregates: erasure (see selfkind.data.erasure)."""

from __future__ import annotations

from datetime import datetime

from selfkind.data import erasure
from selfkind.data.base import Repository
from selfkind.data.keys import DELIVERY_SK, SYNC_HEAD_SK, share_lookup_key, user_pk

_KEPT = (SYNC_HEAD_SK, DELIVERY_SK)  # the epoch and its mirror: no content


class AccountRepository(Repository):
    def erase(self, user_id: str, now: datetime) -> int:
        """Deletes every item of the user, winning every race with the user's in-flight writes; safe to
        repeat. What stays is the sync head (the sequence and the erasure epoch) and the delivery item (the
        epoch's mirror): no content. Returns how many items were deleted."""
        epoch = erasure.begin(self.client, self._table_name, user_id, now)
        deleted = self._delete_all_but_head(user_id)
        erasure.finish(self.client, self._table_name, user_id, epoch)
        return deleted

    def _delete_all_but_head(self, user_id: str) -> int:
        # Nothing new can be written while the lease runs, so listing after `begin` finds everything.
        deleted = 0
        pages = self._query_pages(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": user_pk(user_id)}},
            ProjectionExpression="pk, sk, token_sha256",
            ConsistentRead=True,
        )
        for page in pages:
            keys = [{"pk": item["pk"], "sk": item["sk"]} for item in page if item["sk"]["S"] not in _KEPT]
            # A share's lookup lives in a partition of its own: it goes with the share.
            lookups = [share_lookup_key(item["token_sha256"]["S"]) for item in page if "token_sha256" in item]
            self._batch_delete(lookups + keys)
            deleted += len(keys)
        return deleted
