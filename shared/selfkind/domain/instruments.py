"""The Self-Compassion Scale, Short Form (SCS-SF): scoring a check-in, and the instrument in one language.

Raes, Pommier, Neff & Van Gucht (2011), doi:10.1002/cpp.702. The total is the mean of the 12 answers
after each answer x to a reverse-keyed item becomes 6 - x. Only the total is reported: the short form's
subscale scores are not reliable enough to show.
"""

from __future__ import annotations

import re
from functools import cache

from selfkind.content.progress import load_instruments
from selfkind.models.instruments import (
    Instrument,
    InstrumentAnchor,
    InstrumentCitation,
    InstrumentContent,
    InstrumentItem,
    InstrumentScoring,
    LanguageNote,
)
from selfkind.models.language import Language

SCS_SF_ID = "scs-sf"
SCS_SF_ITEM_COUNT = 12
REVERSE_KEYED = frozenset({1, 4, 8, 9, 11, 12})  # self-judgment, isolation and over-identification
ANSWER_MIN, ANSWER_MAX = 1, 5
SCS_SF_ANSWERS = re.compile(r"[1-5]{12}")  # one digit per item, in item order


def score_scs_sf(answers: str) -> float:
    """The SCS-SF total, from 1.0 to 5.0, for answers such as "341235124345" (exactly 12 digits 1-5 in item
    order). Raises ValueError for anything else. Not rounded: every total is a multiple of 1/12."""
    if not SCS_SF_ANSWERS.fullmatch(answers):
        raise ValueError(f"answers must be exactly {SCS_SF_ITEM_COUNT} digits from 1 to 5, in item order")
    scored = [
        ANSWER_MIN + ANSWER_MAX - int(answer) if number in REVERSE_KEYED else int(answer)
        for number, answer in enumerate(answers, start=1)
    ]
    return sum(scored) / SCS_SF_ITEM_COUNT


def check_scs_sf(content: InstrumentContent) -> None:
    """The content is the instrument this module scores: 12 items, reverse keys and answer range alike."""
    if len(content.items) != SCS_SF_ITEM_COUNT:
        raise ValueError(f"the SCS-SF has {SCS_SF_ITEM_COUNT} items, the content {len(content.items)}")
    if {item.number for item in content.items if item.reverse_keyed} != REVERSE_KEYED:
        raise ValueError("the content's reverse-keyed items are not the SCS-SF's")
    if (content.anchors[0].value, content.anchors[-1].value) != (ANSWER_MIN, ANSWER_MAX):
        raise ValueError(f"the SCS-SF is answered from {ANSWER_MIN} to {ANSWER_MAX}")


@cache
def _scs_sf_content() -> InstrumentContent:
    content = next(instrument for instrument in load_instruments() if instrument.id == SCS_SF_ID)
    check_scs_sf(content)
    return content


@cache
def get_scs_sf(language: Language) -> Instrument:
    """The instrument in the language asked for when a validated version exists; otherwise in English as
    published, with a note in the language asked for."""
    content = _scs_sf_content()
    served = language if language in content.languages else Language.EN
    note = content.unavailable_language_notes.get(language)
    return Instrument(
        id=content.id,
        language=served,
        languages=list(content.languages),
        language_note=LanguageNote(language=language, text=note) if note else None,
        name=content.name.in_language(served),
        heading=content.heading.in_language(served),
        instructions=content.instructions.in_language(served),
        anchors=[
            InstrumentAnchor(value=anchor.value, label=anchor.label.in_language(served) if anchor.label else None)
            for anchor in content.anchors
        ],
        items=[
            InstrumentItem(number=item.number, text=item.text.in_language(served), reverse_keyed=item.reverse_keyed)
            for item in content.items
        ],
        scoring=InstrumentScoring(
            reverse_keyed_items=sorted(REVERSE_KEYED),
            min=float(ANSWER_MIN),
            max=float(ANSWER_MAX),
            description=content.scoring.in_language(served),
        ),
        about=content.about.in_language(served),
        citation=InstrumentCitation(
            text=content.citation.text, doi=content.citation.doi, url=f"https://doi.org/{content.citation.doi}"
        ),
    )
