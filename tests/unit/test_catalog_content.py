"""The content files: complete, in both languages, and covering what the product promises."""

from __future__ import annotations

import re

import pytest

from selfkind.content.catalog import load_catalog_content
from selfkind.models.catalog import Category, LocalizedText, Technique, Theme

CONTENT = load_catalog_content()
EXERCISES = CONTENT.exercises
AFFIRMATIONS = CONTENT.affirmations


def _texts() -> list[LocalizedText]:
    texts: list[LocalizedText] = []
    for exercise in EXERCISES:
        texts += [exercise.title, exercise.summary, *exercise.journal_prompts, *exercise.benefits]
        texts += [step.text for step in exercise.steps]
        texts += [exercise.cautions] if exercise.cautions else []
    return texts + [affirmation.text for affirmation in AFFIRMATIONS]


def test_the_catalog_is_big_enough() -> None:
    assert len(EXERCISES) >= 30
    assert len(AFFIRMATIONS) >= 60


def test_ids_are_unique() -> None:
    assert len({e.id for e in EXERCISES}) == len(EXERCISES)
    assert len({a.id for a in AFFIRMATIONS}) == len(AFFIRMATIONS)


@pytest.mark.parametrize("technique", list(Technique))
def test_every_technique_has_an_exercise(technique: Technique) -> None:
    assert any(technique in exercise.techniques for exercise in EXERCISES)


def test_every_category_and_theme_is_used() -> None:
    assert {e.category for e in EXERCISES} == set(Category)
    assert {theme for a in AFFIRMATIONS for theme in a.themes} == set(Theme)


def test_every_step_has_a_suggested_time_writing_steps_too() -> None:
    untimed = [exercise.id for exercise in EXERCISES if any(step.seconds is None for step in exercise.steps)]
    assert untimed == []


def test_fully_timed_exercises_add_up_to_their_stated_duration_within_10_percent() -> None:
    off = {}
    for exercise in EXERCISES:
        if all(step.seconds is not None for step in exercise.steps):
            timed = sum(step.seconds or 0 for step in exercise.steps)
            stated = exercise.duration_minutes * 60
            if abs(timed - stated) > stated / 10:
                off[exercise.id] = (timed, stated)
    assert off == {}


def test_practices_that_can_stir_pain_carry_a_gentle_caution() -> None:
    # Backdraft: turning toward pain with kindness can bring old pain up.
    for exercise in EXERCISES:
        if {Technique.RAIN, Technique.PARTS_WORK, Technique.COMPASSIONATE_LETTER} & set(exercise.techniques):
            assert exercise.cautions is not None, exercise.id
    assert any(exercise.cautions is None for exercise in EXERCISES)


def test_spanish_is_a_translation_not_a_copy() -> None:
    texts = _texts()
    untranslated = [text.en for text in texts if text.en == text.es and len(text.en) > 12]
    assert untranslated == []
    assert sum(bool(re.search(r"[áéíóúñ¿¡]", text.es)) for text in texts) > len(texts) / 3


def test_affirmations_fit_a_notification() -> None:
    for affirmation in AFFIRMATIONS:
        assert len(affirmation.text.en) <= 160
        assert len(affirmation.text.es) <= 160


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bcures?\b",
        r"\b(treats?|heals?)\s+(your\s+)?(anxiety|depression|trauma|ptsd|disorders?|illness)",
        r"\bdiagnos",
        r"\bclinically proven",
        r"\bguarantee",
        r"\bcura\b",
        r"\bdiagnóst",
        r"\bgarantiza",
    ],
)
def test_no_medical_claims(pattern: str) -> None:
    offending = [text.en for text in _texts() if re.search(pattern, f"{text.en} {text.es}", re.IGNORECASE)]
    assert offending == []
