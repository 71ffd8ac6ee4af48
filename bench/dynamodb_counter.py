"""Counts the DynamoDB requests a client makes and the items they read, from botocore's own events
(thread-safe: the sender and the tick make theirs from pools of threads)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any


class RequestCounter:
    def __init__(self, client: Any) -> None:
        self.requests: Counter[str] = Counter()
        self.items_read = 0
        self._lock = threading.Lock()
        client.meta.events.register("after-call.dynamodb", self._count)

    def _count(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        read = 0
        if model.name in ("Query", "Scan"):
            read = parsed.get("ScannedCount", parsed.get("Count", 0))
        elif model.name == "GetItem":
            read = 1 if parsed.get("Item") else 0
        elif model.name == "BatchGetItem":
            read = sum(len(items) for items in parsed.get("Responses", {}).values())
        with self._lock:
            self.requests[model.name] += 1
            self.items_read += read

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.items_read = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def describe(self) -> str:
        return ", ".join(f"{count} {name}" for name, count in sorted(self.requests.items()))
