"""A user's data as a whole: export (portability) and erasure."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Protocol

from selfkind.domain.sync import SyncStore
from selfkind.models.account import AccountExport
from selfkind.models.sync import SYNCED_TABLES


class AccountEraser(Protocol):
    def erase(self, user_id: str) -> int: ...


def export_account(sync_store: SyncStore, user_id: str, now: datetime) -> AccountExport:
    tables: dict[str, list[dict[str, object]]] = {table: [] for table in SYNCED_TABLES}
    for record in sync_store.all_records(user_id):
        if record.data is not None:
            tables[record.table].append(json.loads(record.data))
    return AccountExport(user_id=user_id, exported_at=now, **tables)


def erase_account(eraser: AccountEraser, user_id: str) -> int:
    return eraser.erase(user_id)
