from __future__ import annotations

import pytest

from selfkind.domain import catalog
from selfkind.models.catalog import Approach, Category, ExerciseFilter, Technique, Theme
from selfkind.models.exceptions import NotFoundError
from selfkind.models.language import Language


def test_no_filter_lists_every_exercise_in_the_language_asked() -> None:
    english = catalog.list_exercises(ExerciseFilter(), Language.EN).items
    spanish = catalog.list_exercises(ExerciseFilter(), Language.ES).items

    assert len(english) == len(spanish) >= 30
    assert [e.id for e in english] == [e.id for e in spanish]
    assert english[0].title != spanish[0].title


def test_filters_combine_with_and() -> None:
    wanted = ExerciseFilter(category=Category.EMOTIONAL_REGULATION, technique=Technique.BREATHING, max_minutes=5)

    items = catalog.list_exercises(wanted, Language.EN).items

    assert items
    for exercise in items:
        assert exercise.category is Category.EMOTIONAL_REGULATION
        assert Technique.BREATHING in exercise.techniques
        assert exercise.duration_minutes <= 5
    everything = catalog.list_exercises(ExerciseFilter(), Language.EN).items
    expected = [
        e.id
        for e in everything
        if e.category is Category.EMOTIONAL_REGULATION
        and Technique.BREATHING in e.techniques
        and e.duration_minutes <= 5
    ]
    assert [e.id for e in items] == expected


def test_an_approach_filter_keeps_only_that_approach() -> None:
    items = catalog.list_exercises(ExerciseFilter(approach=Approach.IFS), Language.EN).items
    assert items
    assert all(Approach.IFS in e.approaches for e in items)


def test_a_filter_matching_nothing_gives_an_empty_list() -> None:
    assert catalog.list_exercises(ExerciseFilter(approach=Approach.IFS, max_minutes=1), Language.EN).items == []


def test_an_unknown_exercise_is_not_found() -> None:
    with pytest.raises(NotFoundError) as raised:
        catalog.get_exercise("no-such-practice", Language.EN)
    assert raised.value.resource_id == "no-such-practice"


def test_affirmations_filter_by_theme() -> None:
    rest = catalog.list_affirmations(Theme.REST, Language.ES).items
    assert rest
    assert all(Theme.REST in a.themes for a in rest)
    assert len(rest) < len(catalog.list_affirmations(None, Language.ES).items)
