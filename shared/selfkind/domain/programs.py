"""Programs in one language: the list, and one program with its days and steps."""

from __future__ import annotations

from functools import cache

from selfkind.content.care import load_programs
from selfkind.content.catalog import load_catalog_content
from selfkind.models.catalog import ExerciseContent
from selfkind.models.exceptions import NotFoundError
from selfkind.models.language import Language
from selfkind.models.programs import Program, ProgramContent, ProgramDay, ProgramList, ProgramStep, ProgramSummary


@cache
def _exercises() -> dict[str, ExerciseContent]:
    return {exercise.id: exercise for exercise in load_catalog_content().exercises}


def _summary(content: ProgramContent, language: Language) -> ProgramSummary:
    return ProgramSummary(
        id=content.id,
        title=content.title.in_language(language),
        summary=content.summary.in_language(language),
        days=len(content.days),
        minutes_per_day=max(day.minutes for day in content.days),
    )


@cache
def list_programs(language: Language) -> ProgramList:
    return ProgramList(items=[_summary(program, language) for program in load_programs()])


@cache  # hits only: a miss raises
def get_program(program_id: str, language: Language) -> Program:
    exercises = _exercises()
    for content in load_programs():
        if content.id == program_id:
            return Program(
                id=content.id,
                title=content.title.in_language(language),
                summary=content.summary.in_language(language),
                days=[
                    ProgramDay(
                        day=day.day,
                        minutes=day.minutes,
                        steps=[
                            ProgramStep(
                                exercise_id=step.exercise_id,
                                exercise_title=exercises[step.exercise_id].title.in_language(language),
                                duration_minutes=exercises[step.exercise_id].duration_minutes,
                                note=step.note.in_language(language),
                            )
                            for step in day.steps
                        ],
                    )
                    for day in content.days
                ],
            )
    raise NotFoundError("program", program_id)
