"""Building application/problem+json responses (RFC 9457)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.types import (
    OpenAPIResponse,
    OpenAPIResponseContentModel,
    OpenAPIResponseContentSchema,
)
from pydantic import BaseModel

from selfkind.models.problem import Conflict, FieldError, Problem

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://selfkind.app/problems/"


def problem_response(
    status: HTTPStatus,
    detail: str,
    *,
    problem_type: str | None = None,
    errors: list[FieldError] | None = None,
    conflicts: list[Conflict] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    problem = Problem(
        type=PROBLEM_TYPE_BASE + problem_type if problem_type else "about:blank",
        title=status.phrase,
        status=status.value,
        detail=detail,
        errors=errors,
        conflicts=conflicts,
    )
    return Response(
        status_code=status.value,
        content_type=PROBLEM_CONTENT_TYPE,
        body=problem.model_dump_json(exclude_none=True),
        headers=headers,
    )


class GatewayMessage(BaseModel):
    """What API Gateway itself answers (its JWT authorizer, its throttling): not a problem document."""

    message: str


_PROBLEM_DESCRIPTIONS: dict[HTTPStatus, str] = {
    HTTPStatus.BAD_REQUEST: "Invalid request: `errors` names each field (never repeating its value)",
    HTTPStatus.NOT_FOUND: "No such resource",
    HTTPStatus.CONFLICT: "A conflict: records changed since the last pull (`conflicts`), the account was erased "
    "since (`type` ends in account-erased: pull again), or the same Idempotency-Key is still in progress",
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "Over a documented size or count limit",
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE: "The body is not application/json",
    HTTPStatus.UNPROCESSABLE_ENTITY: "The Idempotency-Key was already used with another request (query or body)",
    HTTPStatus.SERVICE_UNAVAILABLE: "Busy or unavailable (storage contention or throttling, a dependency down, or "
    "the account being erased): retry after Retry-After seconds",
    HTTPStatus.INTERNAL_SERVER_ERROR: "Something went wrong on our side",
}
_RETRY_AFTER: dict[str, Any] = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
}


def documented_responses(
    model: type[BaseModel] | None,
    *problems: HTTPStatus,
    cacheable: bool = False,
    authenticated: bool = True,
) -> dict[int, OpenAPIResponse]:
    """Every status a route can answer: its model on 200 (or 204 with no body when model is None), the
    problems it can raise, 400 and 500 (any route), and API Gateway's own 401 (JWT) and 429 (throttling).
    An authenticated route reads or writes the user's data, so it can also answer 503 (storage throttled
    or unavailable)."""
    problem_content: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
        PROBLEM_CONTENT_TYPE: {"model": Problem}
    }
    gateway_content: dict[str, OpenAPIResponseContentSchema | OpenAPIResponseContentModel] = {
        "application/json": {"model": GatewayMessage}
    }
    responses: dict[int, OpenAPIResponse] = (
        {200: {"description": "OK", "content": {"application/json": {"model": model}}}}
        if model is not None
        else {204: {"description": "Done (no body)"}}
    )
    if cacheable:
        responses[304] = {"description": "Not modified: the ETag in If-None-Match still matches"}
    statuses = {HTTPStatus.BAD_REQUEST, HTTPStatus.INTERNAL_SERVER_ERROR, *problems}
    if authenticated:
        statuses.add(HTTPStatus.SERVICE_UNAVAILABLE)
    for status in sorted(statuses):
        response: OpenAPIResponse = {"description": _PROBLEM_DESCRIPTIONS[status], "content": problem_content}
        if status is HTTPStatus.SERVICE_UNAVAILABLE:
            response["headers"] = _RETRY_AFTER
        responses[status.value] = response
    if authenticated:
        responses[401] = {
            "description": 'No valid token: API Gateway\'s JWT authorizer answers {"message": "Unauthorized"}',
            "content": {**gateway_content, **problem_content},
        }
    responses[429] = {"description": "Throttled by API Gateway (the stage's rate limits)", "content": gateway_content}
    return responses
