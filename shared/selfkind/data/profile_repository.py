"""The user's profile aggregate: notification settings and engagement (what gentle pacing reads)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

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
