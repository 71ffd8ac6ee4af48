"""Export and erasure, and that no user can ever reach another user's records."""

from __future__ import annotations

import json
from typing import Any

from devstack.events import http_api_event
from tests.conftest import Handler
from tests.sync_client import Device, changes, journal_entry


def _export(account: Handler, user: str) -> dict[str, Any]:
    response = account(http_api_event("GET", "/v1/me/export", claims={"sub": user}))
    assert response["statusCode"] == 200
    document: dict[str, Any] = json.loads(response["body"])
    return document


def _erase(account: Handler, user: str) -> int:
    return int(account(http_api_event("DELETE", "/v1/me", claims={"sub": user}))["statusCode"])


def test_the_export_holds_everything_the_user_has(sync: Handler, account: Handler) -> None:
    alice = Device(sync, "alice")
    alice.pull()
    alice.push(changes(created=[journal_entry("e1"), journal_entry("e2")], deleted=[]))
    alice.pull()
    alice.push(changes(deleted=["e2"]))

    document = _export(account, "alice")

    assert document["user_id"] == "alice"
    assert [entry["id"] for entry in document["journal_entries"]] == ["e1"]
    assert document["affirmations"] == []
    assert document["practice_sessions"] == []


def test_erasure_removes_everything_and_can_be_repeated(sync: Handler, account: Handler) -> None:
    alice = Device(sync, "alice")
    alice.pull()
    alice.push(changes(created=[journal_entry("e1")]))
    alice.pull()

    assert _erase(account, "alice") == 204
    assert _erase(account, "alice") == 204

    assert _export(account, "alice")["journal_entries"] == []
    page = alice.pull()  # the phone learns its data is gone
    assert page["experimentalStrategy"] == "replacement"
    assert alice.records == {}


def test_no_endpoint_lets_a_user_reach_another_users_records(sync: Handler, account: Handler) -> None:
    alice, bob = Device(sync, "alice"), Device(sync, "bob")
    alice.pull()
    alice.push(changes(created=[journal_entry("private-entry", body="alice's secret")]))
    bob.pull()

    # Bob sends Alice's record id in every kind of change, and pulls, exports and erases.
    assert bob.push(changes(updated=[journal_entry("private-entry", body="bob")]))["statusCode"] == 200
    bob.pull()
    assert bob.push(changes(deleted=["private-entry"]))["statusCode"] == 200
    assert Device(sync, "bob").pull()["changes"]["journal_entries"]["created"] == []
    assert "alice's secret" not in json.dumps(_export(account, "bob"))
    assert _erase(account, "bob") == 204

    fresh = Device(sync, "alice")
    fresh.pull()
    assert fresh.records[("journal_entries", "private-entry")]["body"] == "alice's secret"
    assert [e["body"] for e in _export(account, "alice")["journal_entries"]] == ["alice's secret"]


def test_a_request_without_a_verified_subject_is_refused(sync: Handler, account: Handler) -> None:
    for handler, event in [
        (sync, http_api_event("GET", "/v1/sync")),
        (account, http_api_event("GET", "/v1/me/export")),
        (account, http_api_event("DELETE", "/v1/me")),
    ]:
        response = handler(event)
        assert response["statusCode"] == 401
        assert response["headers"]["Content-Type"] == "application/problem+json"
