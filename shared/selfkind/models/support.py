"""Crisis and support lines by country: the content schema (both languages) and the API's view.

Every number carries the official page it was read from and the day it was read: a wrong number is
worse than none, so an entry that could not be sourced is simply absent.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from selfkind.models.catalog import LocalizedText

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
DialString = Annotated[str, StringConstraints(pattern=r"^\+?[0-9][0-9 -]{1,18}[0-9]$")]
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}$")]


class HelplineContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: LocalizedText
    phone: DialString | None = None
    sms: DialString | None = None
    note: LocalizedText | None = None
    chat_url: AnyHttpUrl | None = None
    hours: LocalizedText
    languages: Annotated[tuple[LanguageTag, ...], Field(min_length=1)]
    source: AnyHttpUrl
    verified_on: date

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if not (self.phone or self.sms or self.chat_url):
            raise ValueError("a helpline needs a phone, an SMS number or a chat URL")
        return self


class EmergencyContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    number: DialString
    source: AnyHttpUrl
    verified_on: date


class CountrySupportContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    country: CountryCode
    emergency: EmergencyContent | None
    lines: tuple[HelplineContent, ...]


class DirectoryContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: LocalizedText
    url: AnyHttpUrl
    source: AnyHttpUrl
    verified_on: date


class SupportMessages(BaseModel):
    """The kind words around the numbers; `{number}` is the emergency number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    with_emergency_number: LocalizedText
    without_emergency_number: LocalizedText


class SupportContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    messages: SupportMessages
    directory: DirectoryContent
    countries: tuple[CountrySupportContent, ...]

    @model_validator(mode="after")
    def _one_entry_per_country(self) -> Self:
        codes = [entry.country for entry in self.countries]
        if len(codes) != len(set(codes)):
            raise ValueError("each country appears once")
        if "{number}" not in self.messages.with_emergency_number.en + self.messages.with_emergency_number.es:
            raise ValueError("the emergency message must name the number")
        return self


# --- The API's view: one language ---


class Helpline(BaseModel):
    name: str
    phone: str | None = Field(description="Number to call, as dialled in the country.")
    sms: str | None = Field(description="Number to text, when the line takes text messages.")
    note: str | None = Field(description="Anything else the official page says a caller should know.")
    chat_url: str | None = Field(description="Web chat, when the line has one.")
    hours: str
    languages: list[str] = Field(description="ISO 639-1 codes of the languages the line answers in.")
    source: str = Field(description="The helpline's official page the entry was read from.")
    verified_on: date


class HelplineDirectory(BaseModel):
    name: str
    url: str
    source: str
    verified_on: date


class SupportInfo(BaseModel):
    country: str
    emergency_number: str | None = Field(description="Null when no official source could be found.")
    emergency_source: str | None
    message: str = Field(description="A short, kind line saying what to do in danger now.")
    lines: list[Helpline]
    directory: HelplineDirectory | None = Field(
        description="An international directory of helplines, given when no line is listed for the country."
    )
