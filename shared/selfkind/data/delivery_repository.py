"""The user's delivery item (pk USER#<sub>, sk DELIVERY): the sends of each local day, for the
`max_per_day` cap, the user's engagement (what pacing and the content rotation read), and a mirror of
the erasure epoch (selfkind.data.erasure), so that counting a send, with the engagement it leaves, is
one small conditional write (1 write unit) that an erasure begun since the epoch was read refuses.

Attributes: erasures, erasing_until (the mirror, written by the erasure's `begin`, which replaces the
item with them alone); d_<YYYY-MM-DD> (the sends of that local day; a count keeps the day and the one
before, and removes the week before them); docz (the engagement, compressed: selfkind.data.
engagement) and unopened_streak.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository, error_code
from selfkind.data.engagement import stored_engagement
from selfkind.domain.ports.delivery import Claim, ClaimRequest

_DAYS_KEPT = 2  # the local day, and the one before
_DAYS_PRUNED = 7  # older day counts removed by each count (a count after a longer silence leaves a few)


class DeliveryRepository(Repository):
    def count(self, request: ClaimRequest, now: datetime) -> Claim | None:
        """One more send on the user's local day, under the cap and the epoch read (None: counted)."""
        epoch_condition, values = erasure.delivery_unchanged(request.epoch, now)
        day = date.fromisoformat(request.local_day)
        stale = [f"d_{(day - timedelta(days=age)).isoformat()}" for age in range(_DAYS_KEPT, _DAYS_KEPT + _DAYS_PRUNED)]
        names = {"#day": f"d_{request.local_day}"} | {f"#old{n}": name for n, name in enumerate(stale)}
        update = "SET #day = if_not_exists(#day, :zero) + :one"
        values |= {":zero": {"N": "0"}, ":one": {"N": "1"}, ":max": {"N": str(request.max_per_day)}}
        if request.engagement is not None:
            # One more not opened yet: on the streak stored here, or (the first time) on the one read.
            update += ", docz = :docz, unopened_streak = if_not_exists(unopened_streak, :streak) + :one"
            values |= {
                ":docz": stored_engagement(request.engagement)["docz"],
                ":streak": {"N": str(request.engagement.unopened_streak)},
            }
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=erasure.delivery_key(request.user_id),
                UpdateExpression=f"{update} REMOVE " + ", ".join(f"#old{n}" for n in range(len(stale))),
                ConditionExpression=f"{epoch_condition} AND (attribute_not_exists(#day) OR #day < :max)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            current = erasure.read_epoch(self.client, self._table_name, request.user_id)
            erased = current.erasures != request.epoch.erasures or current.erasing(now)
            return Claim.ERASED if erased else Claim.DAILY_CAP
        return None
