"""The catalog function through its handler, with the events API Gateway sends: a client for its tests."""

from __future__ import annotations

import json
from typing import Any

Response = dict[str, Any]


def ok_json(response: Response) -> Any:
    assert response["statusCode"] == 200, response["body"]
    return json.loads(response["body"])


def problem_of(response: Response, status: int) -> dict[str, Any]:
    assert response["statusCode"] == status
    assert response["headers"]["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = json.loads(response["body"])
    assert problem["status"] == status
    return problem
