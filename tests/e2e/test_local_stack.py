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
