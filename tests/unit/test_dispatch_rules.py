"""The pure rules of dispatch: the 15-minute window, pacing, and what a reminder says."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from selfkind.domain.occurrence import DueOccurrence
from selfkind.domain.old_due_index import plan
from selfkind.domain.pacing import pacing_for
from selfkind.domain.reminder_content import OwnAffirmation, choose_affirmation, choose_exercise, remember_affirmation
from selfkind.models.language import Language
from selfkind.models.reminders import Engagement, Pacing, ReminderKind, Settings, StoredReminder

EIGHT_AM_NEW_YORK = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)


def _reminder(next_fire_at: datetime) -> StoredReminder:
    return StoredReminder(
        reminder_id="r",
        kind=ReminderKind.AFFIRMATION,
        local_time="08:00",
        days=["mon", "wed"],
        timezone="America/New_York",
        enabled=True,
        created_at=next_fire_at,
        next_fire_at=next_fire_at,
    )


@pytest.mark.parametrize(
    ("tick_after", "sent"),
    [(timedelta(0), True), (timedelta(minutes=14, seconds=59), True), (timedelta(minutes=15), False)],
)
def test_an_occurrence_is_sent_only_within_15_minutes(tick_after: timedelta, sent: bool) -> None:
    step = plan(_reminder(EIGHT_AM_NEW_YORK), EIGHT_AM_NEW_YORK + tick_after)

    assert (step.send == EIGHT_AM_NEW_YORK) is sent
    assert step.following == EIGHT_AM_NEW_YORK + timedelta(days=2)  # Monday, then Wednesday


def test_a_reminder_not_yet_due_stays_put() -> None:
    step = plan(_reminder(EIGHT_AM_NEW_YORK), EIGHT_AM_NEW_YORK - timedelta(minutes=1))

    assert step.send is None
    assert step.following == EIGHT_AM_NEW_YORK


def test_after_a_long_outage_only_an_occurrence_inside_the_window_is_sent() -> None:
    step = plan(_reminder(EIGHT_AM_NEW_YORK - timedelta(days=40)), EIGHT_AM_NEW_YORK + timedelta(minutes=5))

    assert step.send == EIGHT_AM_NEW_YORK


def test_copies_of_an_occurrence_share_one_notification_id_however_the_time_is_written() -> None:
    utc = DueOccurrence(user_id="u", reminder_id="r", occurrence=EIGHT_AM_NEW_YORK)
    local = DueOccurrence.model_validate_json(
        '{"user_id": "u", "reminder_id": "r", "occurrence": "2027-03-15T08:00:00-04:00"}'
    )

    assert utc.notification_id == local.notification_id
    assert (
        utc.notification_id != DueOccurrence(user_id="v", reminder_id="r", occurrence=EIGHT_AM_NEW_YORK).notification_id
    )


@pytest.mark.parametrize(
    ("streak", "gentle", "pacing"),
    [
        (0, True, Pacing.NORMAL),
        (2, True, Pacing.NORMAL),
        (3, True, Pacing.EVERY_OTHER_DAY),
        (6, True, Pacing.EVERY_OTHER_DAY),
        (7, True, Pacing.WEEKLY),
        (30, False, Pacing.NORMAL),
    ],
)
def test_pacing_follows_unopened_notifications(streak: int, gentle: bool, pacing: Pacing) -> None:
    assert pacing_for(Settings(gentle_pacing=gentle), Engagement(unopened_streak=streak)) is pacing


def test_own_affirmations_alternate_with_catalog_ones_without_repeats() -> None:
    own = [OwnAffirmation(f"own{n}", f"words {n}") for n in range(4)]
    engagement = Engagement()
    picks = []
    for _ in range(14):
        choice = choose_affirmation(own, engagement)
        engagement = remember_affirmation(engagement, choice)
        picks.append(choice)

    assert sum(p.source == "own" for p in picks) >= sum(p.source == "catalog" for p in picks)
    ids = [p.affirmation_id for p in picks]
    assert all(len(set(ids[i : i + 7])) == len(ids[i : i + 7]) for i in range(len(ids)))
    assert picks[0].text(Language.ES) == "words 0"  # the user's own words are the same in every language


def test_a_practice_is_short_and_from_the_next_category() -> None:
    first = choose_exercise(Engagement(), time(14, 0))
    second = choose_exercise(Engagement(last_category=first.category.value, recent_exercises=[first.id]), time(14, 0))

    assert first.duration_minutes <= 10
    assert second.duration_minutes <= 10
    assert second.category != first.category
