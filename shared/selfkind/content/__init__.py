"""The catalog's content: human-edited JSON files under version control, bundled with the layer.

Each file keeps English and Spanish side by side so a translation can never fall out of step. Each
file is read and validated once per container, and only when a route first needs it.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from functools import cache
from pathlib import Path

from pydantic import TypeAdapter

from selfkind.models.catalog import AffirmationContent, CatalogContent, ExerciseContent
from selfkind.models.guides import GuideContent
from selfkind.models.instruments import InstrumentContent
from selfkind.models.programs import ProgramContent
from selfkind.models.prompts import PromptContent
from selfkind.models.support import SupportContent

FOLDER = Path(__file__).parent
EXERCISES_FILE = "exercises.json"
AFFIRMATIONS_FILE = "affirmations.json"
SUPPORT_FILE = "support.json"
GUIDES_FILE = "guides.json"
PROGRAMS_FILE = "programs.json"
PROMPTS_FILE = "prompts.json"
INSTRUMENTS_FILE = "instruments.json"

ExerciseContentList = TypeAdapter(tuple[ExerciseContent, ...])
AffirmationContentList = TypeAdapter(tuple[AffirmationContent, ...])
GuideContentList = TypeAdapter(tuple[GuideContent, ...])
ProgramContentList = TypeAdapter(tuple[ProgramContent, ...])
PromptContentList = TypeAdapter(tuple[PromptContent, ...])
InstrumentContentList = TypeAdapter(tuple[InstrumentContent, ...])


@cache
def exercise_ids() -> frozenset[str]:
    """The catalog's exercise ids alone, without validating the content (the sync function's rollups)."""
    return frozenset(item["id"] for item in json.loads((FOLDER / EXERCISES_FILE).read_bytes()))


@cache
def load_catalog_content() -> CatalogContent:
    """Read and validate both files once per container; no database read per request."""
    exercises = ExerciseContentList.validate_json((FOLDER / EXERCISES_FILE).read_bytes())
    affirmations = AffirmationContentList.validate_json((FOLDER / AFFIRMATIONS_FILE).read_bytes())
    return CatalogContent(exercises=exercises, affirmations=affirmations)


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


@cache
def load_prompts() -> tuple[PromptContent, ...]:
    prompts = PromptContentList.validate_json((FOLDER / PROMPTS_FILE).read_bytes())
    check_unique_ids(prompt.id for prompt in prompts)
    return prompts


@cache
def load_instruments() -> tuple[InstrumentContent, ...]:
    """Validated instruments, each checked as it loads (see InstrumentContent): items numbered in order,
    every published text in exactly the languages the instrument has."""
    instruments = InstrumentContentList.validate_json((FOLDER / INSTRUMENTS_FILE).read_bytes())
    check_unique_ids(instrument.id for instrument in instruments)
    return instruments


def check_unique_ids(ids: Iterable[str]) -> None:
    repeated = sorted(item for item, count in Counter(ids).items() if count > 1)
    if repeated:
        raise ValueError(f"ids used more than once: {repeated}")


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
