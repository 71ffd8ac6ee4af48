"""The user's profile aggregate: notification settings and engagement (what gentle pacing reads)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository
from selfkind.data.keys import ENGAGEMENT_SK, SETTINGS_SK
from selfkind.models.reminders import Engagement, Settings


class ProfileRepository(Repository):
    def get_settings(self, user_id: str) -> Settings:
        response = self.client.get_item(TableName=self._table_name, Key=self._key(user_id, SETTINGS_SK))
        return Settings.model_validate_json(response["Item"]["doc"]["S"]) if "Item" in response else Settings()

    def put_settings(self, user_id: str, settings: Settings) -> None:
        """Only while no erasure of the user began since this write started (selfkind.data.erasure)."""
        item = {**self._key(user_id, SETTINGS_SK), "doc": {"S": settings.model_dump_json()}}
        erasure.guarded_write(
            self.client, self._table_name, user_id, [{"Put": {"TableName": self._table_name, "Item": item}}]
        )

    def get_engagement(self, user_id: str) -> Engagement:
        response = self.client.get_item(
            TableName=self._table_name, Key=self._key(user_id, ENGAGEMENT_SK), ConsistentRead=True
        )
        if "Item" not in response:
            return Engagement()
        item = response["Item"]
        engagement = Engagement.model_validate_json(item["doc"]["S"]) if "doc" in item else Engagement()
        return engagement.model_copy(update={"unopened_streak": int(item.get("unopened_streak", {"N": "0"})["N"])})

    def record_sent(self, user_id: str, engagement: Engagement) -> None:
        """One more notification the user has not opened yet, and the content rotation so far."""
        self.client.update_item(
            TableName=self._table_name,
            Key=self._key(user_id, ENGAGEMENT_SK),
            UpdateExpression="SET doc = :doc ADD unopened_streak :one",
            ExpressionAttributeValues={
                ":doc": {"S": engagement.model_dump_json(exclude={"unopened_streak"})},
                ":one": {"N": "1"},
            },
        )

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
