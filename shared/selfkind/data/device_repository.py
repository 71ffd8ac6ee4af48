"""The devices aggregate: where a user's reminders are pushed, at most MAX_DEVICES_PER_USER of them.

Items (pk = USER#<sub>):
  DEVICE#<id>       doc (JSON), expires_at,    a device; the TTL removes one nobody refreshed for 270 days
                    removed_at                 set when FCM said the device is gone: hidden at once, and
                                               the TTL purges it 30 days later; registering it again
                                               (a Put of the whole item) restores it
  ROSTER#DEVICES    version                    bumped by every registration, so two registrations that
                                               read the same devices cannot both commit (the limit holds)
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository, error_code
from selfkind.data.keys import DEVICE_PREFIX, DEVICE_ROSTER_SK, device_sk
from selfkind.domain.ports.account import DeviceRoster
from selfkind.models.exceptions import RosterChangedError
from selfkind.models.reminders import DEVICE_STALE_DAYS, StoredDevice

REMOVED_KEPT_DAYS = 30  # a device FCM called gone is kept this long, restorable, then purged by the TTL


def _live(items: list[dict[str, Any]]) -> list[StoredDevice]:
    return [StoredDevice.model_validate_json(item["doc"]["S"]) for item in items if "removed_at" not in item]


def _expires_at(device: StoredDevice) -> str:
    return str(int((device.refreshed_at + timedelta(days=DEVICE_STALE_DAYS)).timestamp()))


def _first_device_zone(device: StoredDevice) -> erasure.HeadUpdate:
    """Insights count days in the zone of the device registered first, until the user chooses one."""
    return ("SET tz_device = if_not_exists(tz_device, :tz)", {":tz": {"S": device.timezone}})


class DeviceRepository(Repository):
    def roster(self, user_id: str) -> DeviceRoster:
        """Every stored device (stale ones too: they count until the TTL removes them) and the version."""
        version = self._read_version(user_id, DEVICE_ROSTER_SK)
        devices = _live(list(self._items_with_prefix(user_id, DEVICE_PREFIX)))  # removed ones do not count
        return DeviceRoster(devices=devices, version=version)

    def register(self, user_id: str, device: StoredDevice, roster: DeviceRoster, evicted: list[StoredDevice]) -> None:
        """Stores the device and removes the evicted ones, in one transaction: only if the roster is still
        the one read (RosterChangedError otherwise) and no erasure began (selfkind.data.erasure)."""
        items: list[dict[str, Any]] = [
            {"Put": {"TableName": self._table_name, "Item": self._item(user_id, device)}},
            self._version_bump(user_id, DEVICE_ROSTER_SK, roster.version),
        ]
        for old in evicted:  # only as read: a device refreshed meanwhile is not the oldest any more
            items.append(
                {
                    "Delete": {
                        "TableName": self._table_name,
                        "Key": self._key(user_id, device_sk(old.device_id)),
                        "ConditionExpression": "expires_at = :seen",
                        "ExpressionAttributeValues": {":seen": {"N": _expires_at(old)}},
                    }
                }
            )
        try:
            erasure.guarded_write(self.client, self._table_name, user_id, items, head=_first_device_zone(device))
        except ClientError as error:
            reasons = erasure.cancellation_reasons(error)
            if any(reason in ("ConditionalCheckFailed", "TransactionConflict") for reason in reasons):
                raise RosterChangedError from error
            raise

    def put(self, user_id: str, device: StoredDevice) -> None:
        """Stores a device as given, without the device limit (the API registers through register())."""
        roster_bump = {
            "Update": {
                "TableName": self._table_name,
                "Key": self._key(user_id, DEVICE_ROSTER_SK),
                "UpdateExpression": "ADD version :one",
                "ExpressionAttributeValues": {":one": {"N": "1"}},
            }
        }
        put = {"Put": {"TableName": self._table_name, "Item": self._item(user_id, device)}}
        erasure.guarded_write(
            self.client, self._table_name, user_id, [put, roster_bump], head=_first_device_zone(device)
        )

    def _item(self, user_id: str, device: StoredDevice) -> dict[str, Any]:
        # The TTL removes a device nobody refreshed for 270 days; list() hides it before that happens.
        return {
            **self._key(user_id, device_sk(device.device_id)),
            "doc": {"S": device.model_dump_json()},
            "expires_at": {"N": _expires_at(device)},
        }

    def list(self, user_id: str, now: datetime) -> list[StoredDevice]:
        stale_before = now - timedelta(days=DEVICE_STALE_DAYS)
        devices = _live(list(self._items_with_prefix(user_id, DEVICE_PREFIX)))
        return [device for device in devices if device.refreshed_at > stale_before]

    def delete(self, user_id: str, device_id: str) -> None:
        """The user's own removal (DELETE /v1/devices/{id}): gone at once, nothing kept."""
        self.client.delete_item(TableName=self._table_name, Key=self._key(user_id, device_sk(device_id)))

    def mark_removed(self, user_id: str, device_id: str, now: datetime | None = None) -> None:
        """FCM said the device is gone (UNREGISTERED, an invalid token): hidden from the sender, the API
        and the device limit at once, kept REMOVED_KEPT_DAYS days (a registration of it restores it, and
        so can an operator), then purged by the TTL. Never recreates a device deleted meanwhile."""
        removed = now or datetime.now(UTC)
        purge = int((removed + timedelta(days=REMOVED_KEPT_DAYS)).timestamp())
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=self._key(user_id, device_sk(device_id)),
                UpdateExpression="SET removed_at = :removed, expires_at = :purge",
                ConditionExpression="attribute_exists(sk)",
                ExpressionAttributeValues={":removed": {"S": removed.isoformat()}, ":purge": {"N": str(purge)}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
