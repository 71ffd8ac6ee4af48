"""What a person's practice gives back: insights over their weeks, and practices suggested for now."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

MAX_WEEKS = 52
DEFAULT_WEEKS = 12
MIN_SESSIONS_TO_SAY = 3  # fewer sessions with both feelings noted than this: too few to say


class Average(BaseModel):
    avg: float = Field(description="Rounded to 2 decimals.")
    n: int = Field(description="How many notes it averages.")


class WeekInsight(BaseModel):
    week_start: date = Field(description="The Monday of the week, in the user's time zone.")
    days_practised: int
    sessions: int
    minutes: int = Field(description="The sessions' duration_s summed, divided by 60 and rounded.")
    entries: int = Field(description="Journal entries written that week.")
    mood: Average | None = Field(description="Over the week's journal entries that note a mood; null if none.")


class PracticeInsight(BaseModel):
    exercise_id: str = Field(description="A catalog exercise id, or `other` for practices outside the catalog.")
    sessions: int
    minutes: int
    feeling_shift: Average | None = Field(
        description="Average of feeling_after - feeling_before where both are noted; null while n < 3."
    )


class CheckInScore(BaseModel):
    taken_at: int = Field(description="Milliseconds since the epoch, as the check-in record holds it.")
    score: float = Field(description="The SCS-SF total score (the mean, 1-5), to 2 decimals.")


class HelpedMost(BaseModel):
    exercise_ids: list[str] = Field(description="Up to 3, the highest average feeling shift among n >= 3.")
    caveat: str


class Insights(BaseModel):
    timezone: str = Field(description="The zone days are counted in.")
    weeks: list[WeekInsight] = Field(description="Oldest first, empty weeks included.")
    practices: list[PracticeInsight]
    check_ins: list[CheckInScore] = Field(description="In the range, oldest first.")
    change_since_first: float | None = Field(
        description="The last check-in's score minus the first's in the range; null with fewer than two."
    )
    helped_most: HelpedMost


class SuggestionReason(StrEnum):
    FITS_TIME = "fits_time"
    FITS_MINUTES = "fits_minutes"
    GENTLE_FOR_NOW = "gentle_for_now"
    BUILDS_ON_A_GOOD_DAY = "builds_on_a_good_day"
    HELPED_YOU = "helped_you"
    NEW_TO_YOU = "new_to_you"


class Suggestion(BaseModel):
    exercise_id: str
    title: str
    duration_minutes: int
    reasons: list[SuggestionReason]


class Suggestions(BaseModel):
    items: list[Suggestion] = Field(description="Up to 5, best first.")
    support: bool = Field(description="True when the feeling given is 1 or 2: the app shows the help entry.")
