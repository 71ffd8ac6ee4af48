"""The one-off sweep that sets every enabled reminder down where the wheel will read it in time: after the
wheel's release, for the reminders still in the old `due` index (the tick also moves each as it fires,
so the sweep only hastens it), and after the schedule was switched off across a change of offset (DST),
for the reminders whose slot went stale while no tick read them. Safe beside running ticks and edits:
each move is conditional on the reminder being as it was read (tools/reslot_reminders.py runs it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from selfkind.domain.ports.tick import Advance, ReminderSweep
from selfkind.domain.wheel import misplaced

_CHUNK = 100


@dataclass
class ReslotReport:
    read: int = 0
    misplaced: int = 0
    moved: int = 0
    moved_elsewhere: int = 0  # changed since it was read (an edit, a tick): left as it is


def reslot(sweep: ReminderSweep, now: datetime, *, apply: bool) -> ReslotReport:
    """Reads every enabled reminder once; with apply, moves the misplaced ones (without, only counts)."""
    report = ReslotReport()
    for page in sweep.enabled_pages():
        moves = []
        for stored in page:
            report.read += 1
            following = misplaced(stored.reminder, now, in_old_index=stored.in_old_index)
            if following is not None:
                assert stored.reminder.next_fire_at is not None
                moves.append(
                    Advance(stored.user_id, stored.reminder.reminder_id, stored.reminder.next_fire_at, following)
                )
        report.misplaced += len(moves)
        if apply:
            for start in range(0, len(moves), _CHUNK):
                chunk = moves[start : start + _CHUNK]
                elsewhere = len(sweep.advance(chunk))
                report.moved += len(chunk) - elsewhere
                report.moved_elsewhere += elsewhere
    return report
