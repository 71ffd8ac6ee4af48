"""The stores each use case is handed together: the account's, and the sender's."""

from __future__ import annotations

from dataclasses import dataclass

from selfkind.domain.ports.account import AccountEraser, DeviceRegistry, DeviceStore, ProfileStore, ReminderStore
from selfkind.domain.ports.delivery import EpochStore, NotificationStore, PracticeSums, SyncedRecords
from selfkind.domain.ports.presence import UnopenedStreakStore
from selfkind.domain.ports.shares import ShareStore
from selfkind.domain.ports.sync import SyncStore


@dataclass(frozen=True)
class AccountStores:
    sync: SyncStore
    devices: DeviceRegistry
    reminders: ReminderStore
    profile: ProfileStore
    unopened_streak: UnopenedStreakStore
    notifications: NotificationStore
    eraser: AccountEraser
    shares: ShareStore


@dataclass(frozen=True)
class DeliveryStores:
    epochs: EpochStore
    reminders: ReminderStore
    devices: DeviceStore
    profile: ProfileStore
    notifications: NotificationStore
    sync: SyncedRecords
    rollups: PracticeSums
