"""Reminder schedules in the user's own zone: properties over many zones, plus exact DST cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from selfkind.domain.schedule import (
    WEEKDAYS,
    in_quiet_hours,
    local_date,
    next_occurrence,
    occurrence_on,
    previous_occurrence,
)

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
UTC_ZONE = ZoneInfo("UTC")
ZONE_NAMES = (
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "UTC",
    "Pacific/Auckland",
    "America/Sao_Paulo",
)
EVERY_DAY = WEEKDAYS
START = datetime(2026, 1, 1, tzinfo=UTC)
END = datetime(2030, 12, 31, tzinfo=UTC)
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- strategies ---------------------------------------------------------------------------------------

zones = st.sampled_from(ZONE_NAMES).map(ZoneInfo)
# Biased towards the small hours, where the transitions of the zones above happen, and the day's edges.
local_times = st.one_of(
    st.sampled_from([time(0, 0), time(1, 30), time(1, 45), time(2, 0), time(2, 15), time(2, 30), time(23, 59)]),
    st.builds(time, hour=st.integers(0, 3), minute=st.integers(0, 59)),
    st.builds(time, hour=st.integers(0, 23), minute=st.integers(0, 59)),
)
weekday_sets = st.sets(st.sampled_from(WEEKDAYS), min_size=1).map(frozenset)


@cache
def transitions(zone: ZoneInfo) -> tuple[datetime, ...]:
    """The UTC instants in the test years where the zone's offset changes (scan, then bisect)."""
    found: list[datetime] = []
    step = timedelta(hours=6)
    cursor = START
    while cursor < END:
        following = cursor + step
        if cursor.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            low, high = cursor, following
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            found.append(high.replace(second=0, microsecond=0))
        cursor = following
    return tuple(found)


@st.composite
def instants(draw: st.DrawFn, zone: ZoneInfo, local_time: time) -> datetime:
    """Reference instants: anywhere in 2026-2030, on or next to an occurrence, or next to a DST transition,
    in an arbitrary zone (the functions must not care which zone `after`/`before` carries)."""
    kind = draw(st.sampled_from(["anywhere", "occurrence", "transition"]))
    if kind == "anywhere":
        instant = draw(st.datetimes(min_value=START.replace(tzinfo=None), max_value=END.replace(tzinfo=None)))
        instant = instant.replace(tzinfo=UTC)
    elif kind == "occurrence" or not transitions(zone):
        day = draw(st.dates(min_value=date(2026, 1, 2), max_value=date(2030, 12, 30)))
        nudge = draw(st.sampled_from([-60, -1, 0, 0, 0, 1, 60]))
        instant = occurrence_on(day, local_time, zone) + timedelta(minutes=nudge)
    else:
        moment = draw(st.sampled_from(transitions(zone)))
        instant = moment + timedelta(minutes=draw(st.integers(-26 * 60, 26 * 60)))
    carrier = draw(st.sampled_from([UTC, zone, timezone(timedelta(hours=-11, minutes=-30)), KATHMANDU]))
    return instant.astimezone(carrier)


def weekday(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def allowed_occurrences_around(
    local_time: time, days: frozenset[str], zone: ZoneInfo, instant: datetime, span: int = 12
) -> list[datetime]:
    """Oracle: every allowed occurrence for local dates within `span` days of `instant`, sorted. It does not
    rely on occurrences being monotonic in the date, unlike the implementation's early exit."""
    centre = local_date(instant, zone)
    dates = (centre + timedelta(days=n) for n in range(-span, span + 1))
    return sorted(occurrence_on(day, local_time, zone) for day in dates if weekday(day) in days)


def is_wall_time(instant: datetime, local_time: time, zone: ZoneInfo) -> bool:
    return instant.astimezone(zone).time() == local_time


def exists(day: date, local_time: time, zone: ZoneInfo) -> bool:
    """Whether the wall time occurs on that day: a gap time does not survive the trip to UTC and back."""
    wall = datetime.combine(day, local_time, tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None)


# --- properties ---------------------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(data=st.data(), zone=zones, local_time=local_times, days=weekday_sets)
def test_next_occurrence_is_the_first_allowed_occurrence_after(
    data: st.DataObject, zone: ZoneInfo, local_time: time, days: frozenset[str]
) -> None:
    after = data.draw(instants(zone, local_time))

    found = next_occurrence(local_time, days, zone, after)

    assert found.tzinfo is UTC
    assert found > after
    day = local_date(found, zone)
    assert weekday(day) in days
    assert found == occurrence_on(day, local_time, zone)
    if exists(day, local_time, zone):
        assert is_wall_time(found, local_time, zone)
        assert found.astimezone(zone).fold == 0, "a repeated wall time fires at its first pass"
    else:
        gap_instant = datetime.combine(day, local_time, tzinfo=zone).astimezone(UTC)
        assert found == gap_instant
        assert found.astimezone(zone).time() > local_time, "a gap time fires late, never early"
    # Nothing allowed in between: neither by the oracle, nor for any local date from `after` to the result.
    oracle = allowed_occurrences_around(local_time, days, zone, after)
    assert found == min(o for o in oracle if o > after)
    between = local_date(after, zone) - timedelta(days=1)
    while between <= day + timedelta(days=1):
        if weekday(between) in days:
            assert not after < occurrence_on(between, local_time, zone) < found
        between += timedelta(days=1)


@PROPERTY_SETTINGS
@given(data=st.data(), zone=zones, local_time=local_times, days=weekday_sets)
def test_previous_occurrence_is_the_last_allowed_occurrence_before(
    data: st.DataObject, zone: ZoneInfo, local_time: time, days: frozenset[str]
) -> None:
    before = data.draw(instants(zone, local_time))

    found = previous_occurrence(local_time, days, zone, before)

    assert found.tzinfo is UTC
    assert found < before
    day = local_date(found, zone)
    assert weekday(day) in days
    assert found == occurrence_on(day, local_time, zone)
    oracle = allowed_occurrences_around(local_time, days, zone, before)
    assert found == max(o for o in oracle if o < before)
    # Round trips: the next occurrence after the previous one is not before `before`, and is `before`
    # itself exactly when `before` is an occurrence; symmetrically for the other direction.
    following = next_occurrence(local_time, days, zone, found)
    assert following >= before
    assert (following == before) == (before in oracle)
    after_before = next_occurrence(local_time, days, zone, before)
    assert previous_occurrence(local_time, days, zone, after_before) == (before if before in oracle else found)


@PROPERTY_SETTINGS
@given(zone=zones, local_time=local_times, day=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 30)))
def test_occurrences_move_forward_with_the_local_date(zone: ZoneInfo, local_time: time, day: date) -> None:
    """The early exit of the searches relies on this; the gap rule makes it strict in these zones."""
    today = occurrence_on(day, local_time, zone)
    tomorrow = occurrence_on(day + timedelta(days=1), local_time, zone)

    assert today < tomorrow
    assert timedelta(hours=22) <= tomorrow - today <= timedelta(hours=26)


@PROPERTY_SETTINGS
@given(
    zone=zones,
    local_time=local_times,
    days=weekday_sets,
    day=st.dates(min_value=date(2026, 1, 2), max_value=date(2030, 12, 30)),
)
@example(zone=NEW_YORK, local_time=time(1, 30), days=frozenset(EVERY_DAY), day=date(2027, 11, 7))
def test_an_occurrence_is_found_again_from_just_before_and_just_after(
    zone: ZoneInfo, local_time: time, days: frozenset[str], day: date
) -> None:
    if weekday(day) not in days:
        return
    occurrence = occurrence_on(day, local_time, zone)
    tick = timedelta(microseconds=1)

    assert next_occurrence(local_time, days, zone, occurrence - tick) == occurrence
    assert previous_occurrence(local_time, days, zone, occurrence + tick) == occurrence
    assert next_occurrence(local_time, days, zone, occurrence) > occurrence
    assert previous_occurrence(local_time, days, zone, occurrence) < occurrence


# --- fixed DST cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "local_time", "expected"),
    [
        # New York springs forward at 02:00 EST -> 03:00 EDT on 2027-03-14.
        pytest.param(NEW_YORK, date(2027, 3, 14), time(1, 30), utc(2027, 3, 14, 6, 30), id="ny-before-gap"),
        pytest.param(NEW_YORK, date(2027, 3, 14), time(2, 30), utc(2027, 3, 14, 7, 30), id="ny-in-gap"),
        # 03:30 EDT is the same instant as the gap's 02:30 read with EST: both fire at 07:30 UTC that day.
        pytest.param(NEW_YORK, date(2027, 3, 14), time(3, 30), utc(2027, 3, 14, 7, 30), id="ny-after-gap"),
        pytest.param(NEW_YORK, date(2027, 3, 13), time(2, 30), utc(2027, 3, 13, 7, 30), id="ny-day-before"),
        pytest.param(NEW_YORK, date(2027, 3, 15), time(2, 30), utc(2027, 3, 15, 6, 30), id="ny-day-after"),
        # New York falls back at 02:00 EDT -> 01:00 EST on 2027-11-07: 01:30 fires at its EDT pass only.
        pytest.param(NEW_YORK, date(2027, 11, 7), time(1, 30), utc(2027, 11, 7, 5, 30), id="ny-repeated"),
        pytest.param(NEW_YORK, date(2027, 11, 7), time(2, 30), utc(2027, 11, 7, 7, 30), id="ny-after-repeat"),
        # Berlin: 02:00 CET -> 03:00 CEST on 2027-03-28; 03:00 CEST -> 02:00 CET on 2027-10-31.
        pytest.param(BERLIN, date(2027, 3, 28), time(2, 30), utc(2027, 3, 28, 1, 30), id="berlin-gap"),
        pytest.param(BERLIN, date(2027, 10, 31), time(2, 30), utc(2027, 10, 31, 0, 30), id="berlin-repeat"),
        # Lord Howe shifts by 30 minutes: 02:00 +10:30 -> 02:30 +11 on 2027-10-03, so 02:15 does not exist
        # and is read with +10:30: 2027-10-02 15:45 UTC (02:45 local +11).
        pytest.param(LORD_HOWE, date(2027, 10, 3), time(2, 15), utc(2027, 10, 2, 15, 45), id="lord-howe-gap"),
        # 02:30 exists (+11) and so fires at 15:30 UTC: a quarter of an hour BEFORE that day's 02:15.
        pytest.param(LORD_HOWE, date(2027, 10, 3), time(2, 30), utc(2027, 10, 2, 15, 30), id="lord-howe-gap-end"),
        # ... and 02:00 +11 -> 01:30 +10:30 on 2027-04-04: 01:45 occurs twice, fires at the +11 pass.
        pytest.param(LORD_HOWE, date(2027, 4, 4), time(1, 45), utc(2027, 4, 3, 14, 45), id="lord-howe-repeat"),
        pytest.param(KATHMANDU, date(2027, 4, 4), time(8, 0), utc(2027, 4, 4, 2, 15), id="kathmandu"),
        pytest.param(KATHMANDU, date(2027, 7, 4), time(8, 0), utc(2027, 7, 4, 2, 15), id="kathmandu-no-dst"),
    ],
)
def test_occurrence_on_dst_days(zone: ZoneInfo, day: date, local_time: time, expected: datetime) -> None:
    assert occurrence_on(day, local_time, zone) == expected
    assert next_occurrence(local_time, EVERY_DAY, zone, expected - timedelta(minutes=1)) == expected
    assert previous_occurrence(local_time, EVERY_DAY, zone, expected + timedelta(minutes=1)) == expected


def test_spring_forward_gap_time_is_late_not_skipped() -> None:
    assert utc(2027, 3, 14, 7, 30).astimezone(NEW_YORK).time() == time(3, 30)
    after_saturday = utc(2027, 3, 13, 8, 0)

    assert next_occurrence(time(2, 30), ["sun"], NEW_YORK, after_saturday) == utc(2027, 3, 14, 7, 30)


def test_fall_back_repeated_time_fires_once() -> None:
    first_pass = utc(2027, 11, 7, 5, 30)
    second_pass = utc(2027, 11, 7, 6, 30)
    assert first_pass.astimezone(NEW_YORK).time() == second_pass.astimezone(NEW_YORK).time() == time(1, 30)

    following = next_occurrence(time(1, 30), EVERY_DAY, NEW_YORK, first_pass)

    assert following == utc(2027, 11, 8, 6, 30), "the next day at 01:30 EST, not the second pass"
    assert next_occurrence(time(1, 30), EVERY_DAY, NEW_YORK, second_pass) == following
    assert previous_occurrence(time(1, 30), EVERY_DAY, NEW_YORK, second_pass) == first_pass
    assert previous_occurrence(time(1, 30), EVERY_DAY, NEW_YORK, following) == first_pass


def test_lord_howe_repeated_half_hour_fires_once() -> None:
    first_pass = utc(2027, 4, 3, 14, 45)
    second_pass = utc(2027, 4, 3, 15, 15)
    assert second_pass.astimezone(LORD_HOWE).time() == time(1, 45)

    assert next_occurrence(time(1, 45), EVERY_DAY, LORD_HOWE, first_pass) == utc(2027, 4, 4, 15, 15)


def test_weekday_is_the_local_one() -> None:
    """Monday 08:00 in Kathmandu is still Sunday in UTC: the user's calendar decides."""
    sunday_evening_utc = utc(2027, 4, 4, 20, 0)  # Monday 01:45 in Kathmandu

    assert next_occurrence(time(8, 0), ["mon"], KATHMANDU, sunday_evening_utc) == utc(2027, 4, 5, 2, 15)
    assert previous_occurrence(time(8, 0), ["sun"], KATHMANDU, sunday_evening_utc) == utc(2027, 4, 4, 2, 15)


def test_any_zone_on_the_reference_instant() -> None:
    in_utc = utc(2027, 3, 14, 7, 0)
    elsewhere = in_utc.astimezone(timezone(timedelta(hours=9)))

    assert next_occurrence(time(2, 30), EVERY_DAY, NEW_YORK, elsewhere) == utc(2027, 3, 14, 7, 30)
    assert next_occurrence(time(2, 30), EVERY_DAY, NEW_YORK, elsewhere) == next_occurrence(
        time(2, 30), EVERY_DAY, NEW_YORK, in_utc
    )


def test_single_weekday_waits_a_full_week() -> None:
    monday_0800 = utc(2027, 4, 5, 2, 15)  # Kathmandu

    assert next_occurrence(time(8, 0), ["mon"], KATHMANDU, monday_0800) == monday_0800 + timedelta(days=7)
    assert previous_occurrence(time(8, 0), ["mon"], KATHMANDU, monday_0800) == monday_0800 - timedelta(days=7)


def test_local_date() -> None:
    assert local_date(utc(2027, 4, 4, 20, 0), KATHMANDU) == date(2027, 4, 5)
    assert local_date(utc(2027, 11, 7, 4, 30), NEW_YORK) == date(2027, 11, 7)
    assert local_date(utc(2027, 11, 7, 3, 30), NEW_YORK) == date(2027, 11, 6)


@pytest.mark.parametrize("days", [[], ["monday"], ["mon", "Mon"]])
def test_rejects_weekday_sets_that_cannot_be_meant(days: list[str]) -> None:
    with pytest.raises(ValueError, match="weekday"):
        next_occurrence(time(8, 0), days, UTC_ZONE, utc(2027, 1, 1))
    with pytest.raises(ValueError, match="weekday"):
        previous_occurrence(time(8, 0), days, UTC_ZONE, utc(2027, 1, 1))


def test_rejects_naive_instants_and_zoned_times() -> None:
    naive = datetime(2027, 1, 1)
    with pytest.raises(ValueError, match="aware"):
        next_occurrence(time(8, 0), EVERY_DAY, UTC_ZONE, naive)
    with pytest.raises(ValueError, match="aware"):
        previous_occurrence(time(8, 0), EVERY_DAY, UTC_ZONE, naive)
    with pytest.raises(ValueError, match="aware"):
        local_date(naive, UTC_ZONE)
    with pytest.raises(ValueError, match="aware"):
        in_quiet_hours(naive, time(22, 0), time(7, 0), UTC_ZONE)
    with pytest.raises(ValueError, match="naive"):
        occurrence_on(date(2027, 1, 1), time(8, 0, tzinfo=UTC), UTC_ZONE)


# --- quiet hours --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wall", "start", "end", "quiet"),
    [
        # Plain window 13:00-15:00: start inclusive, end exclusive.
        (time(12, 59), time(13, 0), time(15, 0), False),
        (time(13, 0), time(13, 0), time(15, 0), True),
        (time(14, 59, 59), time(13, 0), time(15, 0), True),
        (time(15, 0), time(13, 0), time(15, 0), False),
        # Wrapping window 22:00-07:00.
        (time(21, 59), time(22, 0), time(7, 0), False),
        (time(22, 0), time(22, 0), time(7, 0), True),
        (time(23, 59), time(22, 0), time(7, 0), True),
        (time(0, 0), time(22, 0), time(7, 0), True),
        (time(6, 59), time(22, 0), time(7, 0), True),
        (time(7, 0), time(22, 0), time(7, 0), False),
        (time(12, 0), time(22, 0), time(7, 0), False),
        # start == end: no quiet hours at all, whatever the time.
        (time(9, 0), time(9, 0), time(9, 0), False),
        (time(0, 0), time(0, 0), time(0, 0), False),
        (time(23, 59), time(0, 0), time(0, 0), False),
        # Midnight as the end: the window closes at 00:00 sharp.
        (time(23, 59), time(20, 0), time(0, 0), True),
        (time(0, 0), time(20, 0), time(0, 0), False),
    ],
)
def test_quiet_hours_window(wall: time, start: time, end: time, quiet: bool) -> None:
    instant = datetime.combine(date(2027, 6, 1), wall, tzinfo=BERLIN)

    assert in_quiet_hours(instant, start, end, BERLIN) is quiet
    assert in_quiet_hours(instant.astimezone(UTC), start, end, BERLIN) is quiet


def test_quiet_hours_use_the_users_wall_clock_not_utc() -> None:
    # 20:45 UTC is 07:15 the next morning in Lord Howe (+10:30 in June): outside 22:00-07:00 there.
    assert not in_quiet_hours(utc(2027, 6, 1, 20, 45), time(22, 0), time(7, 0), LORD_HOWE)
    assert in_quiet_hours(utc(2027, 6, 1, 20, 15), time(22, 0), time(7, 0), LORD_HOWE)
    assert in_quiet_hours(utc(2027, 6, 1, 23, 0), time(22, 0), time(7, 0), UTC_ZONE)


def test_quiet_hours_across_spring_forward() -> None:
    # New York, 2027-03-14: 01:59 EST is the last quiet minute of 01:00-02:30, then the clock reads 03:00.
    assert in_quiet_hours(utc(2027, 3, 14, 6, 59), time(1, 0), time(2, 30), NEW_YORK)
    assert not in_quiet_hours(utc(2027, 3, 14, 7, 0), time(1, 0), time(2, 30), NEW_YORK)
    # The 22:00-07:00 night is an hour shorter in real time: 03:00 UTC to 11:00 UTC.
    assert not in_quiet_hours(utc(2027, 3, 14, 2, 59), time(22, 0), time(7, 0), NEW_YORK)
    assert in_quiet_hours(utc(2027, 3, 14, 3, 0), time(22, 0), time(7, 0), NEW_YORK)
    assert in_quiet_hours(utc(2027, 3, 14, 10, 59), time(22, 0), time(7, 0), NEW_YORK)
    assert not in_quiet_hours(utc(2027, 3, 14, 11, 0), time(22, 0), time(7, 0), NEW_YORK)


def test_quiet_hours_across_fall_back() -> None:
    # New York, 2027-11-07: 01:00-02:00 happens twice and both passes are quiet in a 01:00-02:00 window.
    window = (time(1, 0), time(2, 0))
    assert not in_quiet_hours(utc(2027, 11, 7, 4, 59), *window, NEW_YORK)
    assert in_quiet_hours(utc(2027, 11, 7, 5, 0), *window, NEW_YORK)  # 01:00 EDT
    assert in_quiet_hours(utc(2027, 11, 7, 5, 59), *window, NEW_YORK)  # 01:59 EDT
    assert in_quiet_hours(utc(2027, 11, 7, 6, 0), *window, NEW_YORK)  # 01:00 EST, second pass
    assert in_quiet_hours(utc(2027, 11, 7, 6, 59), *window, NEW_YORK)  # 01:59 EST
    assert not in_quiet_hours(utc(2027, 11, 7, 7, 0), *window, NEW_YORK)  # 02:00 EST
    # Lord Howe's half-hour fall back (02:00 +11 -> 01:30 +10:30) repeats 01:30-02:00 only.
    assert in_quiet_hours(utc(2027, 4, 3, 14, 59), time(1, 30), time(2, 0), LORD_HOWE)  # 01:59 +11
    assert not in_quiet_hours(utc(2027, 4, 3, 15, 0), time(2, 0), time(3, 0), LORD_HOWE)  # 01:30 +10:30
    assert in_quiet_hours(utc(2027, 4, 3, 15, 0), time(1, 30), time(2, 0), LORD_HOWE)


# --- every few weeks (check-in reminders) --------------------------------------------------------


def test_a_four_weekly_reminder_fires_on_its_day_every_fourth_local_week_from_its_anchor() -> None:
    zone = ZoneInfo("Europe/Madrid")
    anchor = date(2026, 12, 6)  # a Sunday
    fired = []
    after = datetime(2026, 12, 1, tzinfo=UTC)
    for _ in range(4):
        after = next_occurrence(time(19, 0), ["sun"], zone, after, every_weeks=4, anchor=anchor)
        fired.append(after.astimezone(zone))
    assert [moment.date() for moment in fired] == [
        date(2026, 12, 6),
        date(2027, 1, 3),
        date(2027, 1, 31),
        date(2027, 2, 28),
    ]
    assert all(moment.hour == 19 for moment in fired)
    # Across the spring-forward night (28 March 2027 in Madrid) it keeps its local hour.
    spring = next_occurrence(time(19, 0), ["sun"], zone, fired[-1], every_weeks=4, anchor=anchor)
    assert spring.astimezone(zone).date() == date(2027, 3, 28)
    assert spring.astimezone(zone).hour == 19


def test_the_previous_four_weekly_occurrence_is_four_weeks_back() -> None:
    zone = ZoneInfo("America/Mexico_City")
    anchor = date(2026, 12, 7)  # a Monday
    after = datetime(2027, 1, 4, 16, 0, tzinfo=UTC)  # 10:00 there, on an occurrence day
    current = next_occurrence(time(9, 30), ["mon"], zone, datetime(2027, 1, 3, tzinfo=UTC), 4, anchor)
    assert current.astimezone(zone).date() == date(2027, 1, 4)
    previous = previous_occurrence(time(9, 30), ["mon"], zone, after, 4, anchor)
    assert previous == current
    assert previous_occurrence(time(9, 30), ["mon"], zone, current, 4, anchor).astimezone(zone).date() == anchor


def test_every_week_is_what_a_reminder_without_a_cadence_does() -> None:
    zone = ZoneInfo("UTC")
    after = datetime(2026, 12, 3, tzinfo=UTC)
    assert next_occurrence(time(8, 0), ["mon"], zone, after) == next_occurrence(
        time(8, 0), ["mon"], zone, after, every_weeks=1, anchor=date(2020, 1, 1)
    )
