"""A user's shares, and the lookup a page view makes by the token's hash (never a scan).

Items:
- pk USER#<sub>, sk SHARE#<id>: the share (`doc`), its `token_sha256`, `views` and `last_viewed_at`;
- pk SHARETOKEN#<sha256>, sk SHARE: the owner and the share's id, the page's only way to a share;
- pk USER#<sub>, sk ROSTER#SHARES: a version every creation moves, so two creations racing cannot both
  pass the live limit.
Creation writes the three in one transaction, with the erasure check (selfkind.data.erasure); revocation
deletes the share and its lookup in one. Both carry a TTL well after the share expires, so an expired
link answers "expired" (410) for a while before it is simply unknown (404). The erasure deletes the
lookups with the partition (selfkind.data.account_repository).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository, error_code
from selfkind.data.keys import SHARE_PREFIX, SHARE_ROSTER_SK, share_lookup_key, share_sk
from selfkind.models.exceptions import ServiceBusyError, ShareLimitError
from selfkind.models.shares import StoredShare

_CREATE_ATTEMPTS = 5
KEPT_AFTER_EXPIRY = timedelta(days=30)  # an expired link says so this long, then the TTL removes it


class ShareRepository(Repository):
    def create(self, user_id: str, share: StoredShare, max_live: int, now: datetime) -> None:
        for _ in range(_CREATE_ATTEMPTS):
            version = self._read_version(user_id, SHARE_ROSTER_SK)
            live = [s for s in self.list(user_id) if s.expires_at > now]
            if len(live) >= max_live:
                raise ShareLimitError(max_live)
            try:
                erasure.guarded_write(self.client, self._table_name, user_id, self._creation(user_id, share, version))
            except ClientError as error:
                if "ConditionalCheckFailed" not in erasure.cancellation_reasons(error):
                    raise
                continue  # another creation moved the roster first: count again
            return
        raise ServiceBusyError("Your shares are changing elsewhere; try again shortly.", retry_after_seconds=1)

    def _creation(self, user_id: str, share: StoredShare, version: int) -> list[dict[str, Any]]:
        ttl = {"N": str(int((share.expires_at + KEPT_AFTER_EXPIRY).timestamp()))}
        document = share.model_dump_json(exclude={"views", "last_viewed_at"})
        return [
            {
                "Put": {
                    "TableName": self._table_name,
                    "Item": {
                        **self._key(user_id, share_sk(share.share_id)),
                        "doc": {"S": document},
                        "token_sha256": {"S": share.token_sha256},
                        "views": {"N": "0"},
                        "expires_at": ttl,
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Put": {
                    "TableName": self._table_name,
                    "Item": {
                        **share_lookup_key(share.token_sha256),
                        "user_id": {"S": user_id},
                        "share_id": {"S": share.share_id},
                        "expires_at": ttl,
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            self._version_bump(user_id, SHARE_ROSTER_SK, version),
        ]

    def list(self, user_id: str) -> list[StoredShare]:
        shares = [_share(item) for item in self._items_with_prefix(user_id, SHARE_PREFIX)]
        return sorted(shares, key=lambda share: share.created_at)

    def revoke(self, user_id: str, share_id: str) -> bool:
        item = self.client.get_item(
            TableName=self._table_name, Key=self._key(user_id, share_sk(share_id)), ConsistentRead=True
        ).get("Item")
        if item is None:
            return False
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Delete": {
                            "TableName": self._table_name,
                            "Key": self._key(user_id, share_sk(share_id)),
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {"Delete": {"TableName": self._table_name, "Key": share_lookup_key(item["token_sha256"]["S"])}},
                ]
            )
        except ClientError as error:
            if "ConditionalCheckFailed" in erasure.cancellation_reasons(error):
                return False  # revoked meanwhile (or erased): it is gone either way
            raise
        return True

    def find(self, token_sha256: str) -> tuple[str, StoredShare] | None:
        lookup = self.client.get_item(
            TableName=self._table_name, Key=share_lookup_key(token_sha256), ConsistentRead=True
        ).get("Item")
        if lookup is None:
            return None
        user_id = lookup["user_id"]["S"]
        item = self.client.get_item(
            TableName=self._table_name, Key=self._key(user_id, share_sk(lookup["share_id"]["S"])), ConsistentRead=True
        ).get("Item")
        # A lookup without its share (revoked or erased as the page was read) opens nothing.
        return (user_id, _share(item)) if item is not None and item["token_sha256"]["S"] == token_sha256 else None

    def count_view(self, user_id: str, share_id: str, now: datetime) -> None:
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=self._key(user_id, share_sk(share_id)),
                UpdateExpression="ADD #views :one SET last_viewed_at = :now",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames={"#views": "views"},
                ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"S": now.isoformat()}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise  # revoked since it was read: nothing to count


def _share(item: dict[str, Any]) -> StoredShare:
    last = item.get("last_viewed_at", {}).get("S")
    return StoredShare.model_validate_json(item["doc"]["S"]).model_copy(
        update={
            "views": int(item.get("views", {}).get("N", "0")),
            "last_viewed_at": datetime.fromisoformat(last) if last else None,
        }
    )
