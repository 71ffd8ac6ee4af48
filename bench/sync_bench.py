"""Sync cost against moto: items read by a pull of the last 10 changes on a small and a large journal,
and requests per push of 1, 99 and 1,000 records."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bench.dynamodb_counter import RequestCounter
from bench.moto_table import batch_put, moto_table
from selfkind.data.keys import SYNC_HEAD_SK, user_pk
from selfkind.data.sync_repository import SyncRepository, record_item
from selfkind.domain import sync
from selfkind.domain.ports.sync import RecordWrite
from selfkind.domain.sync_push_parsing import canonical_record_json
from selfkind.models.sync import RecordChange
from selfkind.models.sync_pull import PullRequest

NOW = datetime.now(UTC)


# Every entry here is written in one week, so each transaction also carries that week's rollup item, kept
# current in the same transaction as its entries (selfkind.domain.sync._chunks).
RECORDS_PER_TRANSACTION = sync.MAX_ITEMS_BESIDE_HEAD - 1


def _entry(record_id: str) -> RecordChange:
    columns = {
        "kind": "free",
        "title": None,
        "body": "A few kind words to myself. " * 10,
        "mood": 3,
        "exercise_id": None,
        "created_at": 1,
        "updated_at": 1,
    }
    return RecordChange(table="journal_entries", record_id=record_id, data=canonical_record_json(record_id, columns))


def _fill(client: Any, table: str, user: str, entries: int) -> None:
    """Seeds a journal in the repository's own item format."""
    writes = [
        RecordWrite(change=_entry(f"{user}-{n}"), seq=n + 2, created_seq=n + 2, created_base=1, expected_seq=None)
        for n in range(entries)
    ]
    items = [record_item(user_pk(user), write, expires_at="0") for write in writes]
    day_seqs = json.dumps({NOW.date().isoformat(): entries + 1})
    items.append(
        {
            "pk": {"S": user_pk(user)},
            "sk": {"S": SYNC_HEAD_SK},
            "head_seq": {"N": str(entries + 1)},
            "day_seqs": {"S": day_seqs},
        }
    )
    batch_put(client, table, items)


def _pull_last_ten(store: SyncRepository, counter: RequestCounter, user: str) -> tuple[int, int]:
    head = store.read_head(user)
    sync.push(store, user, head.seq, [_entry(f"{user}-edit-{n}") for n in range(10)], NOW)
    counter.reset()
    page = sync.pull(store, PullRequest(user_id=user, last_pulled_at=head.seq, schema_version=1), NOW)
    assert sum(len(v) for v in [*page.created.values(), *page.updated.values()]) == 10
    return counter.items_read, counter.total_requests


def run() -> None:
    with moto_table() as (client, table):
        store = SyncRepository(table, client)
        counter = RequestCounter(client)
        push_figures = [_push(store, counter, records) for records in (1, RECORDS_PER_TRANSACTION, 99, 1000)]
        _fill(client, table, "small", 10)
        _fill(client, table, "large", 10_000)
        small_items, small_requests = _pull_last_ten(store, counter, "small")
        large_items, large_requests = _pull_last_ten(store, counter, "large")
        print("\nSync against moto (DynamoDB items read and requests; the goal is cost that grows with the")
        print("changes, not the journal: within 10% of each other)")
        figures = [("10-entry", small_items, small_requests), ("10,000-entry", large_items, large_requests)]
        for label, items, requests in figures:
            line = f"{label + ' journal:':<22}{items:>5} items, {requests} requests"
            print(f"  pull of the last 10 changes, {line}")
        ratio = large_items / small_items
        print(f"  large / small: {ratio:.2f} ({'met' if ratio <= 1.1 else 'MISSED'})")
        print(
            f"  push (goal: transactions full, {sync.MAX_ITEMS_BESIDE_HEAD} items beside the head: here "
            f"{RECORDS_PER_TRANSACTION} entries and the one rollup week they change; at most one read per 100):"
        )
        for line in push_figures:
            print(line)


def _push(store: SyncRepository, counter: RequestCounter, records: int) -> str:
    user = f"push-{records}"
    counter.reset()
    sync.push(store, user, 1, [_entry(f"{user}-{n}") for n in range(records)], NOW)
    transactions = counter.requests["TransactWriteItems"]
    reads = counter.requests["BatchGetItem"] + counter.requests["GetItem"]
    # The head is read with the records, so a push of n records reads n + 1 keys, 100 per request.
    met = transactions == -(-records // RECORDS_PER_TRANSACTION) and reads <= -(-(records + 1) // 100)
    verdict = "met" if met else "MISSED"
    return f"    {records:>5} records: {counter.total_requests:>3} requests ({counter.describe()}) {verdict}"
