"""Reminders written before the wheel wait in the old `due` index under their next occurrence: what the
tick does with one it finds due there (it then sets it down in the wheel: selfkind.domain.tick)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from selfkind.domain.occurrence import LATE_WINDOW
from selfkind.domain.schedule import next_occurrence
from selfkind.models.reminders import StoredReminder, clock_to_time


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
