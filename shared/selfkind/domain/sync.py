"""The WatermelonDB sync protocol over a per-user change sequence.

Every committed change gets the next number of the user's sequence; a pull returns the changes after
the client's `last_pulled_at`, in sequence order, up to the head it read first. Pushes commit in
all-or-nothing chunks that advance the head atomically, so a pull never sees half a chunk and never
skips a change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

from selfkind.domain.ports.sync import PushCommit, RecordKey, RecordWrite, SyncStore
from selfkind.domain.rollups import (
    Contribution,
    RollupChange,
    add_contribution,
    contribution,
    stored_contribution,
    weeks_touched,
    without_empty,
)
from selfkind.domain.sequence import INITIAL_SEQ
from selfkind.domain.sync_push_parsing import canonical_record_json
from selfkind.models.exceptions import (
    AccountErasedError,
    ConflictError,
    ErasureInProgressError,
    HeadMovedError,
    ServiceBusyError,
    SyncConflictError,
)
from selfkind.models.sync import (
    PULL_PAGE_BUDGET_BYTES,
    TOMBSTONE_DAYS,
    RecordChange,
    StoredRecord,
    SyncHead,
    tables_for_schema,
)
from selfkind.models.sync_pull import PullPage, PullRequest

# DynamoDB allows 100 items in a transaction: the head takes one place, and the records and the rollup
# weeks they change share the other 99.
MAX_ITEMS_BESIDE_HEAD = 99
MAX_TRANSACTION_BYTES = 3_500_000  # DynamoDB allows 4 MB per transaction
MAX_HEAD_RETRIES = 8

# --- pull ---------------------------------------------------------------------------------------


def tombstone_horizon(head: SyncHead, now: datetime) -> int:
    """The last sequence whose tombstones may already have expired; a client behind it missed some."""
    cutoff_day = (now - timedelta(days=TOMBSTONE_DAYS)).date().isoformat()
    return max((seq for day, seq in head.day_seqs.items() if day <= cutoff_day), default=0)


def pull(store: SyncStore, request: PullRequest, now: datetime) -> PullPage:
    head = store.read_head(request.user_id)  # read first: the page never goes past a committed head
    floor = head.epoch.erased_seq  # records at or below it were erased (or are being erased right now)
    last = request.last_pulled_at
    # A timestamp from before the last erasure, from the future, or behind expired tombstones: start over.
    replacement = last is not None and (last > head.seq or last < max(floor, tombstone_horizon(head, now)))
    full = last is None or replacement
    after = 0 if full or last is None else last
    tables = tables_for_schema(request.schema_version)
    # A client that has just created a table has none of its records: all of them go to it as created.
    new_tables = frozenset(request.migration.tables) & set(tables) if request.migration and not full else frozenset()
    page = _PageBuilder(
        created_after=after,
        start_seq=max(after, floor),
        include_deleted=not full,
        schema_version=request.schema_version,
        new_tables=new_tables,
    )
    complete = page.add_all(store.changes_between(request.user_id, max(after, floor), head.seq))
    if request.migration and not full:
        for table in sorted(request.migration.tables_to_resend() & set(tables)):
            page.add_in_full(
                store.records_of_table(request.user_id, table, after_seq=floor),
                as_created=table in request.migration.tables,
            )
    return page.build(timestamp=head.seq if complete else page.last_seq, has_more=not complete, replacement=replacement)


class _PageBuilder:
    def __init__(
        self,
        created_after: int,
        start_seq: int,
        include_deleted: bool,
        schema_version: int,
        new_tables: frozenset[str],
    ) -> None:
        self.created_after = created_after
        self.schema_version = schema_version
        self.tables = tables_for_schema(schema_version)
        self.new_tables = new_tables
        self.include_deleted = include_deleted
        self.created: dict[str, list[str]] = {}
        self.updated: dict[str, list[str]] = {}
        self.deleted: dict[str, list[str]] = {}
        self.seen: set[RecordKey] = set()
        self.size = 0
        self.last_seq = start_seq

    def add_all(self, records: Iterable[StoredRecord]) -> bool:
        """Adds records in sequence order until the page is full; False when it stopped early."""
        for record in records:
            cost = len(record.data) + 1 if record.data else len(record.record_id) + 3
            if self.size + cost > PULL_PAGE_BUDGET_BYTES and self.size > 0:
                return False
            self.size += cost
            self.last_seq = record.seq
            if record.table in self.tables:  # a client on an older schema skips the tables it lacks
                self._add(record, as_created=record.table in self.new_tables or self._new_to_client(record))
        return True

    def _new_to_client(self, record: StoredRecord) -> bool:
        # The device that created a record pulls next from the same last_pulled_at its push was based on;
        # to it the record is not new. Sent as `created`, WatermelonDB would undo a deletion made in
        # between; as `updated` it keeps the local deletion and pushes it (any other device that pulls
        # from that same point still gets the record: WatermelonDB creates missing `updated` records).
        return record.created_seq > self.created_after and record.created_base != self.created_after

    def add_in_full(self, records: Iterable[StoredRecord], as_created: bool) -> None:
        for record in records:
            if not record.deleted and (record.table, record.record_id) not in self.seen:
                self._add(record, as_created=as_created)

    def _add(self, record: StoredRecord, as_created: bool) -> None:
        self.seen.add((record.table, record.record_id))
        if record.data is None:
            if self.include_deleted:
                self.deleted.setdefault(record.table, []).append(record.record_id)
        else:
            (self.created if as_created else self.updated).setdefault(record.table, []).append(record.data)

    def build(self, timestamp: int, has_more: bool, replacement: bool) -> PullPage:
        return PullPage(
            created=self.created,
            updated=self.updated,
            deleted=self.deleted,
            timestamp=max(timestamp, INITIAL_SEQ),
            has_more=has_more,
            replacement=replacement,
            schema_version=self.schema_version,
        )


# --- push ---------------------------------------------------------------------------------------


def _keeping_absent_columns(change: RecordChange, stored: StoredRecord | None) -> RecordChange:
    """A client on an older schema leaves out the columns it lacks: they keep the values stored."""
    if not change.absent_columns or change.data is None or stored is None or stored.data is None:
        return change
    kept = {name: value for name, value in json.loads(stored.data).items() if name in change.absent_columns}
    if not kept:
        return change
    columns = {name: value for name, value in json.loads(change.data).items() if name != "id"}
    return change.model_copy(update={"data": canonical_record_json(change.record_id, {**columns, **kept})})


def _unchanged(change: RecordChange, stored: StoredRecord | None) -> bool:
    """Re-sending what the server already has (a retried request, say) changes nothing."""
    if stored is None:
        return change.deleted  # deleting a record the server never had is a no-op
    return change.data == stored.data


def _chunks(changes: list[RecordChange], weeks_of: dict[RecordKey, set[date]]) -> Iterator[list[RecordChange]]:
    """Changes in transactions of at most 99 items beside the head: records and the rollup weeks they change."""
    chunk: list[RecordChange] = []
    weeks: set[date] = set()
    size = 0
    for change in changes:
        cost = len(change.data or "") + 200
        touched = weeks | weeks_of[(change.table, change.record_id)]
        if chunk and (len(chunk) + 1 + len(touched) > MAX_ITEMS_BESIDE_HEAD or size + cost > MAX_TRANSACTION_BYTES):
            yield chunk
            chunk, weeks, size = [], set(), 0
            touched = set(weeks_of[(change.table, change.record_id)])
        chunk.append(change)
        weeks = touched
        size += cost
    if chunk:
        yield chunk


def _advanced(head: SyncHead, new_seq: int, now: datetime) -> SyncHead:
    """The head after a commit: its sequence and, for today, the last sequence written."""
    cutoff_day = (now - timedelta(days=TOMBSTONE_DAYS)).date().isoformat()
    day_seqs = {day: seq for day, seq in head.day_seqs.items() if day > cutoff_day}
    expired = [seq for day, seq in head.day_seqs.items() if day <= cutoff_day]
    if expired:  # only the latest expired day matters to tombstone_horizon
        day_seqs[cutoff_day] = max(expired)
    day_seqs[now.date().isoformat()] = new_seq
    return SyncHead(seq=new_seq, exists=True, day_seqs=day_seqs, epoch=head.epoch, timezone=head.timezone)


def _check_base(head: SyncHead, last_pulled_at: int, now: datetime) -> None:
    """A push must be based on a pull of the account as it is now: not during an erasure, not from before one."""
    if last_pulled_at < head.epoch.erased_seq:
        raise AccountErasedError  # this device has not pulled since: its changes belong to erased data
    if head.epoch.erasing(now):
        raise ErasureInProgressError(head.epoch.retry_after_seconds(now))
    if last_pulled_at > head.seq:
        raise ConflictError("last_pulled_at is ahead of the server's sequence; pull again, then push.")


def push(store: SyncStore, user_id: str, last_pulled_at: int, changes: list[RecordChange], now: datetime) -> None:
    keys = [(change.table, change.record_id) for change in changes]
    head, stored = store.read_for_push(user_id, keys)
    _check_base(head, last_pulled_at, now)
    changes = [_keeping_absent_columns(change, stored.get((change.table, change.record_id))) for change in changes]
    conflicts = [
        (change.table, change.record_id)
        for change in changes
        if (record := stored.get((change.table, change.record_id))) is not None
        and record.seq > last_pulled_at
        and not _unchanged(change, record)
    ]
    if conflicts:
        raise SyncConflictError(conflicts)
    pending = [change for change in changes if not _unchanged(change, stored.get((change.table, change.record_id)))]
    # Rolled up in the zone the head holds as the push starts: a change of zone applies from then on.
    added = {(c.table, c.record_id): contribution(c.table, c.data, head.timezone) for c in pending}
    weeks_of = {key: weeks_touched(stored.get(key), part) for key, part in added.items()}
    for chunk in _chunks(pending, weeks_of):
        head = _commit_chunk(store, user_id, head, chunk, stored, added, last_pulled_at, now)


def _commit_chunk(
    store: SyncStore,
    user_id: str,
    head: SyncHead,
    chunk: list[RecordChange],
    stored: dict[RecordKey, StoredRecord],
    added: dict[RecordKey, Contribution | None],
    last_pulled_at: int,
    now: datetime,
) -> SyncHead:
    rollups: RollupChange = {}
    for change in chunk:
        key = (change.table, change.record_id)
        add_contribution(rollups, stored_contribution(stored.get(key)), -1)
        add_contribution(rollups, added[key], 1)
    rollups = without_empty(rollups)
    for _ in range(MAX_HEAD_RETRIES):
        writes = []
        for offset, change in enumerate(chunk, start=1):
            part = added[(change.table, change.record_id)]
            previous = stored.get((change.table, change.record_id))
            seq = head.seq + offset
            kept = previous if previous is not None and not previous.deleted else None
            writes.append(
                RecordWrite(
                    change=change,
                    seq=seq,
                    created_seq=kept.created_seq if kept else seq,
                    created_base=kept.created_base if kept else last_pulled_at,
                    expected_seq=previous.seq if previous else None,
                    rollup=part.to_json() if part else None,
                )
            )
        new_head = _advanced(head, head.seq + len(chunk), now)
        try:
            store.commit(user_id, PushCommit(head, new_head, writes, rollups), now)
        except HeadMovedError:
            head = store.read_head(user_id)  # another device committed first: take the next numbers
            _check_base(head, last_pulled_at, now)  # ...unless the account was erased meanwhile
            continue
        return new_head
    # Not a conflict of records: the client has nothing to resolve, only to come back.
    raise ServiceBusyError("The journal is busy syncing from other devices; try again shortly.", 1)
