"""The tick's shard leases: one worker per shard at a time, and the latest tick asked of the shard.

Item (pk = TICK#<shards>/<shard>, sk = LEASE): requested (the latest scheduled time a tick asked for),
owner and lease_until (while a worker holds it). Times are second-precision ISO strings, which sort as
the instants do, so the conditions compare them directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data.base import Repository, error_code, iso_utc
from selfkind.data.keys import shard_lease_pk

_LEASE_SK = "LEASE"


class ShardLeaseRepository(Repository):
    def _lease_key(self, shard_key: str) -> dict[str, Any]:
        return {"pk": {"S": shard_lease_pk(shard_key)}, "sk": {"S": _LEASE_SK}}

    def _update(self, shard_key: str, **update: Any) -> dict[str, Any] | None:
        """The item after the update, or None when its condition failed."""
        try:
            response = self.client.update_item(
                TableName=self._table_name, Key=self._lease_key(shard_key), ReturnValues="ALL_NEW", **update
            )
        except ClientError as error:
            if error_code(error) == "ConditionalCheckFailedException":
                return None
            raise
        return response.get("Attributes", {})

    def request(self, shard_key: str, tick: datetime) -> None:
        self._update(
            shard_key,
            UpdateExpression="SET requested = :tick",
            ConditionExpression="attribute_not_exists(requested) OR requested < :tick",
            ExpressionAttributeValues={":tick": {"S": iso_utc(tick)}},
        )

    def acquire(self, shard_key: str, owner: str, until: datetime, now: datetime) -> datetime | None:
        item = self._update(
            shard_key,
            UpdateExpression="SET lease_owner = :owner, lease_until = :until",
            ConditionExpression="attribute_not_exists(lease_owner) OR lease_until < :now OR lease_owner = :owner",
            ExpressionAttributeValues={
                ":owner": {"S": owner},
                ":until": {"S": iso_utc(until)},
                ":now": {"S": iso_utc(now)},
            },
        )
        if item is None:
            return None
        return datetime.fromisoformat(item["requested"]["S"])

    def release(self, shard_key: str, owner: str, done: datetime | None) -> datetime | None:
        condition = "lease_owner = :owner"
        values = {":owner": {"S": owner}}
        if done is not None:
            condition += " AND requested <= :done"
            values[":done"] = {"S": iso_utc(done)}
        released = self._update(
            shard_key,
            UpdateExpression="REMOVE lease_owner, lease_until",
            ConditionExpression=condition,
            ExpressionAttributeValues=values,
        )
        if released is not None or done is None:
            return None
        item = self.client.get_item(
            TableName=self._table_name, Key=self._lease_key(shard_key), ConsistentRead=True
        ).get("Item", {})
        if item.get("lease_owner", {}).get("S") != owner:
            return None  # no longer ours (it outlived its lease): the holder now carries on
        return datetime.fromisoformat(item["requested"]["S"])
