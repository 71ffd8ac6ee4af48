"""How the user's engagement is stored: on the delivery item (selfkind.data.delivery_repository), written
with each send's count, its document compressed (a full rotation history of the catalog's long ids is
about 1.3 KB of JSON, 2 write units at every send; compressed about 0.6 KB, and the delivery item stays
under 1 KB: 1). Before, it had an item of its own (sk PROFILE#ENGAGEMENT), read while the delivery
item holds none (the user's first send since moves it)."""

from __future__ import annotations

import zlib
from typing import Any

from selfkind.models.reminders import Engagement


def stored_engagement(engagement: Engagement) -> dict[str, Any]:
    """The engagement's document as the item stores it (its unopened streak is an attribute of its own)."""
    document = engagement.model_dump_json(exclude={"unopened_streak"}).encode()
    return {"docz": {"B": zlib.compress(document, 9)}}


def read_engagement(delivery: dict[str, Any] | None, legacy: dict[str, Any] | None) -> Engagement:
    """The document from the delivery item, else from the item of its own; the streak likewise (a reset
    may have written the streak on the delivery item before any send moved the document)."""
    document = _document(delivery) or _document(legacy) or Engagement()
    for item in (delivery, legacy):
        if item and "unopened_streak" in item:
            return document.model_copy(update={"unopened_streak": int(item["unopened_streak"]["N"])})
    return document


def _document(item: dict[str, Any] | None) -> Engagement | None:
    if not item:
        return None
    if "docz" in item:
        return Engagement.model_validate_json(zlib.decompress(item["docz"]["B"]))
    if "doc" in item:  # the item of its own, written before the document was compressed
        return Engagement.model_validate_json(item["doc"]["S"])
    return None
