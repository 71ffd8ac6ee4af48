"""The user's profile aggregate: notification settings and engagement (what gentle pacing reads)."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository
from selfkind.data.keys import ENGAGEMENT_SK, SETTINGS_SK, user_from_pk, user_pk
from selfkind.domain.ports.account import Profile
from selfkind.models.reminders import Engagement, Settings


def _settings(item: dict[str, Any] | None) -> Settings:
    return Settings.model_validate_json(item["doc"]["S"]) if item else Settings()


def _engagement(item: dict[str, Any] | None) -> Engagement:
    if not item:
        return Engagement()
    if "docz" in item:
        engagement = Engagement.model_validate_json(zlib.decompress(item["docz"]["B"]))
    elif "doc" in item:  # written before the document was compressed
        engagement = Engagement.model_validate_json(item["doc"]["S"])
    else:
        engagement = Engagement()
    return engagement.model_copy(update={"unopened_streak": int(item.get("unopened_streak", {"N": "0"})["N"])})


def engagement_sent_action(table_name: str, user_id: str, engagement: Engagement) -> dict[str, Any]:
    """A transaction action: one more notification the user has not opened yet, the content rotation
    and when each reminder last went out (written with the notification's completion).

    The document is stored compressed: a full rotation history of the catalog's long ids is about 1.3 KB
    of JSON, 2 write units at every send; compressed, about 0.6 KB, 1 (docs/capacity.md)."""
    return {
        "Update": {
            "TableName": table_name,
            "Key": {"pk": {"S": user_pk(user_id)}, "sk": {"S": ENGAGEMENT_SK}},
            "UpdateExpression": "SET docz = :docz ADD unopened_streak :one REMOVE doc",
            "ExpressionAttributeValues": {":docz": stored_engagement(engagement)["docz"], ":one": {"N": "1"}},
        }
    }


def stored_engagement(engagement: Engagement) -> dict[str, Any]:
    """The engagement's document as the item stores it (its unopened streak is an attribute of its own)."""
    document = engagement.model_dump_json(exclude={"unopened_streak"}).encode()
    return {"docz": {"B": zlib.compress(document, 9)}}


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
        response = self.client.get_item(
            TableName=self._table_name, Key=self._key(user_id, ENGAGEMENT_SK), ConsistentRead=True
        )
        return _engagement(response.get("Item"))

    def get_many(self, user_ids: Sequence[str]) -> dict[str, Profile]:
        """Settings and engagement of each user, in as few requests as DynamoDB allows."""
        keys = [self._key(user_id, sk) for user_id in user_ids for sk in (SETTINGS_SK, ENGAGEMENT_SK)]
        items = self._batch_get_items(keys)
        found = {(user_from_pk(item["pk"]["S"]), item["sk"]["S"]): item for item in items}
        return {
            user_id: Profile(
                settings=_settings(found.get((user_id, SETTINGS_SK))),
                engagement=_engagement(found.get((user_id, ENGAGEMENT_SK))),
            )
            for user_id in user_ids
        }

    def reset_unopened(self, user_id: str) -> None:
        """The user opened a notification or synced: back to the normal cadence (a no-op when it is)."""
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=self._key(user_id, ENGAGEMENT_SK),
                UpdateExpression="SET unopened_streak = :zero",
                ConditionExpression="unopened_streak > :zero",
                ExpressionAttributeValues={":zero": {"N": "0"}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
