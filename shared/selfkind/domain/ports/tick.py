"""The tick's ports: the due index, the shard leases and the queue."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from selfkind.models.reminders import StoredReminder


@dataclass(frozen=True)
class DueReminder:
    user_id: str
    reminder: StoredReminder  # next_fire_at is the occurrence it is due for


@dataclass(frozen=True)
class Advance:
    """Move a reminder from the occurrence read (`expected`) to the one after it (`following`)."""

    user_id: str
    reminder_id: str
    expected: datetime
    following: datetime


class DueIndex(Protocol):
    def any_due(self, shard_value: int, now: datetime) -> bool:
        """Whether one value of the index's shard key has anything due at or before now (one small read)."""
        ...

    def due_pages(self, shard_value: int, now: datetime) -> Iterator[list[DueReminder]]:
        """The reminders of one value of the index's shard key due at or before now, a page at a time."""
        ...

    def advance(self, moves: Sequence[Advance]) -> list[Advance]:
        """Moves each reminder on; returns those another writer moved first (left as they are).
        Raises when the store failed: then none of them moved."""
        ...


class ShardLeases(Protocol):
    """One worker at a time per shard; ticks that find it busy leave their time for the holder."""

    def request(self, shard_key: str, tick: datetime) -> None:
        """Records that the shard is due up to `tick` (the latest request wins)."""
        ...

    def acquire(self, shard_key: str, owner: str, until: datetime, now: datetime) -> datetime | None:
        """Takes the lease unless a live one is held; returns the latest requested tick, or None."""
        ...

    def release(self, shard_key: str, owner: str, done: datetime | None) -> datetime | None:
        """Gives the lease up when nothing later than `done` was requested (None: give it up anyway);
        otherwise keeps it and returns the later tick to work on."""
        ...


class Queue(Protocol):
    def send_all(self, bodies: list[str]) -> None:
        """Every body accepted, or an exception: the caller then treats none as sent."""
        ...
