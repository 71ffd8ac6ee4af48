"""The exercise catalog: the content schema (both languages) and the API's view (one language)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from selfkind.models.language import Language

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=80)]


class InLanguage(BaseModel):
    """A view that states the language of its text, which can differ from the language negotiated (a
    validated instrument is served only in the languages it was validated in). Content-Language says this
    language, not the one asked for."""

    language: Language = Field(description="The language of the text; Content-Language says the same.")


class Category(StrEnum):
    SELF_AWARENESS = "self_awareness"
    EMOTIONAL_REGULATION = "emotional_regulation"
    COPING = "coping"
    INNER_STRENGTH = "inner_strength"


class Technique(StrEnum):
    MINDFULNESS = "mindfulness"
    SELF_KINDNESS_MEDITATION = "self_kindness_meditation"
    LOVING_KINDNESS = "loving_kindness"
    RAIN = "rain"
    BREATHING = "breathing"
    PROGRESSIVE_MUSCLE_RELAXATION = "progressive_muscle_relaxation"
    BODY_SCAN = "body_scan"
    VISUALIZATION = "visualization"
    COMPASSIONATE_IMAGERY = "compassionate_imagery"
    JOURNALING = "journaling"
    COMPASSIONATE_LETTER = "compassionate_letter"
    COGNITIVE_REFRAMING = "cognitive_reframing"
    AFFIRMATION = "affirmation"
    GRATITUDE = "gratitude"
    GOAL_SETTING = "goal_setting"
    BOUNDARY_SETTING = "boundary_setting"
    SELF_CARE = "self_care"
    PARTS_WORK = "parts_work"
    COMMON_HUMANITY = "common_humanity"
    BELIEF_EXPLORATION = "belief_exploration"
    PAUSE_AND_REFLECT = "pause_and_reflect"
    BEHAVIORAL_ACTIVATION = "behavioral_activation"
    PROBLEM_SOLVING = "problem_solving"
    SELF_VALIDATION = "self_validation"


class Approach(StrEnum):
    MSC = "MSC"  # Mindful Self-Compassion
    CFT = "CFT"  # Compassion-Focused Therapy
    MBSR = "MBSR"  # Mindfulness-Based Stress Reduction
    IFS = "IFS"  # Internal Family Systems
    CBT = "CBT"  # Cognitive Behavioural Therapy
    MBCT = "MBCT"  # Mindfulness-Based Cognitive Therapy
    POSITIVE_PSYCHOLOGY = "positive_psychology"
    CONTEMPLATIVE = "contemplative"  # general contemplative or paced-breathing practice, from no one therapy


class SuitableTime(StrEnum):
    MORNING = "morning"
    EVENING = "evening"
    ANY = "any"


class Theme(StrEnum):
    SELF_KINDNESS = "self_kindness"
    COMMON_HUMANITY = "common_humanity"
    MINDFULNESS = "mindfulness"
    SELF_WORTH = "self_worth"
    REST = "rest"
    GROWTH = "growth"
    BOUNDARIES = "boundaries"
    GRATITUDE = "gratitude"
    DIFFICULT_MOMENTS = "difficult_moments"
    BODY = "body"


# --- The content files (both languages side by side, so they cannot drift apart) ---

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class LocalizedText(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    en: _Text
    es: _Text

    def in_language(self, language: Language) -> str:
        return self.es if language is Language.ES else self.en


class StepContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: LocalizedText
    seconds: Annotated[int, Field(ge=1, le=3600)] | None


class ExerciseContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: LocalizedText
    summary: LocalizedText
    category: Category
    techniques: Annotated[tuple[Technique, ...], Field(min_length=1, max_length=4)]
    approaches: Annotated[tuple[Approach, ...], Field(min_length=1, max_length=5)]
    duration_minutes: Annotated[int, Field(ge=1, le=60)]
    suitable_time: SuitableTime
    # A one-minute "SOS" form for a hard moment: offered when sought, never suggested on a schedule.
    for_hard_moments: bool = False
    steps: Annotated[tuple[StepContent, ...], Field(min_length=1, max_length=15)]
    journal_prompts: tuple[LocalizedText, ...]
    benefits: Annotated[tuple[LocalizedText, ...], Field(min_length=1)]
    cautions: LocalizedText | None


class AffirmationContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    text: LocalizedText
    themes: Annotated[tuple[Theme, ...], Field(min_length=1, max_length=3)]
    # Presumes present distress ("This is a moment of struggle…"): there for a person who seeks it,
    # never pushed on a schedule, where it can land on a calm day and feel invalidating.
    for_hard_moments: bool


class CatalogContent(BaseModel):
    model_config = ConfigDict(frozen=True)

    exercises: tuple[ExerciseContent, ...]
    affirmations: tuple[AffirmationContent, ...]


# --- The API's view: one language, as the client reads it ---


class Step(BaseModel):
    text: str
    seconds: int | None = Field(description="Suggested length of the step; null when open-ended.")


class Exercise(BaseModel):
    id: str
    title: str
    summary: str
    category: Category
    techniques: list[Technique]
    approaches: list[Approach]
    duration_minutes: int
    steps: list[Step]
    journal_prompts: list[str]
    benefits: list[str]
    cautions: str | None = Field(description="A gentle note where the practice can stir difficult feelings.")
    suitable_time: SuitableTime
    for_hard_moments: bool = Field(description="A short form for a hard moment; never suggested by a reminder.")


class Affirmation(BaseModel):
    id: str
    text: str
    themes: list[Theme]
    for_hard_moments: bool = Field(description="Written for a hard moment; never sent as a scheduled reminder.")


class ExerciseList(BaseModel):
    items: list[Exercise]


class AffirmationList(BaseModel):
    items: list[Affirmation]


class ExerciseFilter(BaseModel):
    """Filters of GET /v1/exercises, combined with AND; None means no filter."""

    model_config = ConfigDict(frozen=True)

    category: Category | None = None
    technique: Technique | None = None
    approach: Approach | None = None
    max_minutes: int | None = None
