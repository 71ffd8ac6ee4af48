"""Reminders written before the wheel wait in the old `due` index under their next occurrence: what the
tick does with one it finds due there (it then sets it down in the wheel: selfkind.domain.tick)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from selfkind.domain.occurrence import LATE_WINDOW
from selfkind.domain.wheel import upcoming
from selfkind.models.reminders import StoredReminder


@dataclass(frozen=True)
class TickPlan:
    send: datetime | None  # the occurrence to deliver now, if any
    following: datetime  # where the reminder moves on to
    expired: bool  # the occurrence it was due for is older than the window: counted, never sent


def plan(reminder: StoredReminder, now: datetime) -> TickPlan:
    assert reminder.next_fire_at is not None
    occurrence = reminder.next_fire_at
    expired = occurrence <= now - LATE_WINDOW
    if expired:  # too late to be kind: skip ahead, whatever the outage length
        occurrence = upcoming(reminder, now - LATE_WINDOW)
    if occurrence > now:
        return TickPlan(send=None, following=occurrence, expired=expired)
    return TickPlan(send=occurrence, following=upcoming(reminder, occurrence), expired=expired)
