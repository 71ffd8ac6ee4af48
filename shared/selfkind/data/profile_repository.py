"""The user's profile aggregate: notification settings and engagement (what gentle pacing reads)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository
from selfkind.data.engagement import read_engagement
from selfkind.data.keys import DELIVERY_SK, ENGAGEMENT_SK, SETTINGS_SK, user_from_pk
from selfkind.domain.ports.account import Profile
from selfkind.models.reminders import Engagement, Settings


def _settings(item: dict[str, Any] | None) -> Settings:
    return Settings.model_validate_json(item["doc"]["S"]) if item else Settings()


class ProfileRepository(Repository):
    def get_settings(self, user_id: str) -> Settings:
        response = self.client.get_item(TableName=self._table_name, Key=self._key(user_id, SETTINGS_SK))
        return _settings(response.get("Item"))

    def put_settings(self, user_id: str, settings: Settings) -> None:
        """Only while no erasure of the user began since this write started (selfkind.data.erasure)."""
        item = {**self._key(user_id, SETTINGS_SK), "doc": {"S": settings.model_dump_json()}}
        # The zone insights count days in lives on the sync head too, which every push reads anyway.
        zone: erasure.HeadUpdate = (
            ("SET tz_set = :tz", {":tz": {"S": settings.timezone}}) if settings.timezone else ("REMOVE tz_set", {})
        )
        erasure.guarded_write(
            self.client,
            self._table_name,
            user_id,
            [{"Put": {"TableName": self._table_name, "Item": item}}],
            head=zone,
        )

    def get_engagement(self, user_id: str) -> Engagement:
        found = self._read(user_id, sks=(DELIVERY_SK, ENGAGEMENT_SK))
        return read_engagement(found.get((user_id, DELIVERY_SK)), found.get((user_id, ENGAGEMENT_SK)))

    def get_many(self, user_ids: Sequence[str]) -> dict[str, Profile]:
        """Settings and engagement of each user, in as few requests as DynamoDB allows."""
        found = self._read(*user_ids, sks=(SETTINGS_SK, DELIVERY_SK, ENGAGEMENT_SK))
        return {
            user_id: Profile(
                settings=_settings(found.get((user_id, SETTINGS_SK))),
                engagement=read_engagement(found.get((user_id, DELIVERY_SK)), found.get((user_id, ENGAGEMENT_SK))),
            )
            for user_id in user_ids
        }

    def _read(self, *user_ids: str, sks: tuple[str, ...]) -> dict[tuple[str, str], dict[str, Any]]:
        items = self._batch_get_items([self._key(user_id, sk) for user_id in user_ids for sk in sks])
        return {(user_from_pk(item["pk"]["S"]), item["sk"]["S"]): item for item in items}

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
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
