"""Insights and suggestions over the rollups, against the in-memory sync store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from selfkind.domain import insights, suggestions
from selfkind.domain.insights import weeks_to_read
from selfkind.models.insights import SuggestionReason
from selfkind.models.language import Language
from tests.sync_fakes import FakeSyncStore
from tests.unit.test_rollups import check_in, entry, push, session

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # a Thursday; the week began on Monday 30 November


def ms(day: date, hour: int = 10) -> int:
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=UTC).timestamp() * 1000)


THIS_MONDAY = date(2026, 11, 30)
LAST_MONDAY = THIS_MONDAY - timedelta(weeks=1)


def three_weeks(store: FakeSyncStore) -> None:
    sessions = [
        session("s1", "box-breathing", ms(LAST_MONDAY), 240, 2, 4),
        session("s2", "box-breathing", ms(LAST_MONDAY), 300, 2, 3),
        session("s3", "box-breathing", ms(LAST_MONDAY + timedelta(days=2)), 200, 3, 4),
        session("s4", "three-good-things", ms(THIS_MONDAY), 300, 3, 3),
        session("s5", "three-good-things", ms(THIS_MONDAY + timedelta(days=1)), 330, None, 4),
    ]
    entries = [
        entry("e1", ms(LAST_MONDAY - timedelta(days=3)), 2),
        entry("e2", ms(THIS_MONDAY), 4),
        entry("e3", ms(THIS_MONDAY), None),
    ]
    check_ins = [
        check_in("c1", ms(LAST_MONDAY - timedelta(days=5)), "333333333333"),
        check_in("c2", ms(THIS_MONDAY), "155155511511"),
    ]
    push(
        store,
        "ana",
        {
            "practice_sessions": {"created": sessions},
            "journal_entries": {"created": entries},
            "check_ins": {"created": check_ins},
        },
    )


def test_three_weeks_of_practice_give_weeks_practices_check_ins_and_what_helped() -> None:
    store = FakeSyncStore()
    three_weeks(store)

    found = insights.get_insights(store, "ana", 3, NOW, Language.EN)

    assert [week.week_start for week in found.weeks] == [THIS_MONDAY - timedelta(weeks=2), LAST_MONDAY, THIS_MONDAY]
    oldest, last, this = found.weeks
    assert (oldest.sessions, oldest.days_practised, oldest.entries, oldest.mood) == (0, 0, 1, oldest.mood)
    assert oldest.mood is not None
    assert (oldest.mood.avg, oldest.mood.n) == (2.0, 1)
    assert (last.sessions, last.days_practised, last.minutes, last.entries, last.mood) == (3, 2, 12, 0, None)
    assert (this.sessions, this.days_practised, this.minutes, this.entries) == (2, 2, 11, 2)
    assert this.mood is not None
    assert (this.mood.avg, this.mood.n) == (4.0, 1)

    by_id = {practice.exercise_id: practice for practice in found.practices}
    breathing = by_id["box-breathing"].feeling_shift
    assert breathing is not None
    assert (breathing.avg, breathing.n) == (1.33, 3)
    assert by_id["three-good-things"].feeling_shift is None  # one session with both feelings: too few to say
    assert found.helped_most.exercise_ids == ["box-breathing"]
    assert "not proof" in found.helped_most.caveat

    # "155155511511": 1 on each reverse-keyed item (1, 4, 8, 9, 11, 12) and 5 on the others scores 5.
    assert [point.score for point in found.check_ins] == [3.0, 5.0]
    assert found.change_since_first == 2.0


def test_an_update_and_a_delete_change_the_insights() -> None:
    store = FakeSyncStore()
    three_weeks(store)
    push(
        store,
        "ana",
        {
            "practice_sessions": {"updated": [session("s4", "three-good-things", ms(THIS_MONDAY), 900, 1, 5)]},
            "check_ins": {"deleted": ["c1"]},
        },
    )

    found = insights.get_insights(store, "ana", 3, NOW, Language.ES)

    assert found.weeks[-1].minutes == 21
    assert found.check_ins[0].taken_at == ms(THIS_MONDAY)
    assert found.change_since_first is None
    assert found.helped_most.caveat.startswith("Esto sale de tus propias notas")


def test_weeks_are_counted_in_the_users_zone() -> None:
    store = FakeSyncStore(timezone="Pacific/Kiritimati")  # UTC+14: already Friday there
    friday_there = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert insights.get_insights(store, "ana", 1, friday_there, Language.EN).weeks[0].week_start == THIS_MONDAY
    monday_there = datetime(2026, 12, 6, 11, 0, tzinfo=UTC)  # Sunday in UTC, Monday in Kiritimati
    assert insights.get_insights(store, "ana", 1, monday_there, Language.EN).weeks[0].week_start == date(2026, 12, 7)


def test_one_read_covers_the_weeks_of_every_zone() -> None:
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"):
        for hour in range(0, 24 * 7, 5):
            now = NOW + timedelta(hours=hour)
            assert set(insights.local_weeks(now, zone, 12)) <= set(weeks_to_read(now, 12))


def test_an_empty_history_has_empty_weeks_and_nothing_to_say() -> None:
    found = insights.get_insights(FakeSyncStore(), "ben", 12, NOW, Language.EN)

    assert len(found.weeks) == 12
    assert all(week.sessions == 0 and week.mood is None for week in found.weeks)
    assert found.practices == []
    assert found.check_ins == []
    assert found.helped_most.exercise_ids == []


def test_insights_never_speak_of_streaks_or_missed_days() -> None:
    store = FakeSyncStore()
    three_weeks(store)
    text = insights.get_insights(store, "ana", 12, NOW, Language.EN).model_dump_json().lower()
    assert "streak" not in text
    assert "missed" not in text


# --- suggestions --------------------------------------------------------------------------------


def test_a_hard_moment_gets_gentle_practices_first_and_the_help_entry() -> None:
    found = suggestions.suggest(FakeSyncStore(), "ana", NOW, Language.EN, feeling=1, minutes=5)

    assert found.support is True
    assert found.items[0].exercise_id.startswith("sos-")
    assert all(SuggestionReason.GENTLE_FOR_NOW in item.reasons for item in found.items)
    assert all(item.duration_minutes <= 5 for item in found.items)


def test_a_good_day_gets_practices_that_build_and_no_hard_moment_content() -> None:
    found = suggestions.suggest(FakeSyncStore(), "ana", NOW, Language.ES, feeling=5, minutes=15)

    assert found.support is False
    assert all(SuggestionReason.BUILDS_ON_A_GOOD_DAY in item.reasons for item in found.items[:3])
    assert not any(item.exercise_id.startswith("sos-") for item in found.items)
    assert len(found.items) == 5


def test_what_helped_rises_and_the_most_recent_practice_steps_aside() -> None:
    store = FakeSyncStore()
    helped = [session(f"h{i}", "safe-place-visualization", ms(LAST_MONDAY), 600, 2, 4) for i in range(3)]
    recent = session("r1", "box-breathing", ms(THIS_MONDAY + timedelta(days=2)), 240, 3, 3)
    push(store, "ana", {"practice_sessions": {"created": [*helped, recent]}})

    found = suggestions.suggest(store, "ana", NOW, Language.EN, minutes=10)

    ids = [item.exercise_id for item in found.items]
    assert ids[0] == "safe-place-visualization"
    assert SuggestionReason.HELPED_YOU in found.items[0].reasons
    assert "box-breathing" not in ids
    assert any(SuggestionReason.NEW_TO_YOU in item.reasons for item in found.items)
