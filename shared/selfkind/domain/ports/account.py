"""The account's ports: devices, reminders, settings and engagement, erasure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from selfkind.models.reminders import Engagement, Settings, StoredDevice, StoredReminder


class DeviceStore(Protocol):
    def put(self, user_id: str, device: StoredDevice) -> None: ...
    def list(self, user_id: str, now: datetime) -> list[StoredDevice]: ...
    def delete(self, user_id: str, device_id: str) -> None: ...
    def mark_removed(self, user_id: str, device_id: str) -> None:
        """FCM says the device is gone: hidden at once, kept 30 days (a registration restores it)."""
        ...


class ReminderStore(Protocol):
    def put(self, user_id: str, reminder: StoredReminder) -> None: ...
    def get(self, user_id: str, reminder_id: str) -> StoredReminder | None: ...
    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredReminder]: ...
    def list(self, user_id: str) -> list[StoredReminder]: ...
    def delete(self, user_id: str, reminder_id: str) -> None: ...


@dataclass(frozen=True)
class Profile:
    settings: Settings
    engagement: Engagement


class ProfileStore(Protocol):
    def get_settings(self, user_id: str) -> Settings: ...
    def put_settings(self, user_id: str, settings: Settings) -> None: ...
    def get_engagement(self, user_id: str) -> Engagement: ...
    def get_many(self, user_ids: Sequence[str]) -> dict[str, Profile]: ...


@dataclass(frozen=True)
class DeviceRoster:
    devices: list[StoredDevice]  # every stored device, stale ones too
    version: int


class DeviceRegistry(DeviceStore, Protocol):
    """The devices as registration sees them: the whole roster, replaced only as it was read."""

    def roster(self, user_id: str) -> DeviceRoster: ...
    def register(
        self, user_id: str, device: StoredDevice, roster: DeviceRoster, evicted: list[StoredDevice]
    ) -> None: ...


class AccountEraser(Protocol):
    def erase(self, user_id: str, now: datetime) -> int: ...
