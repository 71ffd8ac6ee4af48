"""Journaling prompts in one language: filtering and lookup over the bundled content."""

from __future__ import annotations

from functools import cache, lru_cache

from selfkind.content.progress import load_prompts
from selfkind.models.exceptions import NotFoundError
from selfkind.models.language import Language
from selfkind.models.prompts import Prompt, PromptContent, PromptFilter, PromptList


def _localize(content: PromptContent, language: Language) -> Prompt:
    return Prompt(
        id=content.id,
        text=content.text.in_language(language),
        technique=content.technique,
        theme=content.theme,
        for_hard_moments=content.for_hard_moments,
    )


def _matches(prompt: PromptContent, wanted: PromptFilter) -> bool:
    return (
        (wanted.technique is None or prompt.technique is wanted.technique)
        and (wanted.theme is None or prompt.theme is wanted.theme)
        and (wanted.for_hard_moments is None or prompt.for_hard_moments is wanted.for_hard_moments)
    )


# Few filter combinations exist (techniques x themes x 3), but they are client-chosen: the cache is bounded.
@lru_cache(maxsize=512)
def list_prompts(wanted: PromptFilter, language: Language) -> PromptList:
    return PromptList(items=[_localize(item, language) for item in load_prompts() if _matches(item, wanted)])


@cache  # hits only: a miss raises, so client-chosen ids cannot grow the cache
def get_prompt(prompt_id: str, language: Language) -> Prompt:
    for item in load_prompts():
        if item.id == prompt_id:
            return _localize(item, language)
    raise NotFoundError("prompt", prompt_id)
