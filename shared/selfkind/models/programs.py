"""Programs: ordered paths through the exercises, a day at a time, each step with a short note."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from selfkind.models.catalog import LocalizedText, Slug


class ProgramStepContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exercise_id: Slug
    note: LocalizedText


class ProgramDayContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    day: Annotated[int, Field(ge=1, le=60)]
    minutes: Annotated[int, Field(ge=1, le=60)] = Field(description="What the day asks, at most.")
    steps: Annotated[tuple[ProgramStepContent, ...], Field(min_length=1, max_length=4)]


class ProgramContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: LocalizedText
    summary: LocalizedText
    days: Annotated[tuple[ProgramDayContent, ...], Field(min_length=1, max_length=60)]

    @model_validator(mode="after")
    def _days_in_order(self) -> Self:
        if [day.day for day in self.days] != list(range(1, len(self.days) + 1)):
            raise ValueError("days are numbered 1, 2, 3… in order")
        return self


class ProgramStep(BaseModel):
    exercise_id: str
    exercise_title: str
    duration_minutes: int
    note: str


class ProgramDay(BaseModel):
    day: int
    minutes: int
    steps: list[ProgramStep]


class ProgramSummary(BaseModel):
    id: str
    title: str
    summary: str
    days: int
    minutes_per_day: int = Field(description="The longest day, in minutes.")


class Program(BaseModel):
    id: str
    title: str
    summary: str
    days: list[ProgramDay]


class ProgramList(BaseModel):
    items: list[ProgramSummary]
