"""The care content: support lines, guides and programs (the latter two checked against the catalog)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from functools import cache

from pydantic import TypeAdapter

from selfkind.content import FOLDER
from selfkind.content.catalog import load_catalog_content
from selfkind.models.guides import GuideContent
from selfkind.models.programs import ProgramContent
from selfkind.models.support import SupportContent

SUPPORT_FILE = "support.json"
GUIDES_FILE = "guides.json"
PROGRAMS_FILE = "programs.json"

GuideContentList = TypeAdapter(tuple[GuideContent, ...])
ProgramContentList = TypeAdapter(tuple[ProgramContent, ...])


@cache
def load_support_content() -> SupportContent:
    return SupportContent.model_validate_json((FOLDER / SUPPORT_FILE).read_bytes())


@cache
def load_guides() -> tuple[GuideContent, ...]:
    guides = GuideContentList.validate_json((FOLDER / GUIDES_FILE).read_bytes())
    check_guides(guides, {exercise.id for exercise in load_catalog_content().exercises})
    return guides


@cache
def load_programs() -> tuple[ProgramContent, ...]:
    """Programs refer to exercises by id, so they are checked against the catalog as they load."""
    programs = ProgramContentList.validate_json((FOLDER / PROGRAMS_FILE).read_bytes())
    check_programs(programs, {exercise.id: exercise.duration_minutes for exercise in load_catalog_content().exercises})
    return programs


def check_guides(guides: Iterable[GuideContent], exercise_ids: Collection[str]) -> None:
    unknown = sorted({ref for guide in guides for ref in guide.related_exercises} - set(exercise_ids))
    if unknown:
        raise ValueError(f"guides name exercises that do not exist: {unknown}")


def check_programs(programs: Iterable[ProgramContent], durations: Mapping[str, int]) -> None:
    """Every step is an exercise of the catalog, and each day's exercises fit the minutes it states."""
    for program in programs:
        for day in program.days:
            unknown = [step.exercise_id for step in day.steps if step.exercise_id not in durations]
            if unknown:
                raise ValueError(f"{program.id} day {day.day} names exercises that do not exist: {unknown}")
            needed = sum(durations[step.exercise_id] for step in day.steps)
            if needed > day.minutes:
                raise ValueError(f"{program.id} day {day.day} needs {needed} minutes, more than its {day.minutes}")
