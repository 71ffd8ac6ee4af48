"""Where to turn right now: the emergency number and crisis lines for a country, in one language."""

from __future__ import annotations

from functools import cache

from selfkind.content.care import load_support_content
from selfkind.models.language import Language
from selfkind.models.support import (
    CountrySupportContent,
    Helpline,
    HelplineContent,
    HelplineDirectory,
    SupportInfo,
)


def _helpline(line: HelplineContent, language: Language) -> Helpline:
    return Helpline(
        name=line.name.in_language(language),
        phone=line.phone,
        sms=line.sms,
        chat_url=str(line.chat_url) if line.chat_url else None,
        hours=line.hours.in_language(language),
        languages=list(line.languages),
        note=line.note.in_language(language) if line.note else None,
        source=str(line.source),
        verified_on=line.verified_on,
    )


@cache
def _by_country() -> dict[str, CountrySupportContent]:
    return {entry.country: entry for entry in load_support_content().countries}


@cache
def support_for(country: str, language: Language) -> SupportInfo:
    """Every country gets an answer: its sourced numbers, or the emergency guidance and a directory.

    `country` is an upper-case ISO 3166-1 alpha-2 code (the route validates it); the answers are
    bounded by 26 * 26 codes times two languages, so caching them all is safe.
    """
    content = load_support_content()
    entry = _by_country().get(country)
    emergency = entry.emergency if entry else None
    lines = [_helpline(line, language) for line in entry.lines] if entry else []
    if emergency:
        message = content.messages.with_emergency_number.in_language(language).format(number=emergency.number)
    else:
        message = content.messages.without_emergency_number.in_language(language)
    directory = content.directory
    return SupportInfo(
        country=country,
        emergency_number=emergency.number if emergency else None,
        emergency_source=str(emergency.source) if emergency else None,
        message=message,
        lines=lines,
        directory=None
        if lines
        else HelplineDirectory(
            name=directory.name.in_language(language),
            url=str(directory.url),
            source=str(directory.source),
            verified_on=directory.verified_on,
        ),
    )
