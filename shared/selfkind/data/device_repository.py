"""The devices aggregate: where a user's reminders are pushed."""

from __future__ import annotations

from datetime import datetime, timedelta

from selfkind.data.base import Repository, dynamodb_errors
from selfkind.data.keys import DEVICE_PREFIX, device_sk
from selfkind.models.reminders import DEVICE_STALE_DAYS, StoredDevice


class DeviceRepository(Repository):
    def put(self, user_id: str, device: StoredDevice) -> None:
        # The TTL removes a device nobody refreshed for 270 days; list() hides it before that happens.
        expires_at = int((device.refreshed_at + timedelta(days=DEVICE_STALE_DAYS)).timestamp())
        self.client.put_item(
            TableName=self._table_name,
            Item={
                **self._key(user_id, device_sk(device.device_id)),
                "doc": {"S": device.model_dump_json()},
                "expires_at": {"N": str(expires_at)},
            },
        )

    def list(self, user_id: str, now: datetime) -> list[StoredDevice]:
        stale_before = now - timedelta(days=DEVICE_STALE_DAYS)
        devices = [
            StoredDevice.model_validate_json(item["doc"]["S"])
            for item in self._items_with_prefix(user_id, DEVICE_PREFIX)
        ]
        return [device for device in devices if device.refreshed_at > stale_before]

    def delete(self, user_id: str, device_id: str) -> None:
        with dynamodb_errors("delete_item"):
            self.client.delete_item(TableName=self._table_name, Key=self._key(user_id, device_sk(device_id)))
