"""What the sender reads for a batch, in as few requests as the stores allow, before it decides anything:
a snapshot, never changed afterwards (the engagement that moves as the batch's content is chosen lives
with the batch, in selfkind.domain.delivery)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from selfkind.domain.delivery_rules import BAD_DATA_ERRORS, Due
from selfkind.domain.ports.account import Profile
from selfkind.domain.ports.delivery import NotificationState, SyncedRecords
from selfkind.domain.ports.stores import DeliveryStores
from selfkind.domain.reminder_content import OwnAffirmation
from selfkind.domain.rollups import WeekRollup
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.reminders import ReminderKind, StoredDevice, StoredReminder

_LOAD_CONCURRENCY = 16


@dataclass(frozen=True)
class Loaded:
    epochs: dict[str, ErasureEpoch]
    reminders: dict[tuple[str, str], StoredReminder]
    profiles: dict[str, Profile]
    records: dict[tuple[str, str], NotificationState]
    devices: dict[str, list[StoredDevice]]
    own_affirmations: dict[str, list[OwnAffirmation]]
    practice_sums: dict[str, WeekRollup]
    unreadable: dict[str, str]  # user -> the type of the error their stored data raised


def load(stores: DeliveryStores, live: Sequence[Due], now: datetime) -> Loaded:
    users = sorted({item.due.user_id for item in live})
    # The epochs first: an erasure that begins after this read cancels every write decided on what follows.
    epochs = stores.epochs.get_many(users)
    unreadable: dict[str, str] = {}
    reminder_keys = sorted({(i.due.user_id, i.due.reminder_id) for i in live})
    reminders = _each_readable(stores.reminders.get_many, reminder_keys, lambda key: key[0], unreadable)
    affirmation_users = _users_with(reminders, ReminderKind.AFFIRMATION)
    practice_users = _users_with(reminders, ReminderKind.PRACTICE)

    def devices_of(user: str) -> list[StoredDevice]:
        try:
            return stores.devices.list(user, now)
        except BAD_DATA_ERRORS as error:
            unreadable[user] = type(error).__name__
            return []

    with ThreadPoolExecutor(_LOAD_CONCURRENCY, thread_name_prefix="load") as pool:
        devices = pool.map(devices_of, users)
        own = pool.map(lambda user: own_affirmations(stores.sync, user, epochs[user]), affirmation_users)
        profiles = _each_readable(stores.profile.get_many, users, lambda user: user, unreadable)
        records = stores.notifications.get_many(sorted({(i.due.user_id, i.due.notification_id) for i in live}))
        sums = (
            _each_readable(stores.rollups.read_all_time, practice_users, lambda user: user, unreadable)
            if practice_users
            else {}
        )
        return Loaded(
            epochs=epochs,
            reminders=reminders,
            profiles=profiles,
            records=records,
            devices=dict(zip(users, devices, strict=True)),
            own_affirmations=dict(zip(affirmation_users, own, strict=True)),
            practice_sums=sums,
            unreadable=unreadable,
        )


def _users_with(reminders: dict[tuple[str, str], StoredReminder], kind: ReminderKind) -> list[str]:
    return sorted({user for (user, _), reminder in reminders.items() if reminder.kind is kind})


def _each_readable[K, V](
    read_many: Callable[[Sequence[K]], dict[K, V]],
    keys: Sequence[K],
    user_of: Callable[[K], str],
    unreadable: dict[str, str],
) -> dict[K, V]:
    """read_many(keys) in one go; when a stored item among them cannot be read (a document that no longer
    validates, say), key by key: the users whose data cannot be read go into `unreadable` (with the error's
    type), and only their occurrences fail."""
    try:
        return read_many(keys)
    except BAD_DATA_ERRORS:
        found: dict[K, V] = {}
        for key in keys:
            try:
                found |= read_many([key])
            except BAD_DATA_ERRORS as error:
                unreadable[user_of(key)] = type(error).__name__
        return found


def own_affirmations(sync: SyncedRecords, user_id: str, epoch: ErasureEpoch) -> list[OwnAffirmation]:
    """The user's active affirmations with text, as synced since their last erasure."""
    own = []
    for record in sync.live_columns(user_id, "affirmations", after_seq=epoch.erased_seq):
        text = record.columns.get("text")
        if record.columns.get("is_active") and isinstance(text, str) and text:
            own.append(OwnAffirmation(affirmation_id=record.record_id, text=text))
    return own
