"""A user's data as a whole: export (portability) and erasure."""

from __future__ import annotations

from datetime import datetime

from selfkind.domain.ports.account import AccountEraser
from selfkind.domain.ports.stores import AccountStores
from selfkind.models.account import AccountExport
from selfkind.models.exceptions import ErasureInProgressError
from selfkind.models.sync import SYNCED_TABLES


def export_account(stores: AccountStores, user_id: str, now: datetime) -> AccountExport:
    epoch = stores.sync.read_head(user_id).epoch
    if epoch.erasing(now):  # half erased: come back when it is all gone
        raise ErasureInProgressError(epoch.retry_after_seconds(now))
    tables: dict[str, list[dict[str, object]]] = {table: [] for table in SYNCED_TABLES}
    for record in stores.sync.live_columns(user_id, after_seq=epoch.erased_seq):
        tables[record.table].append(record.columns)
    return AccountExport(
        user_id=user_id,
        exported_at=now,
        devices=[device.public() for device in stores.devices.list(user_id, now)],
        reminders=stores.reminders.list(user_id),
        settings=stores.profile.get_settings(user_id),
        notifications=stores.notifications.list(user_id),
        shares=[share.summary() for share in stores.shares.list(user_id)],
        **tables,
    )


def erase_account(eraser: AccountEraser, user_id: str, now: datetime) -> int:
    """Everything under the user's partition: synced records, devices, reminders, settings, notifications;
    no write of a request still in flight survives it."""
    return eraser.erase(user_id, now)
