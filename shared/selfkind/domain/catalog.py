"""Reading the catalog in one language: filtering and lookup over the bundled content."""

from __future__ import annotations

from functools import cache, lru_cache

from selfkind.content.catalog import load_catalog_content
from selfkind.models.catalog import (
    Affirmation,
    AffirmationContent,
    AffirmationList,
    Exercise,
    ExerciseContent,
    ExerciseFilter,
    ExerciseList,
    Step,
    Theme,
)
from selfkind.models.exceptions import NotFoundError
from selfkind.models.language import Language


def _localize_exercise(content: ExerciseContent, language: Language) -> Exercise:
    return Exercise(
        id=content.id,
        title=content.title.in_language(language),
        summary=content.summary.in_language(language),
        category=content.category,
        techniques=list(content.techniques),
        approaches=list(content.approaches),
        duration_minutes=content.duration_minutes,
        steps=[Step(text=step.text.in_language(language), seconds=step.seconds) for step in content.steps],
        journal_prompts=[prompt.in_language(language) for prompt in content.journal_prompts],
        benefits=[benefit.in_language(language) for benefit in content.benefits],
        cautions=content.cautions.in_language(language) if content.cautions else None,
        suitable_time=content.suitable_time,
        for_hard_moments=content.for_hard_moments,
    )


def _localize_affirmation(content: AffirmationContent, language: Language) -> Affirmation:
    return Affirmation(
        id=content.id,
        text=content.text.in_language(language),
        themes=list(content.themes),
        for_hard_moments=content.for_hard_moments,
    )


def _matches(exercise: ExerciseContent, wanted: ExerciseFilter) -> bool:
    return (
        (wanted.category is None or exercise.category is wanted.category)
        and (wanted.technique is None or wanted.technique in exercise.techniques)
        and (wanted.approach is None or wanted.approach in exercise.approaches)
        and (wanted.max_minutes is None or exercise.duration_minutes <= wanted.max_minutes)
    )


# The content never changes within a container, so answers are computed once and kept. Filters are
# client-chosen, so that cache is bounded; lookups cache only hits (a miss raises), so ids cannot grow it.
@lru_cache(maxsize=512)
def list_exercises(wanted: ExerciseFilter, language: Language) -> ExerciseList:
    content = load_catalog_content()
    return ExerciseList(
        items=[_localize_exercise(item, language) for item in content.exercises if _matches(item, wanted)]
    )


@cache
def get_exercise(exercise_id: str, language: Language) -> Exercise:
    for item in load_catalog_content().exercises:
        if item.id == exercise_id:
            return _localize_exercise(item, language)
    raise NotFoundError("exercise", exercise_id)


@cache
def list_affirmations(theme: Theme | None, language: Language) -> AffirmationList:
    content = load_catalog_content()
    return AffirmationList(
        items=[
            _localize_affirmation(item, language)
            for item in content.affirmations
            if theme is None or theme in item.themes
        ]
    )


@cache
def _affirmations_by_id() -> dict[str, AffirmationContent]:
    return {item.id: item for item in load_catalog_content().affirmations}


def find_affirmation(affirmation_id: str, language: Language) -> Affirmation | None:
    """A catalog affirmation by id (hard-moment ones too), or None."""
    content = _affirmations_by_id().get(affirmation_id)
    return _localize_affirmation(content, language) if content else None


def find_exercise(exercise_id: str, language: Language) -> Exercise | None:
    try:
        return get_exercise(exercise_id, language)
    except NotFoundError:
        return None
