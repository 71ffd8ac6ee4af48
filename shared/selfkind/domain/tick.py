"""The tick: the scheduler splits it into one piece of work per shard, and a worker per shard reads, minute
by minute, the reminders waiting in that minute's slot of the wheel (selfkind.domain.wheel) and hands
what fires to the queue. A reminder is written only when it must wait in another slot: an edit, a change
of its zone's offset, a reminder still in the old `due` index (moved into the wheel as it fires).

- One worker per shard at a time (a lease). The lease item keeps the first minute not yet done
  (`pending`), set before any minute is read: a worker that crashes, times out or fails is taken over
  from there by the next tick, so a minute is never skipped, only read again (its copies are absorbed
  by the sender's claim, which every copy of an occurrence shares).
- A tick that finds its shard busy records its time; the holder carries on with the newest time when
  it is done, so nothing waits a whole minute.
- A worker that finds nothing in its minute's slot, nothing pending and nothing in the old index stops
  there, writing nothing (most minutes).
- A worker stops taking new pages when its time runs short and gives the lease up with the minute it
  was in still pending.
- A dependency that refuses for good (access denied, a disabled KMS key, SQS down: not transient)
  fails the worker loudly, after it settles the chunks in flight and gives its lease up, so the
  errors alarm fires; the minute it was in stays pending. Throttling and contention that outlast the
  retries are counted and carried over, as a time-out is.
- The shard key has MAX_SHARD_VALUES values; with N shards, worker w reads every value v with
  v % N == w. Writers put a reminder in crc32 % N, so N can change (grow or shrink) with nothing
  stranded: every value is always read by some worker.
"""

from __future__ import annotations

import contextlib
import zlib
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from selfkind.domain.occurrence import DueOccurrence, encode_messages
from selfkind.domain.old_due_index import plan
from selfkind.domain.ports.lease import Lease
from selfkind.domain.ports.tick import Advance, DueIndex, DueReminder, Queue, ShardLeases
from selfkind.domain.tick_report import ShardFailedError, ShardReport
from selfkind.domain.wheel import MINUTE, SlotRange, minute_floor, read_in_slot, slot_of, slot_ranges
from selfkind.models.exceptions import DependencyError
from selfkind.models.reminders import ShardWork

MAX_SHARD_VALUES = 100  # the `due` index's shard key takes the values 00..99


def shard_of(user_id: str, reminder_id: str, shards: int) -> int:
    """The shard value a reminder is written into: stable for the reminder, spread evenly over users."""
    return zlib.crc32(f"{user_id}/{reminder_id}".encode()) % shards


CHUNK = 100  # reminders per unit of work: one queue request's worth (two messages of 50)


def split_tick(scheduled_time: datetime, shards: int) -> list[ShardWork]:
    return [ShardWork(scheduled_time=scheduled_time, shard=shard, shards=shards) for shard in range(shards)]


def shard_values(work: ShardWork) -> range:
    return range(work.shard, MAX_SHARD_VALUES, work.shards)


def lease_key(work: ShardWork) -> str:
    return f"{work.shards}/{work.shard}"


@dataclass(frozen=True)
class _ChunkResult:
    enqueued: int = 0
    advanced: int = 0
    migrated: int = 0
    moved_elsewhere: int = 0
    failed: int = 0
    error: str | None = None
    fatal: DependencyError | None = None  # not transient: the worker stops taking work and fails


@dataclass(frozen=True)
class _Chunk:
    sends: list[DueOccurrence]
    moves: list[Advance]
    migrations: int = 0


@dataclass(frozen=True)
class _Page:
    range: SlotRange | None  # the wheel's minutes it was read for; None: the old `due` index
    reminders: list[DueReminder]


@dataclass
class ShardWorker:
    """Works one shard: reads pages, and enqueues (and moves) chunks of them on a bounded pool."""

    index: DueIndex
    queue: Queue
    leases: ShardLeases
    remaining_seconds: Callable[[], float]  # of this invocation
    clock: Callable[[], datetime]
    concurrency: int = 8
    stop_with_seconds_left: float = 15.0  # no new page after this; leaves time to finish and report

    def run(self, work: ShardWork, owner: str) -> ShardReport:
        report = ShardReport()
        key = lease_key(work)
        try:
            if self.leases.pending(key) is None and not any(
                self.index.any_due(value, work.scheduled_time) for value in shard_values(work)
            ):
                return report  # the common quiet minute: small reads, nothing written
        except DependencyError as error:  # unknown whether it is quiet: work it as if it were not
            report.errors[error.dependency] += 1
        try:
            # The first write: the minute is pending from here on, whatever happens to this worker.
            self.leases.request(key, work.scheduled_time)
        except DependencyError as error:  # nothing recorded: failing lets Lambda retry this tick's event
            report.errors[error.dependency] += 1
            report.carried_over = True
            raise ShardFailedError(report, error) from error
        now = self.clock()
        lease = Lease.for_invocation(owner, now, self.remaining_seconds())
        grant = self.leases.acquire(key, owner, lease.until, now)
        if grant is None:
            report.busy = True
            return report
        if grant.pending is None:  # the holder before us finished everything asked, this tick included
            self.leases.release(key, owner, done=grant.requested)
            return report
        first, target = grant.pending, grant.requested
        seen: set[tuple[str, str, datetime]] = set()
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="tick") as pool:
            while True:
                report.ticks.append(target)
                resume_at, fatal = self._work(work, first, target, report, seen, pool)
                if fatal is not None:
                    report.carried_over = True
                    self._give_up_quietly(key, owner, resume_at)
                    raise ShardFailedError(report, fatal) from fatal
                if resume_at is not None:
                    report.carried_over = True
                    self.leases.release(key, owner, done=None, resume_at=resume_at)
                    break
                newer = self.leases.release(key, owner, done=target)
                if newer is None:
                    break
                first = minute_floor(target) + MINUTE
                if self._out_of_time():  # the next tick's worker takes it over from `first`
                    self.leases.release(key, owner, done=None, resume_at=first)
                    break
                target = newer
        return report

    def _give_up_quietly(self, key: str, owner: str, resume_at: datetime | None) -> None:
        """Hands the lease back if the table lets it; if not, it runs out by itself (minutes)."""
        with contextlib.suppress(DependencyError):
            self.leases.release(key, owner, done=None, resume_at=resume_at)

    def _out_of_time(self) -> bool:
        return self.remaining_seconds() < self.stop_with_seconds_left

    def _work(
        self,
        work: ShardWork,
        first: datetime,
        target: datetime,
        report: ShardReport,
        seen: set[tuple[str, str, datetime]],
        pool: ThreadPoolExecutor,
    ) -> tuple[datetime | None, DependencyError | None]:
        """Reads the old index up to the target, then the wheel's minutes from `first` to it. Returns the
        first minute left unfinished (None when all were done: every page handled, every chunk settled
        without failing) and the non-transient error that stopped it, if one did (the chunks in flight are
        settled first, nothing new is started)."""
        ranges, dropped = slot_ranges(first, target)
        report.minutes += sum(part.minutes for part in ranges)
        report.minutes_dropped += dropped
        in_flight: deque[tuple[datetime, Future[_ChunkResult]]] = deque()  # each with its range's first minute
        unfinished: list[datetime] = []
        fatal: list[DependencyError] = []
        current = ranges[0].first
        pages = self._pages(work, ranges, target)
        try:
            while not fatal:
                if self._out_of_time():  # before reading: a page read is a page handled
                    unfinished.append(current)
                    break
                page = next(pages, None)
                if page is None:
                    break
                if page.range is not None:
                    current = page.range.first
                fresh = self._fresh(page, seen)
                for start in range(0, len(fresh), CHUNK):
                    chunk = self._chunk(page.range, fresh[start : start + CHUNK], target, report)
                    in_flight.append((current, pool.submit(self._enqueue_and_advance, chunk)))
                    while len(in_flight) >= 2 * self.concurrency:
                        self._settle(*in_flight.popleft(), report, fatal, unfinished)
        except DependencyError as error:  # the index could not be read: the minute stays pending
            report.errors[error.dependency] += 1
            unfinished.append(current)
            if not error.transient:
                fatal.append(error)
        while in_flight:
            self._settle(*in_flight.popleft(), report, fatal, unfinished)
        return (min(unfinished) if unfinished else None), (fatal[0] if fatal else None)

    def _pages(self, work: ShardWork, ranges: list[SlotRange], target: datetime) -> Iterator[_Page]:
        for value in shard_values(work):  # what still waits in the old index goes first, into the wheel
            for page in self.index.due_pages(value, target):
                yield _Page(None, page)
        for part in ranges:
            for value in shard_values(work):
                for page in self.index.slot_pages(value, *part.slots):
                    yield _Page(part, page)

    @staticmethod
    def _fresh(page: _Page, seen: set[tuple[str, str, datetime]]) -> list[DueReminder]:
        """The old index is read again for each newer target (and lags its writes): what was handled once
        this run is not handled again. Each minute of the wheel is read once."""
        if page.range is not None:
            return page.reminders
        fresh = [due for due in page.reminders if _anchor_key(due) not in seen]
        seen.update(_anchor_key(due) for due in fresh)
        return fresh

    @staticmethod
    def _chunk(part: SlotRange | None, dues: list[DueReminder], now: datetime, report: ShardReport) -> _Chunk:
        """`now` is the tick worked up to: what fired more than the late window before it has expired."""
        chunk = _Chunk(sends=[], moves=[], migrations=len(dues) if part is None else 0)
        for due in dues:
            anchor = _anchor(due)
            move_to: datetime | None
            if part is None:  # still in the old index: plan as it was, then into the wheel
                step = plan(due.reminder, now)
                send, expired, move_to = step.send, step.expired, step.following
            else:
                minute = part.minute_of(slot_of(anchor))  # the slot it waits in is its anchor's
                wheel_step = read_in_slot(due.reminder, minute, now)
                send, expired, move_to = wheel_step.send, wheel_step.expired, wheel_step.move_to
            fires = send is not None or expired
            report.due += fires if part is not None else 1
            report.expired += expired
            if send is not None:
                chunk.sends.append(
                    DueOccurrence(user_id=due.user_id, reminder_id=due.reminder.reminder_id, occurrence=send)
                )
            if move_to is not None:
                chunk.moves.append(Advance(due.user_id, due.reminder.reminder_id, anchor, move_to))
        return chunk

    def _enqueue_and_advance(self, chunk: _Chunk) -> _ChunkResult:
        try:
            if chunk.sends:
                self.queue.send_all(encode_messages(chunk.sends))
            moved_elsewhere = self.index.advance(chunk.moves) if chunk.moves else []
        except DependencyError as error:  # its minute stays pending: read again, re-sent copies are absorbed
            return _ChunkResult(
                failed=len(chunk.sends) + len(chunk.moves),
                error=error.dependency,
                fatal=None if error.transient else error,
            )
        advanced = len(chunk.moves) - len(moved_elsewhere)
        return _ChunkResult(len(chunk.sends), advanced, min(chunk.migrations, advanced), len(moved_elsewhere))

    @staticmethod
    def _settle(
        minute: datetime,
        future: Future[_ChunkResult],
        report: ShardReport,
        fatal: list[DependencyError],
        unfinished: list[datetime],
    ) -> None:
        result = future.result()
        report.enqueued += result.enqueued
        report.advanced += result.advanced
        report.migrated += result.migrated
        report.moved_elsewhere += result.moved_elsewhere
        report.failed += result.failed
        if result.error:
            report.errors[result.error] += 1
            unfinished.append(minute)
        if result.fatal is not None:
            fatal.append(result.fatal)


def _anchor(due: DueReminder) -> datetime:
    assert due.reminder.next_fire_at is not None
    return due.reminder.next_fire_at


def _anchor_key(due: DueReminder) -> tuple[str, str, datetime]:
    return (due.user_id, due.reminder.reminder_id, _anchor(due))
