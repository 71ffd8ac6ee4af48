"""The scheduler's cost against moto: 10,000 reminders of which 1,000 are due at the tick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bench.dynamodb_counter import RequestCounter
from bench.moto_table import batch_put, moto_table
from selfkind.data.reminder_repository import ReminderRepository, reminder_item
from selfkind.domain.dispatch import tick
from selfkind.models.reminders import ReminderKind, StoredReminder

TICK = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
REMINDERS, DUE = 10_000, 1_000


class _CountingQueue:
    def __init__(self) -> None:
        self.messages: list[str] = []

    def send_all(self, bodies: list[str]) -> None:
        self.messages += bodies


def _seed(client: object, table: str) -> None:
    items = []
    for n in range(REMINDERS):
        due = n < DUE
        reminder = StoredReminder(
            reminder_id=f"r{n}",
            kind=ReminderKind.AFFIRMATION,
            local_time="08:00",
            days=["mon", "tue", "wed"],
            timezone="America/New_York",
            enabled=True,
            created_at=TICK,
            next_fire_at=TICK - timedelta(minutes=n % 10) if due else TICK + timedelta(hours=1 + n % 20),
        )
        items.append(reminder_item(f"user{n}", reminder))
    batch_put(client, table, items)


def run() -> None:
    with moto_table() as (client, table):
        _seed(client, table)
        counter = RequestCounter(client)
        queue = _CountingQueue()
        report = tick(ReminderRepository(table, client), queue, TICK)
        reads = counter.requests["Query"]
        ratio = counter.items_read / DUE
        print(f"\nScheduler against moto: {REMINDERS:,} reminders, {DUE:,} due at the tick")
        print(f"  due found {report.due:,}, enqueued {len(queue.messages):,}")
        print(
            f"  items read {counter.items_read:,} in {reads} queries ({ratio:.2f} x due; goal within 10%: "
            f"{'met' if abs(ratio - 1) <= 0.1 else 'MISSED'})"
        )
        print(f"  all requests: {counter.describe()}")
