"""What one shard worker's run did, for its metrics and logs (counts only, never content)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from selfkind.models.exceptions import DependencyError


class ShardFailedError(Exception):
    """A non-transient dependency error ended the worker's run: the minute it was in stays pending.
    Carries the run's report, so the handler still counts what happened before it fails."""

    def __init__(self, report: ShardReport, cause: DependencyError) -> None:
        super().__init__(f"shard worker failed: {cause}")
        self.report = report
        self.cause = cause


@dataclass
class ShardReport:
    due: int = 0  # reminders read as firing now, or due in the old index
    enqueued: int = 0  # occurrences handed to the queue
    expired: int = 0  # occurrences older than the window, counted and skipped
    advanced: int = 0  # reminders written: moved to another slot, or out of the old index
    migrated: int = 0  # of those, moved out of the old `due` index into the wheel
    moved_elsewhere: int = 0  # already moved by another writer (a user's edit, another tick)
    failed: int = 0  # not enqueued or not moved because a dependency failed: their minute stays pending
    minutes: int = 0  # minutes of the wheel read
    minutes_dropped: int = 0  # pending minutes older than the catch-up limit: not read
    carried_over: bool = False  # stopped with work left: the next tick continues from the pending minute
    busy: bool = False  # another worker held the shard: it takes this tick's time over
    ticks: list[datetime] = field(default_factory=list)  # the times worked up to
    errors: Counter[str] = field(default_factory=Counter)  # dependency failures by kind (no content)
