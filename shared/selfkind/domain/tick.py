"""The tick: the scheduler splits it into one piece of work per shard of the `due` index, and a worker
per shard hands what is due to the queue and moves each reminder on to its next occurrence.

- Enqueue before advancing: a crash in between can only enqueue again (the sender's claim absorbs the
  copy), never skip.
- A worker that finds nothing due in its shard stops there, writing nothing (most minutes).
- One worker per shard at a time (a lease). A tick that finds its shard busy records its time and
  leaves; the holder carries on with the newest time when it is done, so nothing waits a whole minute.
- A worker stops taking new pages when its time runs short and gives the lease up: what it did not
  reach is still due (it was not advanced), so the next tick carries it over. Nothing is read twice
  needlessly: what was advanced has left the index's range.
- A dependency that refuses for good (access denied, a disabled KMS key, SQS down: not transient)
  fails the worker loudly, after it settles the chunks in flight and gives its lease up, so the
  errors alarm fires; whatever it did not advance is still due. Throttling and contention that
  outlast the retries are counted and carried over, as a time-out is.
- The shard key has MAX_SHARD_VALUES values; with N shards, worker w reads every value v with
  v % N == w. Writers put a reminder in crc32 % N, so N can change (grow or shrink) with nothing
  stranded: every value is always read by some worker.
"""

from __future__ import annotations

import contextlib
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from selfkind.domain.occurrence import LATE_WINDOW, DueOccurrence, encode_messages
from selfkind.domain.ports.delivery import Lease
from selfkind.domain.ports.tick import Advance, DueIndex, DueReminder, Queue, ShardLeases
from selfkind.domain.schedule import next_occurrence
from selfkind.models.exceptions import DependencyError
from selfkind.models.reminders import ShardWork, StoredReminder, clock_to_time

MAX_SHARD_VALUES = 100  # the `due` index's shard key takes the values 00..99


def shard_of(user_id: str, reminder_id: str, shards: int) -> int:
    """The shard value a reminder is written into: stable for the reminder, spread evenly over users."""
    return zlib.crc32(f"{user_id}/{reminder_id}".encode()) % shards


CHUNK = 100  # reminders per unit of work: one transaction advances at most 100 items


@dataclass(frozen=True)
class TickPlan:
    send: datetime | None  # the occurrence to deliver now, if any
    following: datetime  # where the reminder moves on to
    expired: bool  # the occurrence it was due for is older than the window: counted, never sent


def plan(reminder: StoredReminder, now: datetime) -> TickPlan:
    assert reminder.next_fire_at is not None
    zone = ZoneInfo(reminder.timezone)
    local_time = clock_to_time(reminder.local_time)
    occurrence = reminder.next_fire_at
    expired = occurrence <= now - LATE_WINDOW
    every, anchor = reminder.every_weeks, reminder.anchor
    if expired:  # too late to be kind: skip ahead, whatever the outage length
        occurrence = next_occurrence(local_time, reminder.days, zone, now - LATE_WINDOW, every, anchor)
    if occurrence > now:
        return TickPlan(send=None, following=occurrence, expired=expired)
    following = next_occurrence(local_time, reminder.days, zone, occurrence, every, anchor)
    return TickPlan(send=occurrence, following=following, expired=expired)


def split_tick(scheduled_time: datetime, shards: int) -> list[ShardWork]:
    return [ShardWork(scheduled_time=scheduled_time, shard=shard, shards=shards) for shard in range(shards)]


def shard_values(work: ShardWork) -> range:
    return range(work.shard, MAX_SHARD_VALUES, work.shards)


def lease_key(work: ShardWork) -> str:
    return f"{work.shards}/{work.shard}"


class ShardFailedError(Exception):
    """A non-transient dependency error ended the worker's run: what it did not advance is still due.
    Carries the run's report, so the handler still counts what happened before it fails."""

    def __init__(self, report: ShardReport, cause: DependencyError) -> None:
        super().__init__(f"shard worker failed: {cause}")
        self.report = report
        self.cause = cause


@dataclass
class ShardReport:
    due: int = 0  # reminders read as due
    enqueued: int = 0  # occurrences handed to the queue
    expired: int = 0  # occurrences older than the window, counted and skipped
    advanced: int = 0
    moved_elsewhere: int = 0  # already moved by another writer (a user's edit, another tick)
    failed: int = 0  # not enqueued or not advanced because a dependency failed: still due
    carried_over: bool = False  # stopped for time with work left: the next tick continues
    busy: bool = False  # another worker held the shard: it takes this tick's time over
    ticks: list[datetime] = field(default_factory=list)  # the times worked up to
    errors: Counter[str] = field(default_factory=Counter)  # dependency failures by kind (no content)


@dataclass(frozen=True)
class _ChunkResult:
    enqueued: int = 0
    advanced: int = 0
    moved_elsewhere: int = 0
    failed: int = 0
    error: str | None = None
    fatal: DependencyError | None = None  # not transient: the worker stops taking work and fails


@dataclass(frozen=True)
class _Chunk:
    sends: list[DueOccurrence]
    moves: list[Advance]


@dataclass
class ShardWorker:
    """Works one shard: reads pages, and enqueues and advances chunks of them on a bounded pool."""

    index: DueIndex
    queue: Queue
    leases: ShardLeases
    remaining_seconds: Callable[[], float]  # of this invocation
    clock: Callable[[], datetime]
    concurrency: int = 8
    stop_with_seconds_left: float = 15.0  # no new page after this; leaves time to finish and report

    def run(self, work: ShardWork, owner: str) -> ShardReport:
        report = ShardReport()
        try:
            if not any(self.index.any_due(value, work.scheduled_time) for value in shard_values(work)):
                return report  # the common quiet minute: one small read per value, no lease written
        except DependencyError as error:  # the index could not be read: everything stays due for the next tick
            report.errors[error.dependency] += 1
            report.carried_over = True
            if not error.transient:
                raise ShardFailedError(report, error) from error
            return report
        key = lease_key(work)
        self.leases.request(key, work.scheduled_time)
        now = self.clock()
        lease = Lease.for_invocation(owner, now, self.remaining_seconds())
        target = self.leases.acquire(key, owner, lease.until, now)
        if target is None:
            report.busy = True
            return report
        seen: set[tuple[str, str, datetime]] = set()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="tick") as pool:
            while target is not None:
                report.ticks.append(target)
                finished, fatal = self._work_up_to(work, target, report, seen, pool)
                if fatal is not None:
                    report.carried_over = True
                    self._give_up_quietly(key, owner)
                    raise ShardFailedError(report, fatal) from fatal
                if not finished:
                    report.carried_over = True
                    self.leases.release(key, owner, done=None)
                    break
                newer = self.leases.release(key, owner, done=target)
                if newer is not None and self._out_of_time():
                    self.leases.release(key, owner, done=None)  # the next tick's worker takes it over
                    break
                target = newer
        return report

    def _give_up_quietly(self, key: str, owner: str) -> None:
        """Hands the lease back if the table lets it; if not, it runs out by itself (minutes)."""
        with contextlib.suppress(DependencyError):
            self.leases.release(key, owner, done=None)

    def _out_of_time(self) -> bool:
        return self.remaining_seconds() < self.stop_with_seconds_left

    def _work_up_to(
        self,
        work: ShardWork,
        now: datetime,
        report: ShardReport,
        seen: set[tuple[str, str, datetime]],
        pool: ThreadPoolExecutor,
    ) -> tuple[bool, DependencyError | None]:
        """(True when everything due by now was handled or failed and left due; the non-transient error
        that stopped it, if one did: the chunks in flight are settled first, nothing new is started)."""
        in_flight: deque[Future[_ChunkResult]] = deque()
        finished = True
        fatal: list[DependencyError] = []
        pages = self._pages(work, now)
        try:
            while True:
                if self._out_of_time():  # before reading: a page read is a page handled
                    finished = False
                    break
                if fatal:
                    finished = False
                    break
                page = next(pages, None)
                if page is None:
                    break
                fresh = [due for due in page if (due.user_id, due.reminder.reminder_id, _due_at(due)) not in seen]
                seen.update((due.user_id, due.reminder.reminder_id, _due_at(due)) for due in fresh)
                for start in range(0, len(fresh), CHUNK):
                    chunk = self._chunk(fresh[start : start + CHUNK], now, report)
                    in_flight.append(pool.submit(self._enqueue_and_advance, chunk))
                    while len(in_flight) >= 2 * self.concurrency:
                        self._settle(in_flight.popleft(), report, fatal)
        except DependencyError as error:  # the index could not be read: what is left stays due
            report.errors[error.dependency] += 1
            finished = False
            if not error.transient:
                fatal.append(error)
        while in_flight:
            self._settle(in_flight.popleft(), report, fatal)
        return finished, (fatal[0] if fatal else None)

    def _pages(self, work: ShardWork, now: datetime) -> Iterator[list[DueReminder]]:
        for value in shard_values(work):
            yield from self.index.due_pages(value, now)

    @staticmethod
    def _chunk(dues: list[DueReminder], now: datetime, report: ShardReport) -> _Chunk:
        chunk = _Chunk(sends=[], moves=[])
        for due in dues:
            step = plan(due.reminder, now)
            report.due += 1
            report.expired += step.expired
            if step.send is not None:
                chunk.sends.append(
                    DueOccurrence(user_id=due.user_id, reminder_id=due.reminder.reminder_id, occurrence=step.send)
                )
            chunk.moves.append(Advance(due.user_id, due.reminder.reminder_id, _due_at(due), step.following))
        return chunk

    def _enqueue_and_advance(self, chunk: _Chunk) -> _ChunkResult:
        try:
            if chunk.sends:
                self.queue.send_all(encode_messages(chunk.sends))
            moved_elsewhere = self.index.advance(chunk.moves)
        except DependencyError as error:  # nothing advanced: the whole chunk is still due next tick
            return _ChunkResult(
                failed=len(chunk.moves), error=error.dependency, fatal=None if error.transient else error
            )
        return _ChunkResult(len(chunk.sends), len(chunk.moves) - len(moved_elsewhere), len(moved_elsewhere))

    @staticmethod
    def _settle(future: Future[_ChunkResult], report: ShardReport, fatal: list[DependencyError]) -> None:
        result = future.result()
        report.enqueued += result.enqueued
        report.advanced += result.advanced
        report.moved_elsewhere += result.moved_elsewhere
        report.failed += result.failed
        if result.error:
            report.errors[result.error] += 1
        if result.fatal is not None:
            fatal.append(result.fatal)


def _due_at(due: DueReminder) -> datetime:
    assert due.reminder.next_fire_at is not None
    return due.reminder.next_fire_at
