"""Insights without streaks: a person's weeks, their practices and check-ins, read from the rollups.

Never a streak, a count of missed days or a comparison with anyone else: what was practised and how it
felt, in the person's own words (their notes of feeling before and after), with honest caveats.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from selfkind.domain.instruments import score_scs_sf
from selfkind.domain.ports.progress import RollupReader
from selfkind.domain.rollups import ENTRIES, MOOD_N, MOOD_SUM, Rollups, WeekRollup, parse_practice_counter
from selfkind.models.insights import (
    MIN_SESSIONS_TO_SAY,
    Average,
    CheckInScore,
    HelpedMost,
    Insights,
    PracticeInsight,
    WeekInsight,
)
from selfkind.models.language import Language

HELPED_MOST_COUNT = 3
CAVEAT = {
    Language.EN: (
        "This comes from your own notes of how you felt before and after each practice. It may show what "
        "seems to help you; it is not proof, and what helps can change."
    ),
    Language.ES: (
        "Esto sale de tus propias notas sobre cómo te sentías antes y después de cada práctica. Puede mostrar "
        "lo que parece ayudarte; no es una prueba, y lo que ayuda puede cambiar."
    ),
}


@dataclass
class PracticeTotals:
    sessions: int = 0
    milliseconds: int = 0
    shift_sum: int = 0
    shift_n: int = 0
    days: set[int] = field(default_factory=set)

    def feeling_shift(self) -> Average | None:
        if self.shift_n < MIN_SESSIONS_TO_SAY:
            return None  # too few to say
        return Average(avg=round(self.shift_sum / self.shift_n, 2), n=self.shift_n)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_to_read(now: datetime, weeks: int) -> list[date]:
    """The weeks that may be the last `weeks` local weeks in any zone: a local date is at most a day
    from the UTC date, so one more week on each side covers every zone, and one read suffices."""
    current = monday(now.date())
    return [current + timedelta(weeks=offset) for offset in range(-weeks, 2)]


def local_weeks(now: datetime, timezone: str, weeks: int) -> list[date]:
    """The last `weeks` Monday-based weeks in the zone, oldest first, the current one last."""
    current = monday(now.astimezone(ZoneInfo(timezone)).date())
    return [current - timedelta(weeks=weeks - 1 - offset) for offset in range(weeks)]


def practice_totals(rollups: Sequence[WeekRollup]) -> dict[str, PracticeTotals]:
    totals: dict[str, PracticeTotals] = {}
    for week in rollups:
        for name, value in week.counters.items():
            parsed = parse_practice_counter(name)
            if parsed is None or not value:
                continue
            practice, counter = parsed
            total = totals.setdefault(practice, PracticeTotals())
            if counter.startswith("d"):
                total.sessions += value
                total.days.add(int(counter[1:]))
            elif counter == "ms":
                total.milliseconds += value
            elif counter == "ss":
                total.shift_sum += value
            elif counter == "sn":
                total.shift_n += value
    return totals


def _minutes(milliseconds: int) -> int:
    return (milliseconds + 30_000) // 60_000  # rounded half up


def _week(start: date, rollup: WeekRollup) -> WeekInsight:
    practices = practice_totals([rollup]).values()
    mood_n = rollup.counters.get(MOOD_N, 0)
    return WeekInsight(
        week_start=start,
        days_practised=len(set().union(*(total.days for total in practices))),
        sessions=sum(total.sessions for total in practices),
        minutes=_minutes(sum(total.milliseconds for total in practices)),
        entries=rollup.counters.get(ENTRIES, 0),
        mood=Average(avg=round(rollup.counters.get(MOOD_SUM, 0) / mood_n, 2), n=mood_n) if mood_n else None,
    )


def _check_ins(rollups: Sequence[WeekRollup]) -> list[CheckInScore]:
    points = []
    for week in rollups:
        for value in week.check_ins.values():
            taken_at, answers = value.split(":", 1)
            points.append(CheckInScore(taken_at=int(taken_at), score=round(score_scs_sf(answers), 2)))
    return sorted(points, key=lambda point: point.taken_at)


def helped_most(totals: dict[str, PracticeTotals], language: Language) -> HelpedMost:
    """Up to 3 practices whose noted feeling rose most on average, among those noted at least 3 times."""
    ranked = sorted(
        (
            (shift.avg, practice)
            for practice, total in totals.items()
            if (shift := total.feeling_shift()) is not None and shift.avg > 0
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )
    return HelpedMost(exercise_ids=[practice for _, practice in ranked[:HELPED_MOST_COUNT]], caveat=CAVEAT[language])


def insights_from(rollups: Rollups, timezone: str, now: datetime, weeks: int, language: Language) -> Insights:
    starts = local_weeks(now, timezone, weeks)
    in_range = [rollups.get(start, WeekRollup()) for start in starts]
    totals = practice_totals(in_range)
    check_ins = _check_ins(in_range)
    return Insights(
        timezone=timezone,
        weeks=[_week(start, rollup) for start, rollup in zip(starts, in_range, strict=True)],
        practices=[
            PracticeInsight(
                exercise_id=practice,
                sessions=total.sessions,
                minutes=_minutes(total.milliseconds),
                feeling_shift=total.feeling_shift(),
            )
            for practice, total in sorted(totals.items(), key=lambda pair: (-pair[1].sessions, pair[0]))
            if total.sessions
        ],
        check_ins=check_ins,
        change_since_first=round(check_ins[-1].score - check_ins[0].score, 2) if len(check_ins) >= 2 else None,
        helped_most=helped_most(totals, language),
    )


def get_insights(reader: RollupReader, user_id: str, weeks: int, now: datetime, language: Language) -> Insights:
    """One read of the rollups, whatever the length of the person's history."""
    timezone, rollups = reader.read(user_id, weeks_to_read(now, weeks))
    return insights_from(rollups, timezone, now, weeks, language)
