"""What the API functions count: outcomes and problems are dimensions, in the environment's namespace."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from devstack.events import http_api_event
from tests.conftest import Handler
from tests.sync_client import Device, changes, journal_entry


def _emitted(output: str, metric: str) -> list[dict[str, Any]]:
    """The EMF records for one metric: its dimensions and namespace, as CloudWatch would file it."""
    found = []
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        for directive in record.get("_aws", {}).get("CloudWatchMetrics", []):
            if any(m["Name"] == metric for m in directive["Metrics"]):
                [dimension_names] = directive["Dimensions"]
                dimensions = {name: record[name] for name in dimension_names}
                found.append({"namespace": directive["Namespace"], "value": record[metric], **dimensions})
    return found


def test_a_sync_conflict_is_counted_as_a_problem_of_its_kind(
    invoke: Callable[[str], Handler], capsys: pytest.CaptureFixture[str]
) -> None:
    sync = invoke("SyncFunction")
    phone, tablet = Device(sync, "alice"), Device(sync, "alice")
    phone.pull()
    phone.push(changes(created=[journal_entry("shared")]))
    tablet.pull()
    tablet.push(changes(updated=[journal_entry("shared", body="tablet")]))
    capsys.readouterr()

    response = phone.push(changes(updated=[journal_entry("shared", body="phone")]))

    assert response["statusCode"] == 409
    assert _emitted(capsys.readouterr().out, "ClientErrors") == [
        {"namespace": "Selfkind/dev", "value": [1.0], "problem": "sync-conflict", "service": "sync"}
    ]


def test_catalog_responses_are_counted_by_outcome(
    invoke: Callable[[str], Handler], capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = invoke("CatalogFunction")
    first = catalog(http_api_event("GET", "/v1/affirmations"))
    catalog(http_api_event("GET", "/v1/affirmations", headers={"if-none-match": first["headers"]["ETag"]}))
    catalog(http_api_event("GET", "/v1/affirmations", query="colour=blue"))

    output = capsys.readouterr().out

    assert [(r["outcome"], r["service"]) for r in _emitted(output, "CatalogResponses")] == [
        ("served", "catalog"),
        ("not_modified", "catalog"),
    ]
    assert [r["problem"] for r in _emitted(output, "ClientErrors")] == ["invalid-request"]
    assert not _emitted(output, "CatalogServed")
