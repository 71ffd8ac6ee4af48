"""The timing wheel's rules: a reminder waits in the slot of its next occurrence's UTC minute, fires from
it on the right days only, and is written only when that minute changes (an edit, DST)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from selfkind.domain.tick_report import ShardFailedError
from selfkind.domain.wheel import (
    MAX_CATCH_UP,
    MINUTE,
    read_in_slot,
    slot_of,
    slot_ranges,
    upcoming,
)
from selfkind.models.reminders import WEEKDAYS, ReminderKind, ShardWork, StoredReminder
from tests.fakes import reminder
from tests.reminder_pipeline import Pipeline

NEW_YORK = ZoneInfo("America/New_York")
# 2027-03-14 is New York's spring-forward day (02:00 EST -> 03:00 EDT); 2027-11-07 its fall-back day.
BEFORE_SPRING = datetime(2027, 3, 13, 14, 0, tzinfo=UTC)  # Saturday 09:00 EST


def _daily(at: datetime, local_time: str = "09:00", days: list[str] | None = None) -> StoredReminder:
    base = reminder("r", at, local_time=local_time)
    return base.model_copy(update={"days": days or list(WEEKDAYS)})


def test_a_reminder_read_at_its_minute_fires_and_stays_where_it_is() -> None:
    thursday = BEFORE_SPRING - timedelta(days=2)  # 09:00 EST; Friday's 09:00 is EST too

    step = read_in_slot(_daily(thursday), thursday, thursday)

    assert (step.send, step.expired, step.move_to) == (thursday, False, None)


def test_a_minute_read_after_its_window_is_counted_expired_and_not_sent() -> None:
    friday = BEFORE_SPRING - timedelta(days=1)

    step = read_in_slot(_daily(friday), friday, BEFORE_SPRING)  # a day late

    assert (step.send, step.expired) == (None, True)


def test_a_worker_a_day_and_more_behind_reads_the_last_day_only_and_counts_the_rest() -> None:
    # Given a shard whose first pending minute is two days old (its worker was down)
    pipeline = Pipeline(shards=1)
    pipeline.user("ana", BEFORE_SPRING)
    pipeline.leases.request("1/0", BEFORE_SPRING - timedelta(days=2))

    [report] = pipeline.tick(BEFORE_SPRING)

    # Then it read a day of minutes, counted the older ones dropped, and sent this minute's reminder
    assert (report.minutes, report.minutes_dropped) == (1440, 1441)
    assert report.enqueued == 1
    assert "pending" not in pipeline.leases.items["1/0"]


def test_a_weekday_reminder_is_read_on_other_days_and_moves_only_before_its_day_changes_offset() -> None:
    monday_only = _daily(datetime(2027, 3, 1, 14, 0, tzinfo=UTC), days=["mon"])
    wednesday = datetime(2027, 3, 3, 14, 0, tzinfo=UTC)

    step = read_in_slot(monday_only, wednesday, wednesday)

    assert (step.send, step.expired, step.move_to) == (None, False, None)
    # The next Wednesday, the Monday after it falls after the spring change: 09:00 EDT is 13:00 UTC
    later = read_in_slot(monday_only, wednesday + timedelta(days=7), wednesday + timedelta(days=7))
    assert (later.send, later.move_to) == (None, datetime(2027, 3, 15, 13, 0, tzinfo=UTC))


def test_a_daily_reminder_moves_to_its_new_minute_when_the_clocks_change_and_fires_there() -> None:
    daily = _daily(BEFORE_SPRING)

    step = read_in_slot(daily, BEFORE_SPRING, BEFORE_SPRING)

    # Saturday 09:00 EST fires; Sunday's 09:00 is EDT, 13:00 UTC: it waits there instead
    sunday = datetime(2027, 3, 14, 13, 0, tzinfo=UTC)
    assert (step.send, step.move_to) == (BEFORE_SPRING, sunday)
    moved = daily.model_copy(update={"next_fire_at": sunday})
    assert slot_of(sunday) == "13:00"
    assert read_in_slot(moved, sunday, sunday).send == sunday
    assert read_in_slot(moved, sunday, sunday).move_to is None


def test_a_reminder_set_down_after_its_minute_was_read_waits_for_its_next_occurrence() -> None:
    nine = datetime(2027, 3, 16, 13, 0, tzinfo=UTC)
    edited_after_nine = _daily(nine).model_copy(
        update={"next_fire_at": upcoming(_daily(nine), nine + timedelta(seconds=30))}  # as put_reminder sets it
    )

    step = read_in_slot(edited_after_nine, nine, nine + timedelta(seconds=40))

    assert edited_after_nine.next_fire_at == nine + timedelta(days=1)
    assert (step.send, step.expired, step.move_to) == (None, False, None)


def test_a_wall_time_in_the_spring_gap_keeps_its_minute_that_day_and_moves_after_it() -> None:
    # 02:30 does not exist on 2027-03-14 in New York: it fires with the offset before the jump, 07:30 UTC,
    # the same minute as the day before; from Monday, 02:30 EDT is 06:30 UTC
    saturday = datetime(2027, 3, 13, 7, 30, tzinfo=UTC)  # 02:30 EST
    night = _daily(saturday, local_time="02:30")
    sunday = saturday + timedelta(days=1)

    assert read_in_slot(night, saturday, saturday).move_to is None
    gap_day = read_in_slot(night, sunday, sunday)

    assert gap_day.send == sunday
    assert gap_day.move_to == datetime(2027, 3, 15, 6, 30, tzinfo=UTC)


def test_the_minutes_to_read_run_from_the_first_pending_to_the_target_split_at_midnight_and_a_day_back() -> None:
    target = datetime(2027, 3, 15, 13, 0, 0, tzinfo=UTC)

    [only] = slot_ranges(None, target)[0]
    assert (only.slots, only.minutes) == (("13:00", "13:00"), 1)
    [recent] = slot_ranges(target - 2 * MINUTE, target)[0]
    assert (recent.slots, recent.minutes) == (("12:58", "13:00"), 3)
    (yesterday, today), dropped = slot_ranges(target - MAX_CATCH_UP - 9 * MINUTE, target)
    assert dropped == 10
    assert (yesterday.first, yesterday.slots) == (target - MAX_CATCH_UP + MINUTE, ("13:01", "23:59"))
    assert (today.slots, yesterday.minutes + today.minutes) == (("00:00", "13:00"), 1440)
    assert today.minute_of("07:30") == datetime(2027, 3, 15, 7, 30, tzinfo=UTC)


SCHEDULES = st.fixed_dictionaries(
    {
        "zone": st.sampled_from(
            ["America/New_York", "Europe/Madrid", "Australia/Sydney", "Asia/Kolkata", "America/Santiago", "UTC"]
        ),
        "hour": st.integers(0, 23),
        "minute": st.sampled_from([0, 15, 30, 59]),
        "days": st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True),
        "check_in": st.booleans(),
        "start": st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2027, 12, 1)),
    }
)


@settings(max_examples=40, deadline=None)
@given(SCHEDULES)
def test_reading_only_the_slot_it_waits_in_sends_exactly_the_schedule_over_five_weeks(case: dict[str, Any]) -> None:
    """Minute by minute for five weeks, across whatever DST changes fall in them: the wheel (read only
    where the reminder waits, moved only when it says so) sends each scheduled occurrence once, and
    nothing else."""
    zone = ZoneInfo(case["zone"])
    start = case["start"].replace(tzinfo=UTC, second=0, microsecond=0)
    local_time = f"{case['hour']:02d}:{case['minute']:02d}"
    kind = ReminderKind.CHECK_IN if case["check_in"] else ReminderKind.AFFIRMATION
    base = StoredReminder(
        reminder_id="r",
        kind=kind,
        local_time=local_time,
        days=sorted(case["days"], key=WEEKDAYS.index),
        timezone=case["zone"],
        enabled=True,
        created_at=start,
        every_weeks=4 if case["check_in"] else 1,
        anchor=start.astimezone(zone).date() if case["check_in"] else None,
    )
    stored = base.model_copy(update={"next_fire_at": upcoming(base, start)})  # as put_reminder sets it
    end = start + timedelta(days=35)
    expected = []
    occurrence = upcoming(base, start)
    while occurrence <= end:
        expected.append(occurrence)
        occurrence = upcoming(base, occurrence)

    sent, writes, minute = [], 0, start + MINUTE
    while minute <= end:
        assert stored.next_fire_at is not None
        if slot_of(minute) == slot_of(stored.next_fire_at):
            step = read_in_slot(stored, minute, minute)
            if step.send is not None:
                sent.append(step.send)
            if step.move_to is not None:
                stored = stored.model_copy(update={"next_fire_at": step.move_to})
                writes += 1
        minute += MINUTE

    assert sent == expected
    assert writes <= 6  # only at offset changes (and a gap day's there and back)


def test_two_days_across_the_spring_change_each_send_once_with_one_write() -> None:
    pipeline = Pipeline(shards=1)
    pipeline.user("ana", BEFORE_SPRING)
    sunday = datetime(2027, 3, 14, 13, 0, tzinfo=UTC)

    saturday_report = pipeline.tick(BEFORE_SPRING)
    sunday_report = pipeline.tick(sunday)
    monday_report = pipeline.tick(sunday + timedelta(days=1))

    assert [r[0].enqueued for r in (saturday_report, sunday_report, monday_report)] == [1, 1, 1]
    assert sum(pipeline.reminders.writes.values()) == 1
    assert pipeline.reminders.slot[("ana", "morning")] == "13:00"
    assert [o.occurrence for o in pipeline.queue.occurrences()] == [
        BEFORE_SPRING,
        sunday,
        sunday + timedelta(days=1),
    ]


def test_reminders_from_the_old_index_move_into_the_wheel_as_they_fire_never_lost_or_doubled() -> None:
    # Given 300 reminders written before the wheel (in the old `due` index), due at 09:00 with 300 in the wheel
    pipeline = Pipeline(shards=2)
    nine = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
    for n in range(300):
        pipeline.user(f"new{n:03d}", nine)
        pipeline.user(f"old{n:03d}", nine)
        pipeline.reminders.put_legacy(f"old{n:03d}", reminder("morning", nine))
    legacy = set(pipeline.reminders.legacy)

    # When the tick runs at 09:00, the sender drains the queue, and the tick runs again the next day
    first = pipeline.tick(nine)
    sent, retried = pipeline.send(nine + timedelta(seconds=20))
    second = pipeline.tick(nine + timedelta(days=1))

    # Then each of the 600 was sent once at 09:00; the old ones left the old index in the same tick, for
    # tomorrow's slot, and fire from the wheel the next day with no write
    assert sum(r.enqueued for r in first) == 600
    assert sum(r.migrated for r in first) == 300
    assert pipeline.statuses(sent) == {"sent": 600}
    assert retried == []
    assert pipeline.reminders.legacy == set()
    assert all(pipeline.reminders.slot[key] == "13:00" for key in legacy)
    assert sum(r.enqueued for r in second) == 600
    assert all(count == 1 for count in pipeline.reminders.writes.values())
    assert set(pipeline.reminders.writes) == legacy


def test_a_worker_that_cannot_record_its_minute_fails_so_that_lambda_retries_the_tick() -> None:
    pipeline = Pipeline(shards=1)
    pipeline.user("ana", BEFORE_SPRING)
    pipeline.faults.fail("leases.request", times=1, transient=True)

    with pytest.raises(ShardFailedError) as failure:
        pipeline.worker().run(ShardWork(scheduled_time=BEFORE_SPRING, shard=0, shards=1), owner="a")
    assert failure.value.report.carried_over is True

    # The retry (the same event, a minute later) records the minute and sends it
    [report] = pipeline.tick(BEFORE_SPRING + MINUTE)
    assert report.enqueued == 0  # the next minute alone: the failed minute was never recorded
    retry = pipeline.worker().run(ShardWork(scheduled_time=BEFORE_SPRING, shard=0, shards=1), owner="retry")
    assert retry.enqueued == 1
    assert [o.occurrence for o in pipeline.queue.occurrences()] == [BEFORE_SPRING]


def test_the_same_reminder_kept_in_a_wheel_day_after_day_sees_no_date_drift() -> None:
    # A fortnightly-like cadence (every 4 weeks) read daily for 8 weeks fires on its weeks only
    start = datetime(2027, 5, 3, 7, 0, tzinfo=UTC)  # Monday 09:00 in Madrid (CEST)
    check_in = StoredReminder(
        reminder_id="c",
        kind=ReminderKind.CHECK_IN,
        local_time="09:00",
        days=["mon"],
        timezone="Europe/Madrid",
        enabled=True,
        created_at=start,
        every_weeks=4,
        anchor=date(2027, 5, 3),
        next_fire_at=start,
    )
    fired = []
    for day in range(56):
        minute = start + timedelta(days=day)
        step = read_in_slot(check_in, minute, minute)
        assert step.move_to is None
        if step.send:
            fired.append(step.send)

    assert fired == [start, start + timedelta(weeks=4)]
