"""The languages content is served in: a module of its own, so negotiating one (every API function)
does not build the catalog's models."""

from __future__ import annotations

from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    ES = "es"


DEFAULT_LANGUAGE = Language.EN
