"""Validated self-report instruments (the SCS-SF): the content schema and the API's view.

An instrument's own words (its name, heading, instructions, anchors and items) are published text: kept
exactly as published, and in a language only when a published, validated translation exists. Never an
ad-hoc translation of a validated scale. The app's own words about it (what it is for, how it is scored,
why it may be in another language) are ours, written in both languages like the rest of the content.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from selfkind.models.catalog import InLanguage, LocalizedText, Slug
from selfkind.models.language import Language

_Verbatim = Annotated[str, StringConstraints(min_length=1, max_length=500)]  # never stripped or reformatted
_Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class PublishedText(BaseModel):
    """Words of the instrument, verbatim: English as published, Spanish only from a published validated version."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: _Verbatim
    es: _Verbatim | None = None

    def languages(self) -> frozenset[Language]:
        return frozenset(language for language in Language if getattr(self, language.value) is not None)

    def in_language(self, language: Language) -> str:
        text: str | None = getattr(self, language.value)
        if text is None:
            raise ValueError(f"no published text in {language.value}")
        return text


class AnchorContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: Annotated[int, Field(ge=0, le=10)]
    label: PublishedText | None  # None where the published form prints only the number


class ItemContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    number: Annotated[int, Field(ge=1)]
    text: PublishedText
    reverse_keyed: bool


class CitationContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    text: _Note
    doi: Annotated[str, StringConstraints(pattern=r"^10\.[0-9]{4,9}/\S+$")]


class SourceRead(BaseModel):
    """Where the published wording was read, and what that source showed: kept with the content, not served."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    location: _Note  # a URL, or github:<owner>/<repo> <path> @ <commit>
    showed: _Note


class InstrumentContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    languages: Annotated[tuple[Language, ...], Field(min_length=1)]  # where a validated version exists
    name: PublishedText
    heading: PublishedText
    instructions: PublishedText
    anchors: Annotated[tuple[AnchorContent, ...], Field(min_length=2)]
    items: Annotated[tuple[ItemContent, ...], Field(min_length=1)]
    scoring: LocalizedText
    about: LocalizedText
    # For each app language without a validated version: said in that language, beside the original.
    unavailable_language_notes: dict[Language, _Note]
    citation: CitationContent
    permission: _Note
    wording_notes: _Note
    sources: Annotated[tuple[SourceRead, ...], Field(min_length=2)]

    @model_validator(mode="after")
    def _consistent(self) -> InstrumentContent:
        languages = set(self.languages)
        if Language.EN not in languages or len(languages) != len(self.languages):
            raise ValueError("languages must list en, each language once")
        if [item.number for item in self.items] != list(range(1, len(self.items) + 1)):
            raise ValueError("items must be numbered 1, 2, 3… in their published order")
        values = [anchor.value for anchor in self.anchors]
        if values != list(range(values[0], values[0] + len(values))):
            raise ValueError("anchors must run over consecutive values, lowest first")
        published = [self.name, self.heading, self.instructions, *(item.text for item in self.items)]
        published += [anchor.label for anchor in self.anchors if anchor.label is not None]
        if any(text.languages() != languages for text in published):
            raise ValueError("every published text must be in exactly the instrument's languages")
        if set(self.unavailable_language_notes) != set(Language) - languages:
            raise ValueError("each app language without a validated version needs a note, and only those")
        return self


# --- The API's view ---


class LanguageNote(BaseModel):
    language: Language
    text: str


class InstrumentAnchor(BaseModel):
    value: int
    label: str | None = Field(description="As printed on the published form; null where it prints only the number.")


class InstrumentItem(BaseModel):
    number: int = Field(description="The item's number in the published order.")
    text: str = Field(description="Verbatim as published.")
    reverse_keyed: bool = Field(description="An answer x to this item scores as 6 - x.")


class InstrumentScoring(BaseModel):
    method: Literal["mean"] = "mean"
    reverse_keyed_items: list[int]
    reversed_answer: Literal["6 - x"] = "6 - x"
    min: float
    max: float
    description: str


class InstrumentCitation(BaseModel):
    text: str
    doi: str
    url: str


class Instrument(InLanguage):
    id: str
    languages: list[Language] = Field(description="The languages a published, validated version is served in.")
    language_note: LanguageNote | None = Field(
        description="When the language asked for has no validated version: why the instrument is in another, "
        "said in the language asked for. Null otherwise."
    )
    name: str
    heading: str
    instructions: str
    anchors: list[InstrumentAnchor]
    items: list[InstrumentItem]
    scoring: InstrumentScoring
    about: str = Field(description="What the instrument is for here: a reflection aid, not a diagnosis.")
    citation: InstrumentCitation
