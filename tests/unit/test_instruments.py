"""The SCS-SF: its scoring, its published wording, and how it is served in each language."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from selfkind.content import FOLDER
from selfkind.content.progress import INSTRUMENTS_FILE, load_instruments
from selfkind.domain.instruments import (
    REVERSE_KEYED,
    SCS_SF_ITEM_COUNT,
    check_scs_sf,
    get_scs_sf,
    score_scs_sf,
)
from selfkind.models.instruments import InstrumentContent
from selfkind.models.language import Language

# Raes, Pommier, Neff & Van Gucht (2011), as on the official short form and the sources recorded in
# instruments.json: word for word, curly apostrophes, and item 8 without its full stop, as the form prints it.
PUBLISHED_ITEMS = [
    text.replace("'", "\u2019")  # the form's curly apostrophes
    for text in (
        "When I fail at something important to me I become consumed by feelings of inadequacy.",
        "I try to be understanding and patient towards those aspects of my personality I don't like.",
        "When something painful happens I try to take a balanced view of the situation.",
        "When I'm feeling down, I tend to feel like most other people are probably happier than I am.",
        "I try to see my failings as part of the human condition.",
        "When I'm going through a very hard time, I give myself the caring and tenderness I need.",
        "When something upsets me I try to keep my emotions in balance.",
        "When I fail at something that's important to me, I tend to feel alone in my failure",
        "When I'm feeling down I tend to obsess and fixate on everything that's wrong.",
        "When I feel inadequate in some way, I try to remind myself that feelings of inadequacy are shared by most"
        " people.",
        "I'm disapproving and judgmental about my own flaws and inadequacies.",
        "I'm intolerant and impatient towards those aspects of my personality I don't like.",
    )
]
SCS_SF = next(instrument for instrument in load_instruments() if instrument.id == "scs-sf")


# --- scoring ---


def test_the_constants_are_the_published_ones() -> None:
    assert SCS_SF_ITEM_COUNT == 12
    assert frozenset({1, 4, 8, 9, 11, 12}) == REVERSE_KEYED


def test_all_threes_score_three() -> None:
    assert score_scs_sf("333333333333") == 3.0


def test_reverse_keyed_answers_count_as_six_minus_the_answer() -> None:
    most = "".join("1" if number in REVERSE_KEYED else "5" for number in range(1, 13))
    least = "".join("5" if number in REVERSE_KEYED else "1" for number in range(1, 13))

    assert most == "155155511511"
    assert score_scs_sf(most) == 5.0
    assert score_scs_sf(least) == 1.0
    # Answering 5 everywhere agrees with six items and disagrees with six: the middle of the scale.
    assert score_scs_sf("555555555555") == 3.0


def test_the_score_is_the_plain_mean_after_reverse_keying() -> None:
    # 3 4 1 2 3 5 1 2 4 3 4 5, with items 1, 4, 8, 9, 11 and 12 reversed: 3 4 1 4 3 5 1 4 2 3 2 1, sum 33.
    assert score_scs_sf("341235124345") == 33 / 12 == 2.75


def test_one_reverse_keyed_answer_moves_the_score_the_other_way() -> None:
    assert score_scs_sf("433333333333") < score_scs_sf("333333333333") < score_scs_sf("343333333333")


@pytest.mark.parametrize(
    "answers",
    [
        "33333333333",
        "3333333333333",
        "033333333333",
        "633333333333",
        "33333333333a",
        "",
        " 33333333333",
        "3" * 11 + "\n",
    ],
    ids=["11 digits", "13 digits", "a 0", "a 6", "a letter", "empty", "a space", "a newline"],
)
def test_anything_but_twelve_digits_from_one_to_five_is_refused(answers: str) -> None:
    with pytest.raises(ValueError, match="exactly 12 digits from 1 to 5"):
        score_scs_sf(answers)


def test_digits_from_other_scripts_are_refused() -> None:
    with pytest.raises(ValueError, match="exactly 12 digits"):
        score_scs_sf("\u0663" * 12)  # Arabic-Indic three, which int() would read as 3


# --- the published wording ---


def test_the_items_are_the_published_ones_in_their_published_order() -> None:
    assert [item.text.en for item in SCS_SF.items] == PUBLISHED_ITEMS
    assert [item.number for item in SCS_SF.items if item.reverse_keyed] == sorted(REVERSE_KEYED)


def test_the_scale_is_labelled_only_at_its_ends_as_published() -> None:
    labels = [(anchor.value, anchor.label.en if anchor.label else None) for anchor in SCS_SF.anchors]

    assert labels == [(1, "Almost never"), (2, None), (3, None), (4, None), (5, "Almost always")]


def test_the_citation_and_the_sources_read_are_recorded() -> None:
    assert SCS_SF.citation.doi == "10.1002/cpp.702"
    assert SCS_SF.citation.text.startswith("Raes, F., Pommier, E., Neff, K. D., & Van Gucht, D. (2011).")
    assert "18(3), 250\u2013255" in SCS_SF.citation.text
    assert len(SCS_SF.sources) >= 2
    assert any(source.location.startswith("github:") for source in SCS_SF.sources)
    assert any(source.location.startswith("https://") for source in SCS_SF.sources)


def test_spanish_is_not_served_until_a_validated_version_is_sourced() -> None:
    # Never an ad-hoc translation: Spanish item text may only arrive with the published, validated version.
    assert SCS_SF.languages == (Language.EN,)
    assert all(item.text.es is None for item in SCS_SF.items)
    assert Language.ES in SCS_SF.unavailable_language_notes


def test_the_content_is_the_instrument_the_score_function_scores() -> None:
    check_scs_sf(SCS_SF)

    raw: dict[str, Any] = json.loads((FOLDER / INSTRUMENTS_FILE).read_text())[0]
    raw["items"][1]["reverse_keyed"] = True
    with pytest.raises(ValueError, match="reverse-keyed"):
        check_scs_sf(InstrumentContent.model_validate(raw))


def _raw() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FOLDER / INSTRUMENTS_FILE).read_text())[0]
    return raw


def test_a_spanish_item_without_spanish_among_the_languages_is_rejected() -> None:
    raw = _raw()
    raw["items"][0]["text"]["es"] = "Una traducción cualquiera."
    with pytest.raises(ValidationError, match="exactly the instrument's languages"):
        InstrumentContent.model_validate(raw)


def test_spanish_among_the_languages_needs_every_published_text_in_spanish() -> None:
    raw = _raw()
    raw["languages"] = ["en", "es"]
    raw["unavailable_language_notes"] = {}
    with pytest.raises(ValidationError, match="exactly the instrument's languages"):
        InstrumentContent.model_validate(raw)


def test_a_language_without_a_validated_version_needs_its_note() -> None:
    raw = _raw()
    raw["unavailable_language_notes"] = {}
    with pytest.raises(ValidationError, match="needs a note"):
        InstrumentContent.model_validate(raw)


def test_items_out_of_their_published_order_are_rejected() -> None:
    raw = _raw()
    raw["items"][0], raw["items"][1] = raw["items"][1], raw["items"][0]
    with pytest.raises(ValidationError, match="numbered"):
        InstrumentContent.model_validate(raw)


# --- served ---


def test_in_english_it_has_no_language_note() -> None:
    instrument = get_scs_sf(Language.EN)

    assert instrument.language is Language.EN
    assert instrument.language_note is None
    assert [item.text for item in instrument.items] == PUBLISHED_ITEMS
    assert instrument.scoring.reverse_keyed_items == [1, 4, 8, 9, 11, 12]
    assert (instrument.scoring.min, instrument.scoring.max) == (1.0, 5.0)
    assert instrument.citation.url == "https://doi.org/10.1002/cpp.702"


def test_asked_in_spanish_it_is_the_english_original_with_a_note_in_spanish() -> None:
    english, spanish = get_scs_sf(Language.EN), get_scs_sf(Language.ES)

    assert spanish.language is Language.EN  # the language of its text, which Content-Language states
    assert spanish.items == english.items
    assert spanish.about == english.about
    assert spanish.language_note is not None
    assert spanish.language_note.language is Language.ES
    assert "aún no está disponible" in spanish.language_note.text
    assert "no un diagnóstico" in spanish.language_note.text


def test_the_note_says_it_is_a_reflection_aid_with_no_subscale_scores() -> None:
    about = get_scs_sf(Language.EN).about

    assert "reflection aid, not a diagnosis" in about
    assert "no subscale scores" in about
    assert "no un diagnóstico" in SCS_SF.about.es
