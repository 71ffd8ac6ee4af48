"""Practices suggested for this person now: one ranking, for `GET /v1/suggestions` and practice reminders.

The ranking weighs, in this order of strength:
  - the feeling given: at 1-2, the gentle, soothing practices (the one-minute forms for a hard moment
    among them) come first, and the app is told to show the help entry; at 4-5, practices that build;
  - what has helped this person, from their own notes of feeling before and after (n >= 3);
  - the minutes they have (a longer practice sinks) and the local hour (the reminders' rule);
  - variety: the practice done most recently sinks, one not done in the range rises a little.
A scheduled reminder never offers content for hard moments (`for_hard_moments`): it could land on a calm
day and feel invalidating. Ties keep the catalog's order, so the same situation gets the same answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from selfkind.content.catalog import load_catalog_content
from selfkind.domain.insights import local_weeks, practice_totals, weeks_to_read
from selfkind.domain.ports.progress import RollupReader
from selfkind.domain.rollups import Rollups, WeekRollup, parse_practice_counter
from selfkind.domain.time_of_day import suitable_times_at
from selfkind.models.catalog import Category, ExerciseContent, Technique
from selfkind.models.insights import Suggestion, SuggestionReason, Suggestions
from selfkind.models.language import Language

MAX_SUGGESTIONS = 5
HISTORY_WEEKS = 12  # what "has helped you" and "new to you" look back over
SOOTHING = frozenset(
    {
        Technique.BREATHING,
        Technique.SELF_KINDNESS_MEDITATION,
        Technique.COMPASSIONATE_IMAGERY,
        Technique.SELF_VALIDATION,
        Technique.SELF_CARE,
        Technique.VISUALIZATION,
    }
)
BUILDING = frozenset(
    {
        Technique.GRATITUDE,
        Technique.LOVING_KINDNESS,
        Technique.GOAL_SETTING,
        Technique.BEHAVIORAL_ACTIVATION,
        Technique.AFFIRMATION,
        Technique.COMPASSIONATE_LETTER,
    }
)


@dataclass(frozen=True)
class History:
    """What the person's own rollups say: average feeling shift per practice (n >= 3) and what they did."""

    helped: dict[str, float] = field(default_factory=dict)
    practised: frozenset[str] = frozenset()
    most_recent: frozenset[str] = frozenset()
    next_category: Category | None = None  # a reminder's category in turn: variety when all else is equal


@dataclass(frozen=True)
class Moment:
    local_time: time
    minutes: int | None = None
    feeling: int | None = None
    scheduled: bool = False  # a reminder: never content for hard moments


@dataclass(frozen=True)
class Ranked:
    exercise: ExerciseContent
    score: float
    reasons: tuple[SuggestionReason, ...]


def history_from(rollups: Sequence[WeekRollup]) -> History:
    totals = practice_totals(rollups)
    helped = {
        practice: shift.avg
        for practice, total in totals.items()
        if (shift := total.feeling_shift()) is not None and shift.avg > 0
    }
    return History(
        helped=helped,
        practised=frozenset(practice for practice, total in totals.items() if total.sessions),
        most_recent=_most_recent(rollups),
    )


def history_for_reminder(
    practice_sums: WeekRollup | None, recent: Sequence[str], next_category: Category | None
) -> History:
    """A reminder's history: what helped, from the all-time practice sums; the practices suggested lately
    (the engagement's) sink, as the last practised ones do for a suggestion."""
    helped = history_from([practice_sums]) if practice_sums else History()
    return History(
        helped=helped.helped,
        practised=helped.practised | frozenset(recent),
        most_recent=frozenset(recent),
        next_category=next_category,
    )


def _most_recent(rollups: Sequence[WeekRollup]) -> frozenset[str]:
    """The practices of the last day anything was practised (rollups count by day, oldest week first)."""
    for week in reversed(rollups):
        for weekday in range(6, -1, -1):
            done = {
                parsed[0]
                for name, value in week.counters.items()
                if value and (parsed := parse_practice_counter(name)) and parsed[1] == f"d{weekday}"
            }
            if done:
                return frozenset(done)
    return frozenset()


def rank(exercises: Sequence[ExerciseContent], moment: Moment, history: History) -> list[Ranked]:
    fits_hour = suitable_times_at(moment.local_time)
    hard = moment.feeling is not None and moment.feeling <= 2
    ranked = []
    for exercise in exercises:
        if exercise.for_hard_moments and (moment.scheduled or not hard):
            continue
        score = 0.0
        reasons: list[SuggestionReason] = []
        if hard and (exercise.for_hard_moments or SOOTHING.intersection(exercise.techniques)):
            score += 4 + (1 if exercise.for_hard_moments else 0)
            reasons.append(SuggestionReason.GENTLE_FOR_NOW)
        if (
            moment.feeling is not None
            and moment.feeling >= 4
            and (BUILDING.intersection(exercise.techniques) or exercise.category is Category.INNER_STRENGTH)
        ):
            score += 3
            reasons.append(SuggestionReason.BUILDS_ON_A_GOOD_DAY)
        if exercise.id in history.helped:
            score += 2.5 + history.helped[exercise.id]
            reasons.append(SuggestionReason.HELPED_YOU)
        if moment.minutes is not None:
            if exercise.duration_minutes <= moment.minutes:
                score += 2
                reasons.append(SuggestionReason.FITS_MINUTES)
            else:
                score -= 6
        if exercise.suitable_time in fits_hour:
            score += 1.5
            reasons.append(SuggestionReason.FITS_TIME)
        if exercise.category is history.next_category:
            score += 1
        if exercise.id in history.most_recent:
            score -= 5
        elif exercise.id not in history.practised:
            score += 0.5
            reasons.append(SuggestionReason.NEW_TO_YOU)
        ranked.append(Ranked(exercise, score, tuple(reasons)))
    return sorted(ranked, key=lambda item: -item.score)  # stable: ties keep the catalog's order


def suggest(
    reader: RollupReader,
    user_id: str,
    now: datetime,
    language: Language,
    feeling: int | None = None,
    minutes: int | None = None,
) -> Suggestions:
    timezone, rollups = reader.read(user_id, weeks_to_read(now, HISTORY_WEEKS))
    return suggestions_from(rollups, timezone, now, language, feeling, minutes)


def suggestions_from(
    rollups: Rollups, timezone: str, now: datetime, language: Language, feeling: int | None, minutes: int | None
) -> Suggestions:
    in_range = [rollups.get(start, WeekRollup()) for start in local_weeks(now, timezone, HISTORY_WEEKS)]
    moment = Moment(now.astimezone(ZoneInfo(timezone)).time(), minutes=minutes, feeling=feeling)
    ranked = rank(load_catalog_content().exercises, moment, history_from(in_range))
    return Suggestions(
        items=[
            Suggestion(
                exercise_id=item.exercise.id,
                title=item.exercise.title.in_language(language),
                duration_minutes=item.exercise.duration_minutes,
                reasons=list(item.reasons),
            )
            for item in ranked[:MAX_SUGGESTIONS]
        ],
        support=feeling is not None and feeling <= 2,
    )
