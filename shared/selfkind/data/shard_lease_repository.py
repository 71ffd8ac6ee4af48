"""The tick's shard leases: one worker per shard at a time, and the latest tick asked of the shard.

Item (pk = TICK#<shards>/<shard>, sk = LEASE): requested (the latest scheduled time a tick asked for),
pending (the first minute of the wheel not yet done, while there is one: set by the first tick that
asks for it, before any worker reads anything), owner and lease_until (while a worker holds it). Times are
second-precision ISO strings, which sort as the instants do, so the conditions compare them directly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data.base import Repository, error_code, iso_utc, stored_instant
from selfkind.data.keys import shard_lease_pk
from selfkind.domain.ports.tick import ShardGrant
from selfkind.domain.wheel import MINUTE, minute_floor

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

    def pending(self, shard_key: str) -> datetime | None:
        item = self.client.get_item(
            TableName=self._table_name,
            Key=self._lease_key(shard_key),
            ConsistentRead=True,
            ProjectionExpression="pending",
        ).get("Item", {})
        return stored_instant(item, "pending")

    def request(self, shard_key: str, tick: datetime) -> None:
        newest = self._update(
            shard_key,
            UpdateExpression="SET requested = :tick, pending = if_not_exists(pending, :tick)",
            ConditionExpression="attribute_not_exists(requested) OR requested < :tick",
            ExpressionAttributeValues={":tick": {"S": iso_utc(tick)}},
        )
        if newest is None:  # an older tick (retried, or late): its minute is pending unless an earlier one is
            self._update(
                shard_key,
                UpdateExpression="SET pending = :tick",
                ConditionExpression="attribute_not_exists(pending) OR pending > :tick",
                ExpressionAttributeValues={":tick": {"S": iso_utc(tick)}},
            )

    def acquire(self, shard_key: str, owner: str, until: datetime, now: datetime) -> ShardGrant | None:
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
        return ShardGrant(
            requested=datetime.fromisoformat(item["requested"]["S"]), pending=stored_instant(item, "pending")
        )

    def release(
        self, shard_key: str, owner: str, done: datetime | None, resume_at: datetime | None = None
    ) -> datetime | None:
        owned = {":owner": {"S": owner}}
        if done is None:
            update = "REMOVE lease_owner, lease_until"
            values = dict(owned)
            if resume_at is not None:
                update = "SET pending = :resume " + update
                values[":resume"] = {"S": iso_utc(resume_at)}
            self._update(
                shard_key,
                UpdateExpression=update,
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeValues=values,
            )
            return None
        released = self._update(
            shard_key,
            UpdateExpression="REMOVE lease_owner, lease_until, pending",
            ConditionExpression="lease_owner = :owner AND requested <= :done",
            ExpressionAttributeValues={**owned, ":done": {"S": iso_utc(done)}},
        )
        if released is not None:
            return None
        # A later tick was asked for meanwhile: keep the lease, with the minutes after `done` pending.
        kept = self._update(
            shard_key,
            UpdateExpression="SET pending = :next",
            ConditionExpression="lease_owner = :owner",
            ExpressionAttributeValues={**owned, ":next": {"S": iso_utc(minute_floor(done) + MINUTE)}},
        )
        if kept is None:
            return None  # no longer ours (it outlived its lease): the holder now carries on
        return datetime.fromisoformat(kept["requested"]["S"])
