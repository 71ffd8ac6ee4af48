"""The whole reminder pipeline over in-memory fakes: ticks (split, one worker per shard), then the
sender draining the queue as SQS would, with leases, crashes and outages under the test's control."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from selfkind.domain.delivery import BatchReport, deliver_batch
from selfkind.domain.ports.lease import Lease
from selfkind.domain.ports.stores import DeliveryStores
from selfkind.domain.tick import ShardWorker, split_tick
from selfkind.domain.tick_report import ShardReport
from tests.fakes import (
    FakeDevices,
    FakeEpochs,
    FakeLeases,
    FakeNotifications,
    FakePracticeSums,
    FakeProfiles,
    FakePushGateway,
    FakeQueue,
    FakeReminders,
    FakeSync,
    Faults,
    device,
    reminder,
)

SHARDS = 8
BATCH = 10  # messages per sender invocation, as the template's event source


@dataclass
class Pipeline:
    faults: Faults = field(default_factory=Faults)
    shards: int = SHARDS
    worker_seconds: float = 120.0

    def __post_init__(self) -> None:
        self.reminders = FakeReminders(self.faults, self.shards)
        self.leases = FakeLeases(self.faults)
        self.queue = FakeQueue(self.faults)
        self.devices = FakeDevices(self.faults)
        self.profiles = FakeProfiles(self.faults)
        self.epochs = FakeEpochs(self.faults)
        self.notifications = FakeNotifications(self.faults, self.profiles, self.epochs)
        self.gateway = FakePushGateway(self.faults)
        self.practice_sums = FakePracticeSums()
        self.stores = DeliveryStores(
            self.epochs, self.reminders, self.devices, self.profiles, self.notifications, FakeSync(), self.practice_sums
        )
        self._invocations = count()

    def user(self, user_id: str, due_at: datetime, *, targets: tuple[str, ...] = ("fid-ok",)) -> None:
        """A user with a daily reminder at due_at's New York wall time, waiting for due_at."""
        local_time = due_at.astimezone(ZoneInfo("America/New_York")).strftime("%H:%M")
        self.reminders.put(user_id, reminder("morning", due_at, local_time=local_time))
        for index, target in enumerate(targets):
            self.devices.put(user_id, device(f"d{index}", f"{target}-{user_id}-{index}", due_at - timedelta(days=1)))

    def worker(self, remaining: list[float] | None = None) -> ShardWorker:
        seconds = remaining if remaining is not None else [self.worker_seconds]
        return ShardWorker(
            self.reminders,
            self.queue,
            self.leases,
            remaining_seconds=lambda: seconds[0],
            clock=lambda: datetime.now(UTC),
            concurrency=4,
        )

    def tick(self, at: datetime) -> list[ShardReport]:
        """Every shard's worker, one after another (their order does not matter: shards are disjoint)."""
        return [self.worker().run(work, owner=self.invocation()) for work in split_tick(at, self.shards)]

    def invocation(self) -> str:
        return f"invocation-{next(self._invocations)}"

    def send(self, now: datetime, messages: list[tuple[str, str]] | None = None) -> tuple[BatchReport, list[str]]:
        """The sender over the queued messages (or those given), in batches; returns the merged report
        and the bodies of the messages reported for redelivery (put back on the queue)."""
        pending = messages if messages is not None else self.queue.take_all()
        merged = BatchReport()
        retried: list[str] = []
        for start in range(0, len(pending), BATCH):
            batch = pending[start : start + BATCH]
            lease = Lease(self.invocation(), now + timedelta(seconds=60))
            report = deliver_batch(self.stores, self.gateway, batch, now, lease)
            for message_id, body in batch:
                merged.outcomes.setdefault(message_id, []).extend(report.outcomes.get(message_id, []))
                if report.needs_retry(message_id):
                    retried.append(body)
            merged.pushes.update(report.pushes)
        self.queue.bodies += retried
        return merged, retried

    def statuses(self, report: BatchReport) -> Counter[str]:
        return Counter(o.status.value for outcomes in report.outcomes.values() for o in outcomes)
