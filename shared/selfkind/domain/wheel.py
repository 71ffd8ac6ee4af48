"""The timing wheel: where a recurring reminder waits, so that it need not move at every occurrence.

A reminder waits in the slot of its next occurrence's UTC minute of the day ("HH:MM"). The tick reads,
for each minute, that minute's slot, and every reminder there either fires at this very minute or waits
for another day (a weekday it does not fire on, a week outside its cadence): it is read, not written.
A reminder changes place only when the slot of its next occurrence is not the slot it is in: when it is
edited, when its zone changes its offset (DST, twice a year: it is moved the last time it is read before
the change), or when a spring-forward gap lends one day's occurrence another minute.

`valid_from` (the reminder's next_fire_at as stored) is the first occurrence the wheel may send: one set
down after its minute's slot was read today waits for its next occurrence, so a reminder placed (an edit,
a move out of the old `due` index) is never sent twice for one minute.

What the tick decides here is pure; selfkind.domain.tick reads the slots and writes the rare moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from selfkind.domain.occurrence import LATE_WINDOW
from selfkind.domain.schedule import next_occurrence
from selfkind.models.reminders import StoredReminder, clock_to_time

MINUTE = timedelta(minutes=1)
# A worker that fell further behind than this reads only the last day of minutes: each slot comes round
# once a day, so an older minute's reminders are long expired (and would be read twice).
MAX_CATCH_UP = timedelta(days=1)


def slot_of(instant: datetime) -> str:
    """The wheel slot of an instant: its UTC minute of the day."""
    return instant.astimezone(UTC).strftime("%H:%M")


def minute_floor(instant: datetime) -> datetime:
    return instant.astimezone(UTC).replace(second=0, microsecond=0)


def minutes_to_read(first: datetime | None, target: datetime) -> tuple[list[datetime], int]:
    """The minutes a worker reads, oldest first, from the first one not done (None: only the target's),
    and how many older minutes it leaves unread because they are beyond MAX_CATCH_UP."""
    last = minute_floor(target)
    start = last if first is None else minute_floor(first)
    earliest = last - MAX_CATCH_UP + MINUTE
    dropped = 0
    if start < earliest:
        dropped = int((earliest - start) / MINUTE)
        start = earliest
    count = int((last - start) / MINUTE) + 1
    return [start + n * MINUTE for n in range(max(count, 0))], dropped


def upcoming(reminder: StoredReminder, after: datetime) -> datetime:
    """The reminder's first occurrence strictly after `after`."""
    return next_occurrence(
        clock_to_time(reminder.local_time),
        reminder.days,
        ZoneInfo(reminder.timezone),
        after,
        reminder.every_weeks,
        reminder.anchor,
    )


@dataclass(frozen=True)
class WheelStep:
    send: datetime | None  # the occurrence to deliver now
    expired: bool  # it fires at this minute, too late to be kind: counted, never sent
    move_to: datetime | None  # the occurrence whose slot it must wait in instead; None: it stays


def read_in_slot(reminder: StoredReminder, minute: datetime, now: datetime) -> WheelStep:
    """What the tick does with a reminder read from the slot of `minute` while working at `now`."""
    minute = minute_floor(minute)
    valid_from = reminder.next_fire_at
    assert valid_from is not None
    at_or_after = upcoming(reminder, minute - timedelta(microseconds=1))
    fires_now = at_or_after == minute and minute >= valid_from
    expired = fires_now and minute <= now - LATE_WINDOW
    following = upcoming(reminder, minute) if at_or_after == minute else at_or_after
    following = max(following, valid_from) if valid_from > minute else following
    move_to = following if slot_of(following) != slot_of(minute) else None
    return WheelStep(send=minute if fires_now and not expired else None, expired=expired, move_to=move_to)


def placement(reminder: StoredReminder, now: datetime) -> datetime:
    """Where a reminder written now first waits: its next occurrence after now."""
    return upcoming(reminder, now)
