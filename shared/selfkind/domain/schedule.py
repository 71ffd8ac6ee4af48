"""When a reminder fires: a local wall time on chosen weekdays, in the user's own IANA zone.

Occurrences are built per LOCAL date (the weekday a user picks is the weekday on their calendar), as the
wall time with fold=0, then converted to UTC. zoneinfo's fold=0 reading gives the two DST rules we want:

- a wall time that does not exist that day (spring-forward gap) is read with the offset in force before the
  jump, so 02:30 on New York's spring-forward night fires at 07:30 UTC (03:30 EDT): late, never skipped;
- a wall time that occurs twice (fall back) is the first, earlier instant: it fires once, not twice.

Occurrences never go backwards as the local date advances: consecutive dates are 24 wall-clock hours apart
and a single day's offset change is below 24 hours (Pacific/Apia's skipped 2011-12-30 is the one limit
case: with fold=0 it shares its instant with 2011-12-31). The searches rely on that to stop at the first hit.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from selfkind.models.reminders import WEEKDAYS as WEEKDAYS  # re-exported: the days a reminder may name

# The searches look from one local date before the reference instant's local date to eight after: that
# covers any offset difference (always under a day) plus a full week, so every weekday comes round at
# least once on the right side of the reference.
_DAY = timedelta(days=1)
_SCAN_DAYS = 10


def _weekday_numbers(days: Collection[str]) -> frozenset[int]:
    """Weekday names as date.weekday() numbers; rejects an empty or unknown set (it would never fire)."""
    if not days:
        raise ValueError("a reminder needs at least one weekday")
    unknown = sorted(set(days) - set(WEEKDAYS))
    if unknown:
        raise ValueError(f"unknown weekdays: {unknown}; expected some of {WEEKDAYS}")
    return frozenset(WEEKDAYS.index(day) for day in days)


def _require_aware(instant: datetime, name: str) -> None:
    """A naive datetime is no instant: guessing its zone would silently shift reminders by hours."""
    if instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _require_wall_time(value: time, name: str) -> None:
    """Wall times are naive: the zone comes separately, so an offset on the time would be ambiguous."""
    if value.tzinfo is not None:
        raise ValueError(f"{name} must be a naive wall-clock time")


def occurrence_on(day: date, local_time: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the reminder fires on that local day.

    A local time that does not exist that day (spring-forward gap) fires at the instant zoneinfo gives it
    with fold=0 (02:30 on a spring-forward night in New York -> 03:30 EDT = 07:30 UTC); a time that
    occurs twice fires once, at the first (fold=0).
    """
    _require_wall_time(local_time, "local_time")
    wall = datetime.combine(day, local_time.replace(fold=0), tzinfo=zone)
    return wall.astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The date on the user's calendar at that instant."""
    _require_aware(instant, "instant")
    return instant.astimezone(zone).date()


def _in_cadence(day: date, every_weeks: int, anchor: date | None) -> bool:
    """Whether the local date's week is one the reminder fires in: every week, or every `every_weeks`
    weeks counted in Monday-based local weeks from the anchor's."""
    if every_weeks == 1 or anchor is None:
        return True
    weeks_apart = ((day - timedelta(days=day.weekday())) - (anchor - timedelta(days=anchor.weekday()))).days // 7
    return weeks_apart % every_weeks == 0


def _scan_days(every_weeks: int) -> int:
    return _SCAN_DAYS + 7 * (every_weeks - 1)


def next_occurrence(
    local_time: time,
    days: Collection[str],
    zone: ZoneInfo,
    after: datetime,
    every_weeks: int = 1,
    anchor: date | None = None,
) -> datetime:
    """The first occurrence strictly after `after` (an aware datetime, any zone), as an aware UTC datetime,
    on an allowed weekday (the weekday of the LOCAL date), in a week of its cadence (every `every_weeks`
    weeks from the anchor's week). `days` non-empty."""
    allowed = _weekday_numbers(days)
    _require_aware(after, "after")
    first = local_date(after, zone) - _DAY
    for offset in range(_scan_days(every_weeks)):
        day = first + offset * _DAY
        if day.weekday() in allowed and _in_cadence(day, every_weeks, anchor):
            candidate = occurrence_on(day, local_time, zone)
            # Occurrences are non-decreasing in the date, so the first one past `after` is the earliest.
            if candidate > after:
                return candidate
    raise AssertionError("unreachable: every weekday occurs within the scanned window")  # pragma: no cover


def previous_occurrence(
    local_time: time,
    days: Collection[str],
    zone: ZoneInfo,
    before: datetime,
    every_weeks: int = 1,
    anchor: date | None = None,
) -> datetime:
    """The last occurrence strictly before `before` (used by pacing: was the previous scheduled occurrence
    sent?), as an aware UTC datetime."""
    allowed = _weekday_numbers(days)
    _require_aware(before, "before")
    last = local_date(before, zone) + _DAY
    for offset in range(_scan_days(every_weeks)):
        day = last - offset * _DAY
        if day.weekday() in allowed and _in_cadence(day, every_weeks, anchor):
            candidate = occurrence_on(day, local_time, zone)
            # Mirror of next_occurrence: walking dates backwards, the first one before `before` is the latest.
            if candidate < before:
                return candidate
    raise AssertionError("unreachable: every weekday occurs within the scanned window")  # pragma: no cover


def in_quiet_hours(instant: datetime, start: time, end: time, zone: ZoneInfo) -> bool:
    """Whether the local wall time of `instant` is within [start, end). Windows may wrap midnight
    (22:00-07:00). start == end means no quiet hours."""
    _require_aware(instant, "instant")
    _require_wall_time(start, "start")
    _require_wall_time(end, "end")
    # Wall-clock comparison on purpose: quiet hours follow the clock on the user's wall, so a window spans
    # an hour more or less of real time on DST nights. time comparisons ignore fold, so both passes of a
    # repeated hour count alike.
    wall = instant.astimezone(zone).time()
    if start == end:
        return False
    if start < end:
        return start <= wall < end
    return wall >= start or wall < end
