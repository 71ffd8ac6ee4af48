"""Input an attacker or a broken client sends: every one is a 4xx problem that names the field and
never repeats what the client chose, and nothing of it is written."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from devstack.events import http_api_event
from selfkind.data.sync_repository import SyncRepository
from tests.conftest import Handler
from tests.sync_client import changes, journal_entry, push_event

JSON = {"content-type": "application/json"}
DEVICE = {
    "platform": "ios",
    "token": "token-0123456789",
    "timezone": "Europe/Madrid",
    "locale": "es",
    "app_version": "1",
}


@pytest.fixture
def catalog(invoke: Callable[[str], Handler]) -> Handler:
    return invoke("CatalogFunction")


def _problem(response: dict[str, Any], status: int) -> dict[str, Any]:
    assert response["statusCode"] == status, response["body"]
    assert response["headers"]["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = json.loads(response["body"])
    assert problem["status"] == status
    return problem


def _fields(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def _head(aws: dict[str, str], user: str) -> int:
    return SyncRepository(aws["Table"], boto3.client("dynamodb")).read_head(user).seq


# --- a lone UTF-16 surrogate (a JavaScript client that cut an emoji in half) -------------------------


def test_a_lone_surrogate_in_a_pushed_record_is_a_400_naming_the_column(sync: Handler, aws: dict[str, str]) -> None:
    body = '{"changes": {"journal_entries": {"created": [%s], "updated": [], "deleted": []}}}'
    record = json.dumps(journal_entry("e1")).replace('"A kind note to myself."', '"half an emoji \\ud83d"')

    response = sync(push_event("alice", body % record, 0))

    problem = _problem(response, 400)
    assert _fields(problem) == ["changes.journal_entries.created[0].body"]
    assert _head(aws, "alice") == 1  # nothing written
    again = sync(push_event("alice", body % json.dumps(journal_entry("e1")), 0))
    assert again["statusCode"] == 200  # the device can sync once it sends whole characters


def test_a_lone_surrogate_in_a_device_registration_is_a_400_naming_the_field(account: Handler) -> None:
    raw = json.dumps(DEVICE).replace('"app_version": "1"', '"app_version": "1\\udc00"')

    response = account(http_api_event("PUT", "/v1/devices/phone", headers=JSON, body=raw, claims={"sub": "alice"}))

    assert _fields(_problem(response, 400)) == ["app_version"]


# --- extreme JSON ------------------------------------------------------------------------------------

DEEP = '{"changes": ' + "[" * 100_000 + "]" * 100_000 + "}"
HUGE_INTEGER = '{"max_per_day": ' + "7" * 5_000 + "}"


@pytest.mark.parametrize("raw", [DEEP, HUGE_INTEGER, '{"max_per_day": 1e999}', '{"max_per_day": NaN}'])
def test_extreme_json_is_a_400_everywhere(sync: Handler, account: Handler, raw: str) -> None:
    pushed = sync(push_event("alice", raw, 0))
    settings = account(http_api_event("PUT", "/v1/me/settings", headers=JSON, body=raw, claims={"sub": "alice"}))

    _problem(pushed, 400)
    _problem(settings, 400)


def test_a_body_that_is_not_utf8_is_a_400(account: Handler) -> None:
    event = http_api_event("PUT", "/v1/me/settings", headers=JSON, body="{}", claims={"sub": "alice"})
    event["body"] = base64.b64encode(b'{"max_per_day": "\xff\xfe"}').decode()
    event["isBase64Encoded"] = True

    _problem(account(event), 400)


# --- errors never repeat what the client chose -----------------------------------------------------

MARKUP = "<script>alert(1)</script>"


def test_an_unknown_exercise_id_is_not_echoed(catalog: Handler) -> None:
    event = http_api_event("GET", "/v1/exercises/%3Cscript%3E", path_parameters={"exercise_id": "<script>"})

    response = catalog(event)

    assert _fields(_problem(response, 400)) == ["exercise_id"]  # no id has these characters
    assert "script" not in response["body"]
    unknown = catalog(http_api_event("GET", "/v1/exercises/no-such-one", route_key="GET /v1/exercises/{exercise_id}"))
    _problem(unknown, 404)
    assert "no-such-one" not in unknown["body"]


def test_an_unknown_query_parameter_lists_the_allowed_ones_instead_of_echoing_it(catalog: Handler) -> None:
    response = catalog(http_api_event("GET", "/v1/exercises", query="%3Cscript%3E=1"))

    problem = _problem(response, 400)
    assert "script" not in response["body"]
    assert all(name in problem["detail"] for name in ("category", "technique", "approach", "max_minutes"))


def test_an_unknown_table_lists_the_synced_tables_instead_of_echoing_it(sync: Handler, aws: dict[str, str]) -> None:
    response = sync(push_event("alice", {"changes": changes("x_" + "secrets", created=[journal_entry("e1")])}, 0))

    problem = _problem(response, 400)
    assert "secrets" not in response["body"]
    assert _fields(problem) == ["changes"]
    assert all(table in problem["detail"] for table in ("journal_entries", "affirmations", "practice_sessions"))


def test_an_unknown_member_of_a_body_is_not_echoed(account: Handler) -> None:
    raw = json.dumps({**DEVICE, "x_sneaky_field": 1})

    response = account(http_api_event("PUT", "/v1/devices/phone", headers=JSON, body=raw, claims={"sub": "alice"}))

    problem = _problem(response, 400)
    assert "sneaky" not in response["body"]
    assert "app_version" in problem["detail"]  # the members it takes instead


def test_a_bad_record_is_named_by_its_position_not_its_id(sync: Handler) -> None:
    body = {"changes": changes(created=[journal_entry("e1"), journal_entry("chosen-id", mood=9)])}

    response = sync(push_event("alice", body, 0))

    assert _fields(_problem(response, 400)) == ["changes.journal_entries.created[1].mood"]
    assert "chosen-id" not in response["body"]


def test_a_wrong_method_does_not_echo_it(catalog: Handler) -> None:
    response = catalog(http_api_event("PATCH", "/v1/exercises", route_key="$default"))

    _problem(response, 405)
    assert "PATCH" not in json.loads(response["body"])["detail"]


def test_a_percent_encoded_id_reaches_the_handler_decoded(account: Handler) -> None:
    # API Gateway decodes path parameters; Powertools routes on rawPath, which keeps the encoding.
    event = http_api_event("DELETE", "/v1/reminders/morning%3A1", claims={"sub": "alice"})

    assert account(event)["statusCode"] == 204


def test_an_id_with_characters_no_route_takes_is_a_400_naming_it(account: Handler) -> None:
    event = http_api_event("DELETE", "/v1/devices/%C2%9B%C3%97", claims={"sub": "alice"})

    assert _fields(_problem(account(event), 400)) == ["device_id"]


def test_a_multipart_body_without_a_boundary_is_a_415(account: Handler) -> None:
    headers = {"content-type": "multipart/form-data"}
    event = http_api_event(
        "PUT", "/v1/me/settings", headers=headers, body='{"max_per_day": 2}', claims={"sub": "alice"}
    )

    _problem(account(event), 415)


def test_numbers_read_as_javascript_reads_them_and_dates_only_as_text(account: Handler) -> None:
    def put(raw: str) -> dict[str, Any]:
        return account(http_api_event("PUT", "/v1/me/settings", headers=JSON, body=raw, claims={"sub": "alice"}))

    assert json.loads(put('{"max_per_day": 2.0}')["body"])["max_per_day"] == 2  # 2.0 is the integer 2
    assert _fields(_problem(put('{"max_per_day": 2.5}'), 400)) == ["max_per_day"]
    assert _fields(_problem(put('{"paused_until": 0}'), 400)) == ["paused_until"]
    assert _fields(_problem(put('{"gentle_pacing": "yes"}'), 400)) == ["gentle_pacing"]


# --- path ids are matched whole ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "field", "body"),
    [
        ("GET", "/v1/exercises/self-compassion-break%0A", "exercise_id", None),
        ("GET", "/v1/guides/what-is-self-compassion%0A", "guide_id", None),
        ("GET", "/v1/programs/start-here%0A", "program_id", None),
        (
            "PUT",
            "/v1/reminders/rem%0A",
            "reminder_id",
            {"kind": "affirmation", "local_time": "08:00", "timezone": "UTC"},
        ),
        ("DELETE", "/v1/reminders/rem%0A", "reminder_id", None),
        ("PUT", "/v1/devices/phone%0A", "device_id", DEVICE),
        ("POST", "/v1/notifications/n-1%0A/opened", "notification_id", None),
        ("GET", "/v1/notifications/n-1%0A", "notification_id", None),
    ],
)
def test_a_trailing_newline_on_a_path_id_is_a_400_naming_it(
    catalog: Handler, account: Handler, method: str, path: str, field: str, body: Any
) -> None:
    # Given a path id with a newline at its end (`$` also matches before a final newline)
    handler = catalog if path.startswith(("/v1/exercises", "/v1/guides", "/v1/programs")) else account
    event = http_api_event(
        method, path, headers=JSON if body else {}, body=json.dumps(body) if body else None, claims={"sub": "alice"}
    )

    # When it is sent
    response = handler(event)

    # Then it is refused naming the id, and never served or written as the id without the newline
    assert _fields(_problem(response, 400)) == [field]


def test_a_reminder_id_with_a_trailing_newline_neither_creates_nor_deletes_the_id_without_it(
    account: Handler,
) -> None:
    body = json.dumps({"kind": "affirmation", "local_time": "08:00", "timezone": "UTC"})
    put = http_api_event("PUT", "/v1/reminders/rem", headers=JSON, body=body, claims={"sub": "alice"})
    assert account(put)["statusCode"] == 200

    account(http_api_event("DELETE", "/v1/reminders/rem%0A", claims={"sub": "alice"}))
    listed = json.loads(account(http_api_event("GET", "/v1/reminders", claims={"sub": "alice"}))["body"])

    assert [reminder["reminder_id"] for reminder in listed["items"]] == ["rem"]


# --- a subject no issuer would mint ---------------------------------------------------------------

LONG_SUB = "é" * 513  # 1,026 bytes in UTF-8 (API Gateway passes it; DynamoDB's key limit is 2,048 bytes)
LONE_SURROGATE_SUB = "user-\ud800"  # not valid UTF-8: it cannot be encoded at all


@pytest.mark.parametrize("sub", [LONG_SUB, "é" * 1050, LONE_SURROGATE_SUB], ids=["1026-bytes", "2100-bytes", "lone"])
@pytest.mark.parametrize(
    ("function", "method", "path", "body"),
    [
        ("account", "PUT", "/v1/devices/phone", DEVICE),
        ("account", "PUT", "/v1/me/settings", {"max_per_day": 2}),
        ("account", "GET", "/v1/me/export", None),
        ("account", "DELETE", "/v1/me", None),
        ("account", "PUT", "/v1/reminders/r", {"kind": "nonsense"}),  # refused before the body is read
        ("sync", "GET", "/v1/sync", None),
        ("sync", "POST", "/v1/sync?last_pulled_at=0", {"changes": {}}),
    ],
)
def test_a_sub_too_long_or_not_utf8_is_a_401_before_any_handler_runs(
    account: Handler, sync: Handler, aws: dict[str, str], sub: str, function: str, method: str, path: str, body: Any
) -> None:
    route, _, query = path.partition("?")
    event = http_api_event(
        method,
        route,
        query=query,
        headers=JSON if body is not None else {},
        body=json.dumps(body) if body is not None else None,
        claims={"sub": sub},
    )

    response = (account if function == "account" else sync)(event)

    assert response["statusCode"] == 401, response["body"]
    assert sub not in response["body"]
    assert boto3.client("dynamodb").scan(TableName=aws["Table"])["Items"] == []  # nothing written


def test_a_sub_of_1024_bytes_is_a_user_like_any_other(account: Handler) -> None:
    sub = "é" * 512  # 1,024 bytes in UTF-8

    response = account(http_api_event("PUT", "/v1/me/settings", headers=JSON, body="{}", claims={"sub": sub}))

    assert response["statusCode"] == 200, response["body"]
