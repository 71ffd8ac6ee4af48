"""The tick's ports: the reminders' wheel (and the old `due` index it drains), the shard leases and the
queue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from selfkind.models.reminders import StoredReminder


@dataclass(frozen=True)
class DueReminder:
    user_id: str
    # next_fire_at is the stored anchor: in the wheel, the first occurrence it may send (selfkind.domain.
    # wheel); in the old `due` index, the occurrence it is due for.
    reminder: StoredReminder


@dataclass(frozen=True)
class Advance:
    """Set a reminder down in the wheel's slot of `following`, valid from it, unless its stored anchor is
    no longer `expected` (another writer moved it since it was read). A reminder still in the old `due`
    index leaves it in the same write."""

    user_id: str
    reminder_id: str
    expected: datetime
    following: datetime


class DueIndex(Protocol):
    def any_due(self, shard_value: int, now: datetime) -> bool:
        """Whether one value of the shard key has anything in the slot of now's minute, or due at or before
        now in the old `due` index (a small read of each)."""
        ...

    def slot_pages(self, shard_value: int, first_slot: str, last_slot: str) -> Iterator[list[DueReminder]]:
        """The enabled reminders of one shard value waiting in the wheel's slots first_slot..last_slot (both
        included; "HH:MM" sorts as the minutes do), a page at a time."""
        ...

    def due_pages(self, shard_value: int, now: datetime) -> Iterator[list[DueReminder]]:
        """The reminders of one shard value still in the old `due` index (written before the wheel), due at
        or before now, a page at a time: each leaves it for the wheel as it fires."""
        ...

    def advance(self, moves: Sequence[Advance]) -> list[Advance]:
        """Moves each reminder; returns those another writer moved first (left as they are).
        Raises when the store failed: then none of them moved."""
        ...


@dataclass(frozen=True)
class SweptReminder:
    user_id: str
    reminder: StoredReminder  # next_fire_at is the stored anchor
    in_old_index: bool


class ReminderSweep(Protocol):
    """Every enabled reminder, for the one-off sweep (selfkind.domain.reslot)."""

    def enabled_pages(self) -> Iterator[list[SweptReminder]]: ...

    def advance(self, moves: Sequence[Advance]) -> list[Advance]: ...


@dataclass(frozen=True)
class ShardGrant:
    requested: datetime  # the latest tick asked of the shard: work up to it
    pending: datetime | None  # the first minute not yet done: work from it (None: all were done)


class ShardLeases(Protocol):
    """One worker at a time per shard; ticks that find it busy leave their time for the holder; the first
    minute not done is kept, so a worker that crashed or ran out of time is taken over from there."""

    def pending(self, shard_key: str) -> datetime | None:
        """The first minute a worker left unfinished (None: everything asked so far was done)."""
        ...

    def request(self, shard_key: str, tick: datetime) -> None:
        """Records that the shard is due up to `tick` (the latest request wins) and that `tick`'s minute is
        pending, unless an earlier one already is (a retried or late tick included)."""
        ...

    def acquire(self, shard_key: str, owner: str, until: datetime, now: datetime) -> ShardGrant | None:
        """Takes the lease unless a live one is held; returns the latest requested tick and the first
        pending minute, or None."""
        ...

    def release(
        self, shard_key: str, owner: str, done: datetime | None, resume_at: datetime | None = None
    ) -> datetime | None:
        """With `done`: every minute up to it is done; gives the lease up when nothing later was requested,
        otherwise keeps it (the minutes after `done` pending) and returns the later tick to work on.
        Without: gives the lease up with `resume_at` the first minute pending (None: as it was)."""
        ...


class Queue(Protocol):
    def send_all(self, bodies: list[str]) -> None:
        """Every body accepted, or an exception: the caller then treats none as sent."""
        ...
