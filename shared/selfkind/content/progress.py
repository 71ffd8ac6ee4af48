"""The content behind a person's own progress: journaling prompts and the check-in's instrument."""

from __future__ import annotations

from functools import cache

from pydantic import TypeAdapter

from selfkind.content import FOLDER, check_unique_ids
from selfkind.models.instruments import InstrumentContent
from selfkind.models.prompts import PromptContent

PROMPTS_FILE = "prompts.json"
INSTRUMENTS_FILE = "instruments.json"

PromptContentList = TypeAdapter(tuple[PromptContent, ...])
InstrumentContentList = TypeAdapter(tuple[InstrumentContent, ...])


@cache
def load_prompts() -> tuple[PromptContent, ...]:
    prompts = PromptContentList.validate_json((FOLDER / PROMPTS_FILE).read_bytes())
    check_unique_ids(prompt.id for prompt in prompts)
    return prompts


@cache
def load_instruments() -> tuple[InstrumentContent, ...]:
    """Validated instruments, each checked as it loads (see InstrumentContent): items numbered in order,
    every published text in exactly the languages the instrument has."""
    instruments = InstrumentContentList.validate_json((FOLDER / INSTRUMENTS_FILE).read_bytes())
    check_unique_ids(instrument.id for instrument in instruments)
    return instruments
