"""The HTTP API resolver every API function uses: validation, and the one place errors become HTTP."""

from __future__ import annotations

import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import Any, cast
from urllib.parse import unquote

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.types import EventHandlerInstance
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from selfkind.api.auth import current_user_id
from selfkind.api.json_body import load_json_body
from selfkind.api.problems import problem_response
from selfkind.api.routes import allowed_methods, path_parameter_names
from selfkind.api.validation import field_errors, reject_lone_surrogates, reject_unknown_query_parameters
from selfkind.models.exceptions import (
    AccountErasedError,
    ConflictError,
    DependencyError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    RequestInProgressError,
    ServiceBusyError,
    SyncConflictError,
    UnauthenticatedError,
)
from selfkind.models.problem import Conflict, FieldError
from selfkind.observability import emit_counts


def _media_type(event: BaseProxyEvent) -> str:
    return (event.headers.get("content-type") or "").split(";")[0].strip().lower()


def _has_non_json_body(event: APIGatewayProxyEventV2) -> bool:
    # No content type counts as JSON, as Powertools reads it.
    return bool(event.body) and _media_type(event) not in ("", "application/json")


class _DecodedPathEvent(APIGatewayProxyEventV2):
    @property
    def path(self) -> str:
        # API Gateway matches routes on the path decoded once, and hands path parameters over decoded;
        # Powertools matches on rawPath as sent, which would give the handler `a%3A` for the id `a:`.
        return unquote(super().path)


class _RequestChecks(OpenAPIRequestValidationMiddleware):
    """The first middleware of every route (Powertools runs request validation before any other): the
    caller's subject on a route that needs a token, then the request's validity."""

    def handler(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response[Any]:
        route = app.context.get("_route")
        if route is not None and route.security:
            current_user_id(cast(APIGatewayProxyEventV2, app.current_event))  # 401 before validation or handler
        response: Response[Any] = super().handler(app, next_middleware)
        return response

    def _get_body(self, app: EventHandlerInstance) -> dict[str, Any]:
        # Every body this API takes is JSON: anything else is a 415 before any parser sees it (Powertools
        # would parse forms and multipart, and a multipart type without a boundary raises).
        if _media_type(app.current_event) not in ("", "application/json"):
            raise RequestUnsupportedContentType("Unsupported content type", errors=[])
        body: dict[str, Any] = super()._get_body(app)
        return body


UnroutableAnswer = Callable[[BaseProxyEvent], Response[str]]


class SelfkindResolver(APIGatewayHttpResolver):
    def __init__(self) -> None:
        super().__init__(enable_validation=True, json_body_deserializer=load_json_body)
        self._request_validation_middleware = _RequestChecks()  # type: ignore[no-untyped-call]
        self.unroutable_answers: dict[str, UnroutableAnswer] = {}

    def answer_unroutable(self, prefix: str, answer: UnroutableAnswer) -> None:
        """A path under `prefix` whose parameter Powertools cannot route (characters outside any id's)
        gets `answer` instead of the 400 problem naming the parameter: the share page's one 404 page."""
        self.unroutable_answers[prefix] = answer

    def _to_proxy_event(self, event: dict[str, Any]) -> BaseProxyEvent:
        return _DecodedPathEvent(event, self._json_body_deserializer)

    @staticmethod
    def _compile_regex(rule: str, base_regex: str = r"^{}\Z") -> re.Pattern[str]:
        # Powertools anchors routes with `$`, which also matches before a final newline: `/v1/reminders/rem%0A`
        # would reach the handler as the id `rem`. `\Z` matches the whole path only; the path then routes to
        # no handler, and the not-found handler names the id as having characters an id never has.
        compiled: re.Pattern[str] = APIGatewayHttpResolver._compile_regex(rule, base_regex)
        return compiled


@dataclass(frozen=True)
class _Problem:
    status: HTTPStatus
    problem_type: str | None  # the `type` after PROBLEM_TYPE_BASE; None: about:blank
    counted_as: str  # the ClientErrors metric's `problem` dimension
    detail: str | None = None  # None: the exception's own message (which never carries user content)
    retry_after: str | None = None


# The domain's errors as HTTP: the most specific class raised wins (Powertools walks the MRO).
PROBLEMS: dict[type[Exception], _Problem] = {
    NotFoundError: _Problem(HTTPStatus.NOT_FOUND, "not-found", "not-found"),
    ConflictError: _Problem(HTTPStatus.CONFLICT, "conflict", "conflict"),
    AccountErasedError: _Problem(HTTPStatus.CONFLICT, "account-erased", "account-erased"),
    UnauthenticatedError: _Problem(HTTPStatus.UNAUTHORIZED, None, "unauthenticated"),
    PayloadTooLargeError: _Problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, None, "payload-too-large"),
    IdempotencyKeyReusedError: _Problem(
        HTTPStatus.UNPROCESSABLE_ENTITY,
        "idempotency-key-reused",
        "idempotency-key-reused",
        detail="This Idempotency-Key was already used with a different request (its query or body).",
    ),
    RequestInProgressError: _Problem(
        HTTPStatus.CONFLICT,
        "idempotency-in-progress",
        "idempotency-in-progress",
        detail="A request with this Idempotency-Key is still being processed; retry shortly.",
        retry_after="2",
    ),
}
# Seconds before a retry, by whether the dependency's failure is transient (throttling) or not (an outage).
DEPENDENCY_RETRY_AFTER = {True: 2, False: 30}


def create_resolver(metrics: Metrics, logger: Logger) -> SelfkindResolver:
    app = SelfkindResolver()
    # Both run after Powertools' request validation, over the validated values.
    app.use(middlewares=[reject_unknown_query_parameters, reject_lone_surrogates])

    def client_error(response: Response[str], problem: str) -> Response[str]:
        # The kind of problem is a dimension (bounded: one value per handler here), never the name.
        emit_counts(metrics, "ClientErrors", {(("problem", problem),): 1})
        return response

    def not_json() -> Response[str]:
        return client_error(
            problem_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json."),
            "unsupported-media-type",
        )

    def invalid(errors: list[FieldError]) -> Response[str]:
        # One shape for every invalid input: the detail says each field and what is wrong with it.
        described = "; ".join(
            " ".join(part for part in (item.location, item.field, item.message) if part) for item in errors
        )
        return client_error(
            problem_response(
                HTTPStatus.BAD_REQUEST, f"Invalid request: {described}.", problem_type="invalid-request", errors=errors
            ),
            "invalid-request",
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported_content_type(_: RequestUnsupportedContentType) -> Response[str]:
        return not_json()

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[str]:
        if _has_non_json_body(app.current_event):  # e.g. a form body read as fields: say what is wrong
            return not_json()
        return invalid(field_errors(error, app))

    @app.exception_handler(InvalidInputError)
    def invalid_input(error: InvalidInputError) -> Response[str]:
        return invalid([FieldError(location=i.location, field=i.field, message=i.message) for i in error.issues])

    @app.exception_handler(UnicodeDecodeError)
    def not_utf8(_: UnicodeDecodeError) -> Response[str]:
        return invalid([FieldError(location="body", field="", message="is not UTF-8 text")])

    def known(problem: _Problem, error: Exception) -> Response[str]:
        headers = {"Retry-After": problem.retry_after} if problem.retry_after else None
        response = problem_response(
            problem.status, problem.detail or str(error), problem_type=problem.problem_type, headers=headers
        )
        return client_error(response, problem.counted_as)

    for exception_type, problem in PROBLEMS.items():
        app.exception_handler(exception_type)(partial(known, problem))

    @app.exception_handler(ServiceBusyError)
    def busy(error: ServiceBusyError) -> Response[str]:
        metrics.add_metric(name="ServiceBusy", unit=MetricUnit.Count, value=1)
        return problem_response(
            HTTPStatus.SERVICE_UNAVAILABLE,
            str(error),
            problem_type="busy",
            headers={"Retry-After": str(error.retry_after_seconds)},
        )

    @app.exception_handler(DependencyError)
    def unavailable(error: DependencyError) -> Response[str]:
        # Throttling that outlasted the retries passes on its own; a refusal or an outage needs a person,
        # so it is logged (the dependency and operation only) as well as counted.
        transient = "true" if error.transient else "false"
        emit_counts(metrics, "DependencyErrors", {(("dependency", error.dependency), ("transient", transient)): 1})
        if not error.transient:
            logger.error("Dependency refused or down", dependency=error.dependency, operation=error.operation)
        return problem_response(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "A service we depend on is busy or unavailable; try again shortly.",
            problem_type="unavailable",
            headers={"Retry-After": str(DEPENDENCY_RETRY_AFTER[error.transient])},
        )

    @app.exception_handler(SyncConflictError)
    def sync_conflict(error: SyncConflictError) -> Response[str]:
        conflicts = [Conflict(table=table, id=record_id) for table, record_id in error.conflicts]
        return client_error(
            problem_response(HTTPStatus.CONFLICT, str(error), problem_type="sync-conflict", conflicts=conflicts),
            "sync-conflict",
        )

    @app.not_found
    def route_not_found(_: RouteNotFoundError) -> Response[str]:
        path = app.current_event.path
        allowed = allowed_methods(path)
        method = app.current_event.http_method.upper()
        if method in allowed:  # the route is there: Powertools could not route a parameter's characters
            for prefix, answer in app.unroutable_answers.items():
                if path.startswith(prefix):
                    return answer(app.current_event)
            return invalid(
                [
                    FieldError(location="path", field=name, message="has characters an id never has")
                    for name in path_parameter_names(method, path)
                ]
            )
        if allowed:
            return client_error(
                problem_response(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    f"This method is not allowed here; use {', '.join(allowed)}.",
                    headers={"Allow": ", ".join(allowed)},
                ),
                "method-not-allowed",
            )
        return client_error(problem_response(HTTPStatus.NOT_FOUND, "There is nothing at this path."), "no-route")

    @app.exception_handler(Exception)
    def unexpected(error: Exception) -> Response[str]:
        # The last resort: the client gets a problem, never a stack trace. The log keeps the frames and
        # the type but not the message, which could quote private input.
        logger.error(
            "Unhandled error",
            error_type=type(error).__name__,
            frames="".join(traceback.format_tb(error.__traceback__)),
        )
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        return problem_response(HTTPStatus.INTERNAL_SERVER_ERROR, "Something went wrong on our side.")

    return app
