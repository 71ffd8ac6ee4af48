"""What a reminder says: lock-screen privacy, no hard-moment content on a schedule, practices that fit
the hour. Pure: `compose_reminder` is the one function the sender calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from selfkind.content.catalog import load_catalog_content
from selfkind.domain.reminder_content import (
    CHECK_IN_BODY,
    DISCREET_BODY,
    DISCREET_TITLE,
    OWN_WORDS_WAITING,
    ComposedReminder,
    OwnAffirmation,
    compose_reminder,
    practice_body,
)
from selfkind.domain.rollups import WeekRollup, practice_counter
from selfkind.models.catalog import SuitableTime
from selfkind.models.language import Language
from selfkind.models.reminders import Engagement, NotificationPreview, ReminderKind

AFFIRMATIONS = {item.id: item for item in load_catalog_content().affirmations}
EXERCISES = {item.id: item for item in load_catalog_content().exercises}
NEW_YORK = ZoneInfo("America/New_York")
MORNING = datetime(2027, 3, 15, 8, 0, tzinfo=NEW_YORK)
OWN_WORDS = "I am allowed to take up space"
OWN = [OwnAffirmation("own-1", OWN_WORDS)]


def _affirmation(
    preview: NotificationPreview, own: list[OwnAffirmation], engagement: Engagement | None = None
) -> ComposedReminder:
    return compose_reminder(
        ReminderKind.AFFIRMATION, own=own, engagement=engagement or Engagement(), preview=preview, local_time=MORNING
    )


def _practice(preview: NotificationPreview, local_time: datetime = MORNING) -> ComposedReminder:
    return compose_reminder(
        ReminderKind.PRACTICE, own=[], engagement=Engagement(), preview=preview, local_time=local_time
    )


def _everything_shown(composed: ComposedReminder) -> str:
    shown = [composed.title(language) + composed.body(language) for language in Language]
    return " ".join(shown) + repr(composed) + str(composed.data)


# --- notification_preview with catalog and own affirmations ---


@pytest.mark.parametrize("preview", list(NotificationPreview))
def test_a_catalog_affirmation_shows_in_full_and_own_hidden_and_never_in_discreet(preview: NotificationPreview) -> None:
    composed = _affirmation(preview, own=[])
    catalog = AFFIRMATIONS[composed.data["affirmation_id"]]

    assert composed.data == {"affirmation_id": catalog.id, "affirmation_source": "catalog"}
    if preview is NotificationPreview.DISCREET:
        assert composed.title(Language.ES) == DISCREET_TITLE[Language.ES]
        assert composed.body(Language.ES) == DISCREET_BODY[Language.ES]
        assert catalog.text.es not in _everything_shown(composed)
    else:
        assert composed.title(Language.EN) == "A kind word for you"
        assert composed.body(Language.ES) == catalog.text.es
        assert composed.body(Language.EN) == catalog.text.en


def test_with_full_preview_the_users_own_words_are_the_body() -> None:
    composed = _affirmation(NotificationPreview.FULL, OWN)

    assert composed.data == {"affirmation_id": "own-1", "affirmation_source": "own"}
    assert composed.body(Language.EN) == OWN_WORDS
    assert composed.body(Language.ES) == OWN_WORDS  # their own words, in every language
    assert OWN_WORDS not in repr(composed) + str(composed.data)


def test_own_hidden_is_the_default_and_shows_a_kind_line_in_place_of_the_users_words() -> None:
    composed = _affirmation(NotificationPreview.OWN_HIDDEN, OWN)

    assert composed.data == {"affirmation_id": "own-1", "affirmation_source": "own"}  # kept in the record
    assert composed.title(Language.EN) == "A kind word for you"
    assert composed.body(Language.EN) == OWN_WORDS_WAITING[Language.EN]
    assert composed.body(Language.ES) == OWN_WORDS_WAITING[Language.ES]
    assert OWN_WORDS not in _everything_shown(composed)


def test_discreet_shows_neither_the_users_words_nor_what_the_reminder_is_about() -> None:
    composed = _affirmation(NotificationPreview.DISCREET, OWN)

    assert composed.data == {"affirmation_id": "own-1", "affirmation_source": "own"}
    for language in Language:
        assert composed.title(language) == DISCREET_TITLE[language]
        assert composed.body(language) == DISCREET_BODY[language]
    assert OWN_WORDS not in _everything_shown(composed)


@pytest.mark.parametrize("preview", [NotificationPreview.FULL, NotificationPreview.OWN_HIDDEN])
def test_a_practice_names_the_exercise_unless_discreet(preview: NotificationPreview) -> None:
    composed = _practice(preview)
    exercise = EXERCISES[composed.data["exercise_id"]]

    assert exercise.title.en in composed.body(Language.EN)
    assert exercise.title.es in composed.body(Language.ES)


def test_a_discreet_practice_reminder_names_no_exercise() -> None:
    composed = _practice(NotificationPreview.DISCREET)
    exercise = EXERCISES[composed.data["exercise_id"]]

    assert composed.body(Language.EN) == DISCREET_BODY[Language.EN]
    assert exercise.title.en not in _everything_shown(composed)


def test_the_practice_body_reads_well_with_a_colon_in_the_title() -> None:
    assert practice_body(EXERCISES["stop-a-mindful-pause"], Language.EN) == (
        "STOP: A Mindful Pause (3 min), whenever suits you."
    )
    for exercise in EXERCISES.values():  # the body adds no colon of its own
        for language in Language:
            body = practice_body(exercise, language)
            assert body.count(":") == exercise.title.in_language(language).count(":")


# --- affirmations for hard moments are never pushed on a schedule ---


def test_no_affirmation_for_hard_moments_in_100_scheduled_pushes() -> None:
    engagement = Engagement()
    chosen = []
    for _ in range(100):
        composed = _affirmation(NotificationPreview.FULL, own=[], engagement=engagement)
        engagement = composed.engagement_after
        chosen.append(AFFIRMATIONS[composed.data["affirmation_id"]])

    assert not any(item.for_hard_moments for item in chosen)
    assert len({item.id for item in chosen}) >= 50  # the rest of the catalog still comes round


def test_hard_moment_affirmations_exist_for_when_a_person_seeks_them() -> None:
    assert sum(item.for_hard_moments for item in AFFIRMATIONS.values()) >= 7


def test_one_minute_sos_practices_are_never_suggested_on_a_schedule() -> None:
    engagement = Engagement()
    for hour in range(0, 24 * 20, 3):
        composed = compose_reminder(
            ReminderKind.PRACTICE,
            own=[],
            engagement=engagement,
            preview=NotificationPreview.FULL,
            local_time=MORNING + timedelta(hours=hour),
        )
        engagement = composed.engagement_after
        assert not EXERCISES[composed.data["exercise_id"]].for_hard_moments


# --- practices that fit the hour, across DST ---


def _suggestions(local_times: list[datetime]) -> list[SuitableTime]:
    engagement = Engagement()
    suited = []
    for local_time in local_times:
        composed = compose_reminder(
            ReminderKind.PRACTICE,
            own=[],
            engagement=engagement,
            preview=NotificationPreview.FULL,
            local_time=local_time,
        )
        engagement = composed.engagement_after
        exercise = EXERCISES[composed.data["exercise_id"]]
        assert exercise.duration_minutes <= 10
        suited.append(exercise.suitable_time)
    return suited


def _days_across_dst(zone: str, first_day: datetime, hour: int) -> list[datetime]:
    # Wall-clock times on consecutive days, as the sender sees them: the occurrence (UTC) in the zone.
    local_days = [(first_day + timedelta(days=n)).replace(hour=hour, tzinfo=ZoneInfo(zone)) for n in range(8)]
    return [day.astimezone(UTC).astimezone(ZoneInfo(zone)) for day in local_days]


@pytest.mark.parametrize(
    ("zone", "first_day"),
    [
        ("America/New_York", datetime(2027, 3, 10)),  # spring forward on 14 March
        ("America/New_York", datetime(2027, 11, 3)),  # fall back on 7 November
        ("Europe/Madrid", datetime(2027, 3, 24)),  # spring forward on 28 March
        ("Europe/Madrid", datetime(2027, 10, 27)),  # fall back on 31 October
    ],
)
def test_0800_suggests_morning_or_any_and_2100_evening_or_any_across_dst(zone: str, first_day: datetime) -> None:
    mornings = _suggestions(_days_across_dst(zone, first_day, 8))
    evenings = _suggestions(_days_across_dst(zone, first_day, 21))

    assert set(mornings) <= {SuitableTime.MORNING, SuitableTime.ANY}
    assert set(evenings) <= {SuitableTime.EVENING, SuitableTime.ANY}
    assert SuitableTime.MORNING in mornings
    assert SuitableTime.EVENING in evenings


def test_the_hour_is_read_in_the_reminders_zone_not_in_utc() -> None:
    # 08:00 in New York is 13:00 UTC: a morning practice is right, an evening one never.
    local_time = datetime(2027, 3, 15, 13, 0, tzinfo=UTC).astimezone(NEW_YORK)
    suited = _suggestions([local_time + timedelta(days=n) for n in range(8)])
    assert SuitableTime.EVENING not in suited
    assert SuitableTime.MORNING in suited


@pytest.mark.parametrize("hour", [12, 14, 16])
def test_between_noon_and_five_only_practices_for_any_time(hour: int) -> None:
    suited = _suggestions([MORNING.replace(hour=hour) + timedelta(days=n) for n in range(8)])
    assert set(suited) == {SuitableTime.ANY}


# --- check-ins and what has helped ---


@pytest.mark.parametrize("preview", list(NotificationPreview))
def test_a_check_in_says_the_same_gentle_line_in_every_mode_and_carries_no_content(
    preview: NotificationPreview,
) -> None:
    composed = compose_reminder(
        ReminderKind.CHECK_IN, own=OWN, engagement=Engagement(), preview=preview, local_time=MORNING
    )

    assert composed.data == {}
    assert OWN_WORDS not in _everything_shown(composed)
    if preview is NotificationPreview.DISCREET:
        assert (composed.title(Language.EN), composed.body(Language.EN)) == (
            DISCREET_TITLE[Language.EN],
            DISCREET_BODY[Language.EN],
        )
    else:
        assert composed.title(Language.EN) == "A moment to check in with yourself"
        assert composed.body(Language.ES) == CHECK_IN_BODY[Language.ES]


def test_a_practice_reminder_offers_what_has_helped_this_person_first_but_not_every_time() -> None:
    helped = "safe-place-visualization"
    sums = WeekRollup(
        {practice_counter(helped, "d0"): 3, practice_counter(helped, "ss"): 6, practice_counter(helped, "sn"): 3}
    )
    afternoon = datetime(2027, 3, 15, 14, 0, tzinfo=NEW_YORK)
    engagement = Engagement()
    picks = []
    for _ in range(9):
        composed = compose_reminder(
            ReminderKind.PRACTICE,
            own=[],
            engagement=engagement,
            preview=NotificationPreview.FULL,
            local_time=afternoon,
            practice_sums=sums,
        )
        picks.append(composed.data["exercise_id"])
        engagement = composed.engagement_after

    assert picks[0] == helped
    assert picks[8] == helped  # back as soon as it is no longer among the last 7 suggested
    assert len(set(picks[:8])) == 8
    assert not any(EXERCISES[pick].for_hard_moments or EXERCISES[pick].duration_minutes > 10 for pick in picks)


def test_without_history_a_practice_reminder_takes_the_next_category_in_turn() -> None:
    first = compose_reminder(
        ReminderKind.PRACTICE, own=[], engagement=Engagement(), preview=NotificationPreview.FULL, local_time=MORNING
    )
    second = compose_reminder(
        ReminderKind.PRACTICE,
        own=[],
        engagement=first.engagement_after,
        preview=NotificationPreview.FULL,
        local_time=MORNING,
    )
    assert EXERCISES[first.data["exercise_id"]].category != EXERCISES[second.data["exercise_id"]].category
