"""The tick's ports in memory with a fixed latency per request, for the scaled-down run: the real
ShardWorker, whose wall time should stay close to its CPU time when the latency is hidden."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta

from selfkind.domain.ports.tick import Advance, DueReminder, ShardGrant
from selfkind.domain.tick import ShardWorker
from selfkind.models.reminders import ReminderKind, ShardWork, StoredReminder

_TICK = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
_PAGE = 1_000  # about what one 1 MB query page holds of reminder items
_SQS_BATCH = 10


class _Index:
    def __init__(self, due: int, latency: float) -> None:
        self._latency = latency
        days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        self._due = [
            DueReminder(
                f"user{n:06d}",
                StoredReminder(
                    reminder_id="r",
                    kind=ReminderKind.AFFIRMATION,
                    local_time="08:00",
                    days=days,
                    timezone="America/New_York",
                    enabled=True,
                    created_at=_TICK - timedelta(days=1),
                    next_fire_at=_TICK,
                ),
            )
            for n in range(due)
        ]

    def any_due(self, shard_value: int, now: datetime) -> bool:
        time.sleep(self._latency)
        return shard_value == 0

    def due_pages(self, shard_value: int, now: datetime) -> Iterator[list[DueReminder]]:
        time.sleep(self._latency)  # the old index: drained, empty
        return
        yield

    def slot_pages(self, shard_value: int, first_slot: str, last_slot: str) -> Iterator[list[DueReminder]]:
        if shard_value != 0:
            time.sleep(self._latency)
            return
        for start in range(0, len(self._due), _PAGE):
            time.sleep(self._latency)
            yield self._due[start : start + _PAGE]

    def advance(self, moves: Sequence[Advance]) -> list[Advance]:
        time.sleep(self._latency)  # one transaction per chunk of up to 100 (rare: DST, the old index)
        return []


class _Queue:
    def __init__(self, latency: float) -> None:
        self._latency = latency
        self.bodies = 0
        self._lock = threading.Lock()

    def send_all(self, bodies: list[str]) -> None:
        for _ in range(0, len(bodies), _SQS_BATCH):
            time.sleep(self._latency)
        with self._lock:
            self.bodies += len(bodies)


class _Leases:
    def __init__(self, latency: float) -> None:
        self._latency = latency

    def pending(self, shard_key: str) -> datetime | None:
        time.sleep(self._latency)
        return None

    def request(self, shard_key: str, tick: datetime) -> None:
        time.sleep(self._latency)

    def acquire(self, shard_key: str, owner: str, until: datetime, now: datetime) -> ShardGrant | None:
        time.sleep(self._latency)
        return ShardGrant(requested=_TICK, pending=_TICK)

    def release(
        self, shard_key: str, owner: str, done: datetime | None, resume_at: datetime | None = None
    ) -> datetime | None:
        time.sleep(self._latency)
        return None


def run_worker_over_fakes(due: int, dynamodb_latency: float, sqs_latency: float, shards: int, concurrency: int) -> int:
    """One worker of a tick with `shards` shards (it reads shard values 0, shards, ...), with every
    due reminder in its first value: the worker of a large tick, whose shard holds all it can."""
    worker = ShardWorker(
        _Index(due, dynamodb_latency),
        _Queue(sqs_latency),
        _Leases(dynamodb_latency),
        remaining_seconds=lambda: 600.0,
        clock=lambda: datetime.now(UTC),
        concurrency=concurrency,
    )
    report = worker.run(ShardWork(scheduled_time=_TICK, shard=0, shards=shards), owner="bench")
    return report.due
