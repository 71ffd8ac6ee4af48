"""A throttled DynamoDB never answers 500: on every route that reads or writes the user's data, throttling
from any one call on answers 503 problem+json with Retry-After.

Moto cannot throttle, so a botocore `before-call` handler answers ProvisionedThroughputExceededException
in DynamoDB's place, from the n-th call of the request on (for each n the request makes): the fault the
data layer's convention (selfkind.data.base.MappedClient) turns into DependencyError. The answer stands
for what botocore raises once its own retries are spent; the data layer's jittered backoff between its
retries is set to zero (the retries still happen, without the waiting).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from devstack.events import http_api_event
from selfkind.api.problems import PROBLEM_CONTENT_TYPE
from selfkind.api.routes import API_ROUTES
from selfkind.data import base as data_base
from selfkind.data.clients import dynamodb_client
from tests.conftest import Handler
from tests.sync_client import changes, journal_entry

USER = "throttled-user"
JSON = {"content-type": "application/json"}
_ids = itertools.count()


@dataclass(frozen=True)
class RouteCall:
    function: str
    method: str
    route: str  # the template's path, as in API_ROUTES
    path: str | Callable[[Callable[[str], Handler]], str]  # or made for the call (a share's id or link)
    body: Callable[[Callable[[str], Handler]], Any] | None = None
    query: Callable[[Callable[[str], Handler]], str] | None = None


def _last_pulled_at(invoke: Callable[[str], Handler]) -> int:
    pulled = invoke("SyncFunction")(
        http_api_event("GET", "/v1/sync", query="last_pulled_at=null", claims={"sub": USER})
    )
    return int(json.loads(pulled["body"])["timestamp"])


def _push_body(_: Callable[[str], Handler]) -> Any:
    return {"changes": changes(created=[journal_entry(f"throttled-{next(_ids)}")])}


def _device(_: Callable[[str], Handler]) -> Any:
    return {"platform": "android", "token": "token-0123456789", "timezone": "UTC", "locale": "en", "app_version": "1"}


def _reminder(_: Callable[[str], Handler]) -> Any:
    return {"kind": "affirmation", "local_time": "08:00"}


def _settings(_: Callable[[str], Handler]) -> Any:
    return {"quiet_hours": None}


def _share(_: Callable[[str], Handler]) -> Any:
    return {"weeks": 4, "include": {"practice": True, "moods": True, "check_ins": True}, "language": "en"}


def _created_share(invoke: Callable[[str], Handler]) -> dict[str, str]:
    event = http_api_event("POST", "/v1/shares", headers=JSON, body=json.dumps(_share(invoke)), claims={"sub": USER})
    created = invoke(ACCOUNT)(event)
    assert created["statusCode"] == 201
    share: dict[str, str] = json.loads(created["body"])
    return share


def _revoke_all(invoke: Callable[[str], Handler]) -> None:
    account = invoke(ACCOUNT)
    listed = json.loads(account(http_api_event("GET", "/v1/shares", claims={"sub": USER}))["body"])["items"]
    for share in listed:
        account(http_api_event("DELETE", f"/v1/shares/{share['id']}", claims={"sub": USER}))


ACCOUNT, SYNC = "AccountFunction", "SyncFunction"
CALLS = [
    RouteCall(SYNC, "GET", "/v1/sync", "/v1/sync", query=lambda _: "last_pulled_at=null"),
    RouteCall(
        SYNC, "POST", "/v1/sync", "/v1/sync", body=_push_body, query=lambda i: f"last_pulled_at={_last_pulled_at(i)}"
    ),
    RouteCall(SYNC, "GET", "/v1/insights", "/v1/insights"),
    RouteCall(SYNC, "GET", "/v1/suggestions", "/v1/suggestions"),
    RouteCall(ACCOUNT, "GET", "/v1/me/export", "/v1/me/export"),
    RouteCall(ACCOUNT, "DELETE", "/v1/me", "/v1/me"),
    RouteCall(ACCOUNT, "PUT", "/v1/devices/{device_id}", "/v1/devices/phone", body=_device),
    RouteCall(ACCOUNT, "GET", "/v1/devices", "/v1/devices"),
    RouteCall(ACCOUNT, "DELETE", "/v1/devices/{device_id}", "/v1/devices/phone"),
    RouteCall(ACCOUNT, "PUT", "/v1/reminders/{reminder_id}", "/v1/reminders/morning", body=_reminder),
    RouteCall(ACCOUNT, "GET", "/v1/reminders", "/v1/reminders"),
    RouteCall(ACCOUNT, "DELETE", "/v1/reminders/{reminder_id}", "/v1/reminders/morning"),
    RouteCall(ACCOUNT, "GET", "/v1/me/settings", "/v1/me/settings"),
    RouteCall(ACCOUNT, "PUT", "/v1/me/settings", "/v1/me/settings", body=_settings),
    RouteCall(ACCOUNT, "GET", "/v1/notifications/{notification_id}", "/v1/notifications/n-1"),
    RouteCall(ACCOUNT, "POST", "/v1/notifications/{notification_id}/opened", "/v1/notifications/n-1/opened"),
    RouteCall(ACCOUNT, "POST", "/v1/shares", "/v1/shares", body=_share),
    RouteCall(ACCOUNT, "GET", "/v1/shares", "/v1/shares"),
    RouteCall(ACCOUNT, "DELETE", "/v1/shares/{share_id}", lambda invoke: f"/v1/shares/{_created_share(invoke)['id']}"),
    RouteCall(ACCOUNT, "GET", "/s/{token}", lambda invoke: "/s/" + _created_share(invoke)["url"].rsplit("/s/", 1)[1]),
]


class Throttle:
    """Counts the DynamoDB calls of a request and answers throttling from call `start` on."""

    def __init__(self) -> None:
        self.calls = 0
        self.start: int | None = None

    def __call__(self, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        self.calls += 1
        if self.start is None or self.calls <= self.start:
            return None
        error = {"Code": "ProvisionedThroughputExceededException", "Message": "Rate of requests exceeds the limit"}
        return _HttpResponse(400), {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}


@dataclass
class _HttpResponse:
    """What botocore reads of a response a `before-call` handler answers with."""

    status_code: int
    headers: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def throttle(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Throttle]:
    throttle = Throttle()
    dynamodb_client.cache_clear()
    client = dynamodb_client()
    monkeypatch.setattr(data_base, "_backoff", lambda _: None)
    client.meta.events.register("before-call.dynamodb.*", throttle)  # type: ignore[arg-type]
    yield throttle
    client.meta.events.unregister("before-call.dynamodb.*", throttle)  # type: ignore[arg-type]
    dynamodb_client.cache_clear()


def _event(call: RouteCall, invoke: Callable[[str], Handler]) -> dict[str, Any]:
    body = call.body(invoke) if call.body else None
    return http_api_event(
        call.method,
        call.path if isinstance(call.path, str) else call.path(invoke),
        query=call.query(invoke) if call.query else "",
        headers=JSON if body is not None else {},
        body=json.dumps(body) if body is not None else None,
        claims={"sub": USER},
    )


def _seed(invoke: Callable[[str], Handler]) -> None:
    """The user has a device, a reminder and a journal entry, so each route has something to read."""
    account = invoke(ACCOUNT)
    for call in (CALLS[6], CALLS[9]):
        assert account(_event(call, invoke))["statusCode"] == 200
    assert invoke(SYNC)(_event(CALLS[1], invoke))["statusCode"] == 200
    _revoke_all(invoke)  # each share route starts below the live limit


@pytest.mark.parametrize("call", CALLS, ids=lambda call: f"{call.method} {call.route}")
def test_a_throttled_call_answers_503_with_retry_after_never_500(
    call: RouteCall, invoke: Callable[[str], Handler], throttle: Throttle
) -> None:
    handler = invoke(call.function)
    _seed(invoke)
    event = _event(call, invoke)
    throttle.calls = 0
    unthrottled = handler(event)
    assert unthrottled["statusCode"] < 500
    calls = throttle.calls
    assert calls > 0  # the route does read or write DynamoDB

    # When throttling starts at each of the request's calls in turn (the request's own inputs read first)
    answers = []
    for start in range(calls):
        _seed(invoke)
        event = _event(call, invoke)
        throttle.calls, throttle.start = 0, start
        answers.append(handler(event))
        throttle.start = None
        # And the retry that Retry-After asks for goes through (an erasure's lease, say, does not linger)
        assert handler(event)["statusCode"] < 500

    # Then each answer is a 503 problem with Retry-After: none is a 500, none a success
    assert [answer["statusCode"] for answer in answers] == [503] * calls
    for answer in answers:
        headers = {name.lower(): value for name, value in answer["headers"].items()}
        assert headers["content-type"] == PROBLEM_CONTENT_TYPE
        assert int(headers["retry-after"]) > 0
        assert json.loads(answer["body"])["status"] == 503


def test_every_route_of_the_users_data_is_covered() -> None:
    catalog = {route for route in API_ROUTES if route[0] == "GET" and not _needs_user(route[1])}
    assert {(call.method, call.route) for call in CALLS} == set(API_ROUTES) - catalog


def _needs_user(path: str) -> bool:
    public = ("/v1/exercises", "/v1/affirmations", "/v1/support", "/v1/guides", "/v1/programs", "/v1/prompts")
    return not path.startswith(public) and not path.startswith("/v1/instruments")
