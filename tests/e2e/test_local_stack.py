"""The local stack over HTTP: what a mobile developer sees after `make run`."""

from __future__ import annotations

import json
import subprocess
import sys

import jwt

from devstack.template import REPO_ROOT
from tests.local_stack import LocalStack


def test_the_catalog_is_served_with_caching(stack: LocalStack) -> None:
    first = stack.request("GET", "/v1/exercises?technique=loving_kindness", headers={"Accept-Language": "es"})

    assert first.status == 200
    assert first.headers["content-language"] == "es"
    assert first.json()["items"]
    again = stack.request(
        "GET",
        "/v1/exercises?technique=loving_kindness",
        headers={"Accept-Language": "es", "If-None-Match": first.headers["etag"]},
    )
    assert again.status == 304
    assert again.body == b""


def test_errors_are_problem_documents(stack: LocalStack) -> None:
    for method, path, status in [
        ("GET", "/v1/exercises/nope", 404),
        ("GET", "/v1/exercises?max_minutes=-1", 400),
        ("GET", "/no/such/route", 404),
        ("PUT", "/v1/affirmations", 405),
    ]:
        response = stack.request(method, path, body={} if method == "PUT" else None)
        assert response.status == status, path
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == status


def test_the_local_issuer_signs_tokens_for_a_subject(stack: LocalStack) -> None:
    token = stack.token("alice")

    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["sub"] == "alice"
    assert claims["iss"] == f"{stack.base_url}/_local"
    assert claims["exp"] > claims["iat"]


def test_openapi_is_served_and_matches_the_committed_document(stack: LocalStack) -> None:
    served = stack.request("GET", "/openapi.json")
    committed = (REPO_ROOT / "openapi.json").read_text()

    assert served.status == 200
    assert json.loads(served.body) == json.loads(committed)


def test_the_committed_openapi_document_is_generated_from_the_code() -> None:
    generated = subprocess.run(
        [sys.executable, "-m", "devstack.openapi"], cwd=REPO_ROOT, check=True, capture_output=True, text=True
    ).stdout
    assert generated == (REPO_ROOT / "openapi.json").read_text(), "openapi.json drifted: run `make openapi`"


def test_a_path_id_with_a_trailing_newline_is_a_400_problem(stack: LocalStack) -> None:
    token = stack.token("e2e-newline-user")
    reminder = {"kind": "affirmation", "local_time": "08:00", "timezone": "UTC"}

    exercise = stack.request("GET", "/v1/exercises/self-compassion-break%0A")
    created = stack.request("PUT", "/v1/reminders/rem%0A", reminder, token=token)

    for response, field in ((exercise, "exercise_id"), (created, "reminder_id")):
        assert response.status == 400
        assert response.headers["content-type"] == "application/problem+json"
        assert [error["field"] for error in response.json()["errors"]] == [field]
    assert stack.request("GET", "/v1/reminders", token=token).json() == {"items": []}  # `rem` was not created


def test_a_sub_too_long_or_not_utf8_is_a_401_before_any_handler(stack: LocalStack) -> None:
    for sub in ("é" * 513, "e2e-\ud800"):
        token = stack.token(sub)  # the local issuer signs any subject, as no real issuer would

        responses = [
            stack.request("PUT", "/v1/me/settings", {"max_per_day": 2}, token=token),
            stack.request("GET", "/v1/me/export", token=token),
            stack.request("DELETE", "/v1/me", token=token),
            stack.request("GET", "/v1/sync", token=token),
        ]

        assert [response.status for response in responses] == [401] * 4
    assert stack.request("PUT", "/v1/me/settings", {"max_per_day": 2}, token=stack.token("é" * 512)).status == 200
