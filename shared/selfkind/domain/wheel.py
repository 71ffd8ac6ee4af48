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


@dataclass(frozen=True)
class SlotRange:
    """Minutes of one UTC day to read, as a range of slots: one query per shard value, however many."""

    first: datetime  # its first minute
    last: datetime  # its last minute, the same UTC day

    @property
    def slots(self) -> tuple[str, str]:
        return slot_of(self.first), slot_of(self.last)

    def minute_of(self, slot: str) -> datetime:
        """The minute of this range a reminder waiting in `slot` is read for."""
        hour, minute = slot.split(":")
        return self.first.replace(hour=int(hour), minute=int(minute))

    @property
    def minutes(self) -> int:
        return int((self.last - self.first) / MINUTE) + 1


def slot_ranges(first: datetime | None, target: datetime) -> tuple[list[SlotRange], int]:
    """The minutes a worker reads, oldest first, from the first one not done (None: only the target's) to
    the target's, in at most two ranges (split at UTC midnight); and how many older minutes it leaves
    unread because they are beyond MAX_CATCH_UP."""
    last = minute_floor(target)
    start = last if first is None else min(minute_floor(first), last)
    earliest = last - MAX_CATCH_UP + MINUTE
    dropped = 0
    if start < earliest:
        dropped = int((earliest - start) / MINUTE)
        start = earliest
    ranges = []
    while start <= last:
        end_of_day = start.replace(hour=23, minute=59)
        ranges.append(SlotRange(start, min(end_of_day, last)))
        start = end_of_day + MINUTE
    return ranges, dropped


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


def misplaced(reminder: StoredReminder, now: datetime, *, in_old_index: bool) -> datetime | None:
    """Where a stored reminder should wait instead, or None when it waits in the right slot: the slot of
    its next occurrence (at or after now's minute), from which the tick will read it in time. A reminder
    still in the old index, or one whose zone changed its offset while no tick read it (the schedule
    switched off across a DST change), is misplaced."""
    anchor = reminder.next_fire_at
    if not reminder.enabled or anchor is None:
        return None
    following = max(upcoming(reminder, minute_floor(now) - timedelta(microseconds=1)), anchor)
    if not in_old_index and slot_of(following) == slot_of(anchor):
        return None
    return following
