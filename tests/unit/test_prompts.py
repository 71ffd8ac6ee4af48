"""Journaling prompts: the content (enough of them, every theme, both languages, gentle) and the filters."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from selfkind.content import check_unique_ids
from selfkind.content.progress import load_prompts
from selfkind.domain import prompts
from selfkind.models.catalog import Technique
from selfkind.models.exceptions import NotFoundError
from selfkind.models.language import Language
from selfkind.models.prompts import PromptFilter, PromptTheme

PROMPTS = load_prompts()
MIN_LENGTH, MAX_LENGTH = 40, 240
HARD_MOMENT_MAX_LENGTH = 120  # short enough to take in at a glance on a hard day
QUOTED = re.compile(r"“[^”]*”")  # a belief or sentence offered to write, not the app's own voice
INVITATION_EN = r"\bif (you like|you feel ready|it feels right|it helps)\b"
INVITATION_ES = r"\bsi (quieres|te sientes con ánimo|te parece bien|te ayuda)\b"


def test_there_are_at_least_48_prompts_with_unique_ids() -> None:
    assert len(PROMPTS) >= 48
    check_unique_ids(prompt.id for prompt in PROMPTS)


@pytest.mark.parametrize("theme", list(PromptTheme))
def test_every_theme_has_several_prompts(theme: PromptTheme) -> None:
    assert sum(prompt.theme is theme for prompt in PROMPTS) >= 4


def test_every_technique_is_one_of_the_catalogs() -> None:
    assert all(prompt.technique in set(Technique) for prompt in PROMPTS)
    used = Counter(prompt.technique for prompt in PROMPTS)
    assert {Technique.COMPASSIONATE_LETTER, Technique.GRATITUDE, Technique.COMMON_HUMANITY} <= used.keys()
    assert {Technique.BELIEF_EXPLORATION, Technique.BOUNDARY_SETTING} <= used.keys()


def test_both_languages_are_present_and_spanish_is_a_translation_not_a_copy() -> None:
    for prompt in PROMPTS:
        assert prompt.text.en.strip()
        assert prompt.text.es.strip()
        assert prompt.text.en != prompt.text.es, prompt.id
    assert sum(bool(re.search(r"[áéíóúñ¿¡]", prompt.text.es)) for prompt in PROMPTS) > len(PROMPTS) * 0.9


@pytest.mark.parametrize("language", list(Language))
def test_prompts_are_a_few_lines_long(language: Language) -> None:
    for prompt in PROMPTS:
        text = prompt.text.in_language(language)
        assert MIN_LENGTH <= len(text) <= MAX_LENGTH, (prompt.id, len(text))


@pytest.mark.parametrize("language", list(Language))
def test_prompts_for_hard_moments_are_short(language: Language) -> None:
    hard = [prompt for prompt in PROMPTS if prompt.for_hard_moments]
    assert 6 <= len(hard) <= len(PROMPTS) // 3
    for prompt in hard:
        assert len(prompt.text.in_language(language)) <= HARD_MOMENT_MAX_LENGTH, prompt.id


def test_gratitude_is_never_asked_for_in_a_hard_moment() -> None:
    # Asked to be grateful while hurting can feel like being told the pain does not count.
    assert not [p.id for p in PROMPTS if p.theme is PromptTheme.GRATITUDE and p.for_hard_moments]


def test_prompts_invite_and_never_command() -> None:
    # Each prompt asks a question or offers an invitation ("if you like"); none tells the person what they must do.
    for prompt in PROMPTS:
        english, spanish = QUOTED.sub("", prompt.text.en), QUOTED.sub("", prompt.text.es)
        assert "?" in english or re.search(INVITATION_EN, english, re.IGNORECASE), prompt.id
        assert "?" in spanish or re.search(INVITATION_ES, spanish, re.IGNORECASE), prompt.id
        assert not re.search(r"\byou (must|should|have to|need to)\b|\bmust\b", english, re.IGNORECASE), prompt.id
        assert not re.search(r"\b(debes|tienes que|hay que)\b", spanish, re.IGNORECASE), prompt.id
    invitations = [p for p in PROMPTS if re.search(INVITATION_EN, p.text.en, re.IGNORECASE)]
    assert len(invitations) >= len(PROMPTS) // 3


@pytest.mark.parametrize(
    "pattern",
    [
        r"\bcures?\b",
        r"\b(treats?|heals?)\b",
        r"\btherapy\b",
        r"\bdiagnos",
        r"\bsymptoms?\b",
        r"\bdisorders?\b",
        r"\bcura\b",
        r"\bdiagnóst",
        r"\bsíntomas?\b",
        r"\btrastornos?\b",
    ],
)
def test_prompts_make_no_medical_claims_and_use_no_clinical_words(pattern: str) -> None:
    offending = [p.id for p in PROMPTS if re.search(pattern, f"{p.text.en} {p.text.es}", re.IGNORECASE)]
    assert offending == []


# --- the filters ---


def test_no_filter_lists_every_prompt_in_the_language_asked() -> None:
    english = prompts.list_prompts(PromptFilter(), Language.EN).items
    spanish = prompts.list_prompts(PromptFilter(), Language.ES).items

    assert [p.id for p in english] == [p.id for p in spanish] == [p.id for p in PROMPTS]
    assert english[0].text != spanish[0].text


def test_filters_combine_with_and() -> None:
    wanted = PromptFilter(theme=PromptTheme.RESILIENCE, technique=Technique.SELF_CARE, for_hard_moments=True)

    items = prompts.list_prompts(wanted, Language.EN).items

    expected = [
        p.id
        for p in PROMPTS
        if p.theme is PromptTheme.RESILIENCE and p.technique is Technique.SELF_CARE and p.for_hard_moments
    ]
    assert expected
    assert [p.id for p in items] == expected


def test_a_filter_nothing_matches_is_an_empty_list() -> None:
    wanted = PromptFilter(theme=PromptTheme.GRATITUDE, for_hard_moments=True)

    assert prompts.list_prompts(wanted, Language.EN).items == []


def test_a_prompt_is_found_by_id_and_an_unknown_id_raises() -> None:
    prompt = prompts.get_prompt("name-what-you-feel", Language.ES)

    assert prompt.text.startswith("¿Qué sientes ahora mismo?")
    assert prompt.for_hard_moments
    with pytest.raises(NotFoundError):
        prompts.get_prompt("no-such-prompt", Language.EN)


def test_repeated_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="more than once"):
        check_unique_ids(["a", "b", "a"])
