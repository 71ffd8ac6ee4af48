"""Choosing the response language from Accept-Language (RFC 9110 section 12.5.4)."""

from __future__ import annotations

from functools import lru_cache

from selfkind.models.language import DEFAULT_LANGUAGE, Language

_SUPPORTED = {language.value: language for language in Language}


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return min(max(float(value), 0.0), 1.0)
            except ValueError:
                return 0.0  # a malformed weight is ignored rather than trusted
    return 1.0


@lru_cache(maxsize=256)
def negotiate_language(accept_language: str | None) -> Language:
    """The supported language the client prefers most; `*`, absence or no match gives the default."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    best: tuple[float, int, Language] | None = None
    for position, item in enumerate(accept_language.split(",")[:32]):
        tag, *parameters = item.strip().split(";")
        quality = _quality(parameters)
        primary = tag.strip().lower().split("-")[0]
        language = DEFAULT_LANGUAGE if primary == "*" else _SUPPORTED.get(primary)
        if language is None or quality <= 0.0:
            continue
        # Higher quality wins; among equals, the one listed first.
        candidate = (quality, -position, language)
        if best is None or candidate[:2] > best[:2]:
            best = candidate
    return best[2] if best else DEFAULT_LANGUAGE
