"""Journaling prompts: the content schema (both languages side by side) and the API's view (one language)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from selfkind.models.catalog import LocalizedText, Slug, Technique


class PromptTheme(StrEnum):
    """What a prompt invites the person to write about: the journaling the app's practice draws on."""

    SELF_KINDNESS_LETTER = "self_kindness_letter"  # a letter to yourself as to a dear friend
    GRATITUDE = "gratitude"
    STRENGTHS = "strengths"
    RESILIENCE = "resilience"  # moments you got through
    RECURRING_THOUGHTS = "recurring_thoughts"
    TRIGGERS = "triggers"  # what stirs strong feelings, and what helps after
    BELIEF_ORIGINS = "belief_origins"  # where a belief about yourself came from
    COMMON_HUMANITY = "common_humanity"
    BOUNDARIES = "boundaries"  # a kind limit


class PromptContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    text: LocalizedText
    technique: Technique
    theme: PromptTheme
    # Short and gentle, for a person in a hard moment who seeks it; never pushed on a schedule.
    for_hard_moments: bool


class Prompt(BaseModel):
    id: str
    text: str
    technique: Technique
    theme: PromptTheme
    for_hard_moments: bool = Field(description="Short and gentle, for a hard moment; never sent by a reminder.")


class PromptList(BaseModel):
    items: list[Prompt]


class PromptFilter(BaseModel):
    """Filters of GET /v1/prompts, combined with AND; None means no filter."""

    model_config = ConfigDict(frozen=True)

    technique: Technique | None = None
    theme: PromptTheme | None = None
    for_hard_moments: bool | None = None
