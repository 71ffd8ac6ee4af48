"""The committed openapi.json documents every status each route can answer (a drift test in tests/e2e
keeps it generated from the code)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from devstack.template import REPO_ROOT, http_routes

DOCUMENT: dict[str, Any] = json.loads((REPO_ROOT / "openapi.json").read_text())
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _operation(method: str, path: str) -> dict[str, Any]:
    operation: dict[str, Any] = DOCUMENT["paths"][path][method.lower()]
    return operation


def test_every_route_of_the_template_is_documented() -> None:
    declared = {(route.method, route.path) for route in http_routes() if route.path != "$default"}

    assert {(method, path) for method, path, _ in OPERATIONS} == declared


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_every_error_a_function_answers_is_a_documented_problem(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    responses = operation["responses"]

    assert {"400", "500", "429"} <= set(responses)
    # The share page answers a person's browser: an unknown or expired link is a page, not a problem.
    pages = {"404", "410"} if path == "/s/{token}" else set()
    for status, response in responses.items():
        if status.startswith(("4", "5")) and status not in ("401", "429", *pages):
            assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, status
    if operation.get("security"):
        assert "application/json" in responses["401"]["content"]  # API Gateway's own {"message": ...}


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS])
def test_empty_responses_have_no_body(method: str, path: str, operation: dict[str, Any]) -> None:
    for status in ("204", "304"):
        if status in operation["responses"]:
            assert "content" not in operation["responses"][status]


def test_a_push_documents_conflicts_limits_media_type_idempotency_and_busy() -> None:
    responses = _operation("POST", "/v1/sync")["responses"]

    assert {"200", "400", "401", "409", "413", "415", "422", "503"} <= set(responses)
    assert "Retry-After" in responses["503"]["headers"]


@pytest.mark.parametrize(("method", "path"), [("PUT", "/v1/devices/{device_id}"), ("PUT", "/v1/me/settings")])
def test_account_writes_document_the_erasure_answers(method: str, path: str) -> None:
    assert {"409", "503"} <= set(_operation(method, path)["responses"])


def test_creating_a_share_documents_its_201_and_the_page_its_html() -> None:
    created = _operation("POST", "/v1/shares")["responses"]
    page = _operation("GET", "/s/{token}")["responses"]

    assert "201" in created
    assert "200" not in created
    assert set(page["200"]["content"]) == {"text/html; charset=utf-8", "application/json"}
    assert set(page["404"]["content"]) == {"text/html; charset=utf-8"}
