"""The local gateway behaves as API Gateway's HTTP API does: the JWT authorizer's documented rules,
percent-decoded path parameters, and a 400 problem (not a dropped connection) for a body that is not UTF-8."""

from __future__ import annotations

import json
import time
from http import HTTPStatus
from typing import Any

import pytest

from devstack.auth import LocalIssuer
from devstack.gateway import Gateway, LocalProblem
from devstack.template import http_routes

ISSUER = "http://127.0.0.1:3000/_local"


class RecordingPool:
    """Stands in for a function's containers: records each event, answers 200."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        self.events.append(event)
        return {"statusCode": 200, "headers": {"content-type": "application/json"}, "body": "{}"}


@pytest.fixture
def issuer() -> LocalIssuer:
    return LocalIssuer(issuer=ISSUER)


@pytest.fixture
def pool() -> RecordingPool:
    return RecordingPool()


@pytest.fixture
def gateway(issuer: LocalIssuer, pool: RecordingPool) -> Gateway:
    pools = {route.function: pool for route in http_routes()}
    return Gateway(routes=http_routes(), pools=pools, issuer=issuer, openapi_document=lambda: "{}")  # type: ignore[arg-type]


def _status(gateway: Gateway, authorization: str | None) -> int:
    headers = {"authorization": authorization} if authorization is not None else {}
    return gateway.handle("GET", "/v1/sync", headers, b"")[0]


def test_a_token_with_or_without_the_bearer_prefix_is_accepted(gateway: Gateway, issuer: LocalIssuer) -> None:
    token = issuer.issue("alice")

    assert _status(gateway, f"Bearer {token}") == 200
    assert _status(gateway, token) == 200


def test_a_cognito_access_token_with_client_id_instead_of_aud_is_accepted(
    gateway: Gateway, issuer: LocalIssuer, pool: RecordingPool
) -> None:
    assert _status(gateway, issuer.issue("alice", token_use="access")) == 200
    assert pool.events[-1]["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] == "alice"


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) - 5},
        {"nbf": int(time.time()) + 600},
        {"iat": int(time.time()) + 600},
        {"iss": "https://someone-else.example"},
        {"aud": "another-app"},
        {"token_use": "access", "client_id": "another-app"},
    ],
)
def test_tokens_the_authorizer_refuses_are_401(gateway: Gateway, issuer: LocalIssuer, claims: dict[str, Any]) -> None:
    token_use = str(claims.pop("token_use", "id"))
    token = issuer.issue("alice", token_use=token_use, **claims)

    status, _, body = gateway.handle("GET", "/v1/sync", {"authorization": f"Bearer {token}"}, b"")

    assert status == 401
    assert json.loads(body) == {"message": "Unauthorized"}


def test_a_token_whose_kid_is_not_in_the_jwks_is_401(gateway: Gateway, issuer: LocalIssuer) -> None:
    stranger = LocalIssuer(issuer=ISSUER, key_id="not-published")

    assert _status(gateway, f"Bearer {stranger.issue('alice')}") == 401
    assert issuer.jwks()["keys"][0]["kid"] == issuer.key_id


def test_path_parameters_are_percent_decoded_and_the_raw_path_is_kept(gateway: Gateway, pool: RecordingPool) -> None:
    status, _, _ = gateway.handle("GET", "/v1/exercises/%3Cscript%3E%20x", {}, b"")

    assert status == 200
    event = pool.events[-1]
    assert event["pathParameters"] == {"exercise_id": "<script> x"}
    assert event["rawPath"] == "/v1/exercises/%3Cscript%3E%20x"


def test_a_body_that_is_not_utf8_is_a_400_problem_and_reaches_no_function(
    gateway: Gateway, issuer: LocalIssuer, pool: RecordingPool
) -> None:
    headers = {"authorization": f"Bearer {issuer.issue('alice')}", "content-type": "application/json"}

    status, response_headers, body = gateway.handle("PUT", "/v1/me/settings", headers, b'{"max_per_day": "\xff"}')

    assert status == 400
    assert response_headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 400
    assert pool.events == []


def test_a_local_routes_refusal_is_a_problem_naming_the_field(gateway: Gateway) -> None:
    def refuse(_: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        raise LocalProblem(HTTPStatus.BAD_REQUEST, "Tick times only move forward.", field="time")

    gateway.local_routes[("POST", "/_local/tick")] = refuse

    status, headers, body = gateway.handle("POST", "/_local/tick", {}, b'{"time": "2027-01-01T00:00:00Z"}')

    assert (status, headers["content-type"]) == (400, "application/problem+json")
    problem = json.loads(body)
    assert (problem["status"], problem["detail"]) == (400, "Tick times only move forward.")
    assert [error["field"] for error in problem["errors"]] == ["time"]
