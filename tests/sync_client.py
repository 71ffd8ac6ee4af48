"""A small WatermelonDB-like client for tests: pull, push and the events they send."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from devstack.events import http_api_event

Handler = Callable[[dict[str, Any]], dict[str, Any]]


def journal_entry(record_id: str, body: str = "A kind note to myself.", **columns: Any) -> dict[str, Any]:
    return {
        "id": record_id,
        "kind": "free",
        "title": None,
        "body": body,
        "mood": 3,
        "exercise_id": None,
        "created_at": 1_795_000_000_000,
        "updated_at": 1_795_000_000_000,
        **columns,
    }


def changes(table: str = "journal_entries", created=(), updated=(), deleted=()) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {table: {"created": list(created), "updated": list(updated), "deleted": list(deleted)}}


def pull_event(user: str, last_pulled_at: int | None = None, **params: Any) -> dict[str, Any]:
    query = {"last_pulled_at": "null" if last_pulled_at is None else last_pulled_at, **params}
    return http_api_event("GET", "/v1/sync", query=urlencode(query), route_key="GET /v1/sync", claims={"sub": user})


def push_event(user: str, body: Any, last_pulled_at: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    raw = body if isinstance(body, str) else json.dumps(body)
    return http_api_event(
        "POST",
        "/v1/sync",
        query=f"last_pulled_at={last_pulled_at}",
        body=raw,
        headers={"content-type": "application/json", **(headers or {})},
        route_key="POST /v1/sync",
        claims={"sub": user},
    )


@dataclass
class Device:
    """Keeps its last_pulled_at like WatermelonDB does."""

    handler: Handler
    user: str
    last_pulled_at: int | None = None
    records: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def pull(self, **params: Any) -> dict[str, Any]:
        response = self.handler(pull_event(self.user, self.last_pulled_at, **params))
        assert response["statusCode"] == 200, response["body"]
        page: dict[str, Any] = json.loads(response["body"])
        if page.get("experimentalStrategy") == "replacement":
            self.records.clear()
        for table, table_changes in page["changes"].items():
            for record in table_changes["created"] + table_changes["updated"]:
                self.records[(table, record["id"])] = record
            for record_id in table_changes["deleted"]:
                self.records.pop((table, record_id), None)
        self.last_pulled_at = page["timestamp"]
        return page

    def pull_all(self) -> None:
        while self.pull()["has_more"]:
            pass

    def push(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict[str, Any]:
        return self.handler(push_event(self.user, {"changes": body}, self.last_pulled_at or 0, headers))
