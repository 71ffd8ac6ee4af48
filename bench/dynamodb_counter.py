"""Counts the DynamoDB requests a client makes and the items they read, from botocore's own events."""

from __future__ import annotations

from collections import Counter
from typing import Any


class RequestCounter:
    def __init__(self, client: Any) -> None:
        self.requests: Counter[str] = Counter()
        self.items_read = 0
        client.meta.events.register("after-call.dynamodb", self._count)

    def _count(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.requests[model.name] += 1
        if model.name in ("Query", "Scan"):
            self.items_read += parsed.get("ScannedCount", parsed.get("Count", 0))
        elif model.name == "GetItem":
            self.items_read += 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            self.items_read += sum(len(items) for items in parsed.get("Responses", {}).values())

    def reset(self) -> None:
        self.requests.clear()
        self.items_read = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def describe(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in sorted(self.requests.items()))
