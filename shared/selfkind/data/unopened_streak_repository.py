"""The unopened streak gentle pacing counts, set back to 0 when the person is here (selfkind.domain.presence).

Apart from the profile's repository so that the sync function, which calls it on every pull and push,
builds no reminder models for it. The streak lives on the delivery item, where sends count it
(selfkind.data.engagement reads it there for the profile).
"""

from __future__ import annotations

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository, error_code


class UnopenedStreakRepository(Repository):
    def reset_unopened(self, user_id: str) -> None:
        """The user opened a notification or synced: back to the normal cadence (a no-op when it is). On
        the delivery item, where sends count the streak; written there the first time, so a streak still
        on the engagement's item of its own (selfkind.data.engagement) is read as reset.

        Read first, as every sync calls this and the streak is nearly always 0 already: a conditional
        write whose condition fails is still charged as a write of the item, one write unit
        (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html),
        where the read is one read unit, a fifth of a write unit's price. A send that counts between the
        read and now stays counted until the person's next sync or open."""
        found = self.client.get_item(
            TableName=self._table_name,
            Key=erasure.delivery_key(user_id),
            ProjectionExpression="unopened_streak",
            ConsistentRead=True,
        ).get("Item", {})
        if found.get("unopened_streak") == {"N": "0"}:
            return
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=erasure.delivery_key(user_id),
                UpdateExpression="SET unopened_streak = :zero",
                ConditionExpression="attribute_not_exists(unopened_streak) OR unopened_streak > :zero",
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
