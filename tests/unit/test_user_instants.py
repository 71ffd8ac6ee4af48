"""User-supplied instants the reminder pipeline reads (today `paused_until`): accepted only from now minus
one day to now plus 365 days, stored in UTC; what was stored out of that range before is read by one
documented rule, never a crash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from selfkind.domain.reminders import INSTANT_LATEST_AHEAD, get_settings, pause_ends_at, put_settings, user_instant
from selfkind.models.exceptions import InvalidInputError
from selfkind.models.reminders import Settings
from tests.fakes import FakeProfiles, Faults

NOW = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
PLUS_14 = timezone(timedelta(hours=14))
MINUS_14 = timezone(timedelta(hours=-14))
YEAR_ONE = datetime(1, 1, 1, tzinfo=PLUS_14)  # before 0001-01-01 in UTC: cannot be converted
YEAR_9999 = datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_14)  # after 9999-12-31 in UTC: cannot be converted


@pytest.mark.parametrize(
    "value",
    [
        NOW - timedelta(days=1),
        NOW,
        NOW + timedelta(days=365),
        datetime(2027, 3, 16, 2, 0, tzinfo=PLUS_14),  # 12:00 UTC on the 15th
    ],
)
def test_an_instant_within_the_range_is_taken_in_utc(value: datetime) -> None:
    instant = user_instant(value, NOW, field="paused_until")

    assert instant == value
    assert instant.utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    "value",
    [
        YEAR_ONE,
        YEAR_9999,
        NOW - timedelta(days=1, seconds=1),
        NOW + timedelta(days=365, seconds=1),
        datetime(1970, 1, 1, tzinfo=UTC),
    ],
)
def test_an_instant_outside_the_range_is_refused_naming_its_field(value: datetime) -> None:
    with pytest.raises(InvalidInputError) as refused:
        user_instant(value, NOW, field="paused_until")

    [issue] = refused.value.issues
    assert (issue.location, issue.field) == ("body", "paused_until")
    assert str(value.year) not in issue.message  # the value is never repeated


def test_settings_are_saved_with_paused_until_in_utc_and_refused_out_of_range() -> None:
    profiles = FakeProfiles(Faults())
    saved = put_settings(profiles, "ana", Settings(paused_until=datetime(2027, 3, 20, 8, tzinfo=PLUS_14)), NOW)

    assert saved.paused_until == datetime(2027, 3, 19, 18, tzinfo=UTC)
    assert saved.paused_until is not None
    assert saved.paused_until.utcoffset() == timedelta(0)
    assert profiles.get_settings("ana") == saved
    with pytest.raises(InvalidInputError):
        put_settings(profiles, "ana", Settings(paused_until=YEAR_ONE), NOW)
    assert profiles.get_settings("ana") == saved  # nothing written


# --- what was stored before the range was enforced ---


@pytest.mark.parametrize(
    ("stored", "ends"),
    [
        (None, None),
        (YEAR_ONE, None),  # a pause that ended long ago: not paused
        (datetime(1970, 1, 1, tzinfo=UTC), None),
        (NOW - timedelta(days=2), None),
        (NOW - timedelta(hours=2), NOW - timedelta(hours=2)),  # ended, as it says
        (NOW + timedelta(days=3), NOW + timedelta(days=3)),
        (NOW + timedelta(days=4000), NOW + INSTANT_LATEST_AHEAD),  # far ahead: paused, up to a year from now
        (YEAR_9999, NOW + INSTANT_LATEST_AHEAD),
    ],
)
def test_a_stored_pause_is_read_by_the_documented_rule(stored: datetime | None, ends: datetime | None) -> None:
    assert pause_ends_at(stored, NOW) == ends


def test_settings_stored_out_of_range_read_back_as_they_act_so_they_can_be_saved_again() -> None:
    profiles = FakeProfiles(Faults())
    profiles.settings["ana"] = Settings(paused_until=YEAR_9999, max_per_day=5)

    read = get_settings(profiles, "ana", NOW)

    assert read.paused_until == NOW + INSTANT_LATEST_AHEAD
    assert put_settings(profiles, "ana", read.model_copy(update={"max_per_day": 4}), NOW).max_per_day == 4
