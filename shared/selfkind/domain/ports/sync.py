"""The sync store: the synced records, their versions and the user's sync head."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from selfkind.domain.rollups import RollupChange
from selfkind.models.sync import RecordChange, StoredRecord, SyncedColumns, SyncHead

RecordKey = tuple[str, str]  # (table, record id)


@dataclass(frozen=True)
class RecordWrite:
    change: RecordChange
    seq: int
    created_seq: int
    created_base: int
    expected_seq: int | None  # the version read before; None: the record must not exist yet
    rollup: str | None = None  # what the record adds to the insights rollups (selfkind.domain.rollups)


@dataclass(frozen=True)
class PushCommit:
    """What one chunk of a push writes, all or nothing."""

    head: SyncHead  # as read: the commit holds only while the head is still at its sequence
    new_head: SyncHead
    writes: list[RecordWrite]
    rollups: RollupChange  # the rollup weeks the records change


class OwnRecords(Protocol):
    """The part of the sync store a notification's content reads: one of the user's own records."""

    def read_record(self, user_id: str, table: str, record_id: str) -> StoredRecord | None: ...


class SyncStore(Protocol):
    """What sync needs from storage (implemented over DynamoDB in selfkind.data)."""

    def read_head(self, user_id: str) -> SyncHead: ...

    def read_for_push(self, user_id: str, keys: list[RecordKey]) -> tuple[SyncHead, dict[RecordKey, StoredRecord]]: ...

    def commit(self, user_id: str, push: PushCommit, now: datetime) -> None:
        """One all-or-nothing transaction: the records, the head and the rollup weeks they change."""

    def changes_between(self, user_id: str, after_seq: int, upto_seq: int) -> Iterator[StoredRecord]: ...

    def records_of_table(self, user_id: str, table: str, after_seq: int | None = None) -> Iterator[StoredRecord]: ...

    def all_records(self, user_id: str, after_seq: int | None = None) -> Iterator[StoredRecord]: ...

    def live_columns(
        self, user_id: str, table: str | None = None, after_seq: int | None = None
    ) -> Iterator[SyncedColumns]:
        """The live records' parsed columns (of one table, or all), above `after_seq` (by default, the
        last erasure)."""
        ...
