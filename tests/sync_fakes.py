"""An in-memory sync store with the DynamoDB adapter's semantics: each commit is all-or-nothing, records
are conditioned on the version read, the head on the sequence read, and the rollup weeks change by ADD,
SET and REMOVE in the same commit. The rollup reader of insights and suggestions reads the same state.

The adapter itself is tested against moto (tests/integration/test_rollups_dynamodb.py); this makes the
domain's rules fast to test, with contention injected on cue.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from selfkind.domain import rollups
from selfkind.domain.ports.sync import PushCommit, RecordKey
from selfkind.domain.rollups import Rollups
from selfkind.domain.sequence import INITIAL_SEQ
from selfkind.models.exceptions import HeadMovedError, SyncConflictError
from selfkind.models.sync import StoredRecord, SyncedColumns, SyncHead, columns_of


class FakeSyncStore:
    def __init__(self, timezone: str = "UTC") -> None:
        self.heads: dict[str, SyncHead] = {}
        self.records: dict[str, dict[RecordKey, StoredRecord]] = {}
        self.rollups: dict[str, Rollups] = {}
        self.timezones: dict[str, str] = {}
        self.default_timezone = timezone
        self.commits = 0
        self.transaction_sizes: list[int] = []
        self.move_head_before_next_commit: list[str] = []  # users whose head another device moves first

    # --- the zone (what the settings and the first device write on the head) ---

    def set_timezone(self, user_id: str, timezone: str) -> None:
        self.timezones[user_id] = timezone

    # --- SyncStore ---

    def read_head(self, user_id: str) -> SyncHead:
        head = self.heads.get(user_id, SyncHead(seq=INITIAL_SEQ, exists=False))
        return head.model_copy(update={"timezone": self.timezones.get(user_id, self.default_timezone)})

    def read_for_push(self, user_id: str, keys: list[RecordKey]) -> tuple[SyncHead, dict[RecordKey, StoredRecord]]:
        mine = self.records.get(user_id, {})
        return self.read_head(user_id), {key: mine[key] for key in keys if key in mine}

    def commit(self, user_id: str, push: PushCommit, now: datetime) -> None:
        head, new_head, writes, rollup_change = push.head, push.new_head, push.writes, push.rollups
        if user_id in self.move_head_before_next_commit:
            self.move_head_before_next_commit.remove(user_id)
            current = self.read_head(user_id)
            self.heads[user_id] = current.model_copy(update={"seq": current.seq + 1, "exists": True})
        mine = self.records.setdefault(user_id, {})
        conflicts = [
            (w.change.table, w.change.record_id)
            for w in writes
            if ((stored := mine.get((w.change.table, w.change.record_id))) is not None and stored.seq != w.expected_seq)
            or (stored is None and w.expected_seq is not None)
        ]
        if conflicts:
            raise SyncConflictError(conflicts)
        if self.read_head(user_id).seq != head.seq:
            raise HeadMovedError
        items = len(writes) + 1 + len(rollup_change)
        assert items <= 100, "DynamoDB refuses a transaction of more than 100 items"
        self.transaction_sizes.append(items)
        for write in writes:
            change = write.change
            mine[(change.table, change.record_id)] = StoredRecord(
                table=change.table,
                record_id=change.record_id,
                seq=write.seq,
                created_seq=write.created_seq,
                created_base=write.created_base,
                data=change.data,
                rollup=write.rollup if change.data is not None else None,
            )
        self.heads[user_id] = new_head
        rollups.apply(self.rollups.setdefault(user_id, {}), copy.deepcopy(rollup_change))
        self.commits += 1

    def changes_between(self, user_id: str, after_seq: int, upto_seq: int) -> Iterator[StoredRecord]:
        records = sorted(self.records.get(user_id, {}).values(), key=lambda r: r.seq)
        yield from (r for r in records if after_seq < r.seq <= upto_seq)

    def records_of_table(self, user_id: str, table: str, after_seq: int | None = None) -> Iterator[StoredRecord]:
        yield from (r for r in self.all_records(user_id, after_seq) if r.table == table)

    def live_columns(
        self, user_id: str, table: str | None = None, after_seq: int | None = None
    ) -> Iterator[SyncedColumns]:
        yield from columns_of(r for r in self.all_records(user_id, after_seq) if table in (None, r.table))

    def all_records(self, user_id: str, after_seq: int | None = None) -> Iterator[StoredRecord]:
        yield from (r for r in self.records.get(user_id, {}).values() if r.seq > (after_seq or 0))

    # --- RollupReader ---

    def read(self, user_id: str, weeks: Sequence[date]) -> tuple[str, Rollups]:
        mine = self.rollups.get(user_id, {})
        return self.read_head(user_id).timezone, {week: copy.deepcopy(mine[week]) for week in weeks if week in mine}
