"""Dispatch: the scheduler's tick (what is due, handed to the queue) and the sender's delivery.

At tick time T an occurrence in (T - 15 min, T] is sent; an older one never is: the reminder moves on
to its first occurrence after T - 15 min, sent if that is <= T. The queue may carry an occurrence more
than once (repeated or overlapping ticks); the sender's claim makes each one go out at most once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from selfkind.domain.ports import Queue, ReminderStore, TickReport
from selfkind.domain.schedule import next_occurrence
from selfkind.models.reminders import StoredReminder, clock_to_time

LATE_WINDOW = timedelta(minutes=15)
_NOTIFICATION_NAMESPACE = uuid.UUID("6c1d0f7e-6a52-4c6a-9b8a-5e1f3f0a2d11")


class DueOccurrence(BaseModel):
    """The queue message: which occurrence of whose reminder to deliver."""

    user_id: str
    reminder_id: str
    occurrence: datetime

    @property
    def notification_id(self) -> str:
        # Derived, not random: every copy of the same occurrence (however written) claims the same record.
        instant = self.occurrence.astimezone(UTC).isoformat()
        return str(uuid.uuid5(_NOTIFICATION_NAMESPACE, f"{self.user_id}/{self.reminder_id}/{instant}"))


@dataclass(frozen=True)
class TickPlan:
    send: datetime | None
    following: datetime


def plan(reminder: StoredReminder, now: datetime) -> TickPlan:
    assert reminder.next_fire_at is not None
    zone = ZoneInfo(reminder.timezone)
    local_time = clock_to_time(reminder.local_time)
    occurrence = reminder.next_fire_at
    if occurrence <= now - LATE_WINDOW:  # too late to be kind: skip ahead, whatever the outage length
        occurrence = next_occurrence(local_time, reminder.days, zone, now - LATE_WINDOW)
    if occurrence > now:
        return TickPlan(send=None, following=occurrence)
    return TickPlan(send=occurrence, following=next_occurrence(local_time, reminder.days, zone, occurrence))


@dataclass
class _Batch:
    messages: list[str] = field(default_factory=list)
    advances: list[tuple[str, str, datetime, datetime]] = field(default_factory=list)


def tick(reminders: ReminderStore, queue: Queue, now: datetime) -> TickReport:
    report = TickReport()
    batch = _Batch()
    for user_id, reminder in reminders.due(now):
        report.due += 1
        step = plan(reminder, now)
        if step.send is None:
            report.stale += 1
        else:
            due = DueOccurrence(user_id=user_id, reminder_id=reminder.reminder_id, occurrence=step.send)
            batch.messages.append(due.model_dump_json())
        assert reminder.next_fire_at is not None
        batch.advances.append((user_id, reminder.reminder_id, reminder.next_fire_at, step.following))
    # Enqueue before advancing: a crash in between re-enqueues next tick, and the claim deduplicates.
    queue.send_all(batch.messages)
    for user_id, reminder_id, expected, following in batch.advances:
        reminders.advance(user_id, reminder_id, expected, following)
    report.enqueued = len(batch.messages)
    return report
