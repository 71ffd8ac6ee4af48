"""The HTTP API resolver every API function uses: validation, and the one place errors become HTTP."""

from __future__ import annotations

import re
import traceback
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2

from selfkind.api.problems import problem_response
from selfkind.api.routes import API_ROUTES, allowed_methods
from selfkind.models.exceptions import (
    ConflictError,
    IdempotencyKeyReusedError,
    InvalidInputError,
    NotFoundError,
    PayloadTooLargeError,
    RequestInProgressError,
    SyncConflictError,
    UnauthenticatedError,
)
from selfkind.models.problem import Conflict, FieldError
from selfkind.observability import emit_counts

_FIELD_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _field_errors(error: RequestValidationError) -> list[FieldError]:
    # Only the location, the field's path and pydantic's message: never the input, which may be private
    # text. A path part that is not a plain name (a map key the client chose) is not echoed either.
    field_errors = []
    for item in error.errors():
        location, *path = item.get("loc", ()) or ("request",)
        if item.get("type") == "json_invalid":
            path = []  # the position in the text is no field name
        parts = [str(part) if isinstance(part, int) or _FIELD_NAME.match(str(part)) else "*" for part in path]
        field_errors.append(FieldError(location=str(location), field=".".join(parts), message=item["msg"]))
    return field_errors


def _reject_unknown_query_parameters(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """A misspelt filter must not silently return everything."""
    route = app.context["_route"]
    if (route.method, route.openapi_path) in API_ROUTES:
        declared = {param.alias for param in route.dependant.query_params}
        for name in app.current_event.query_string_parameters or {}:
            if name not in declared:
                raise InvalidInputError.single("query", name, "is not a parameter of this endpoint")
    return next_middleware(app)


def _has_non_json_body(event: APIGatewayProxyEventV2) -> bool:
    # No content type counts as JSON, as Powertools reads it.
    media_type = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    return bool(event.body) and media_type not in ("", "application/json")


def create_resolver(metrics: Metrics, logger: Logger) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    app.use(middlewares=[_reject_unknown_query_parameters])

    def client_error(response: Response[str], problem: str) -> Response[str]:
        # The kind of problem is a dimension (bounded: one value per handler here), never the name.
        emit_counts(metrics, "ClientErrors", {(("problem", problem),): 1})
        return response

    def not_json() -> Response[str]:
        return client_error(
            problem_response(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Send the body as application/json."),
            "unsupported-media-type",
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def unsupported_content_type(_: RequestUnsupportedContentType) -> Response[str]:
        return not_json()

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response[str]:
        if _has_non_json_body(app.current_event):  # e.g. a form body read as fields: say what is wrong
            return not_json()
        field_errors = _field_errors(error)
        named = ", ".join(f"{item.location} '{item.field}'" for item in field_errors)
        return client_error(
            problem_response(
                HTTPStatus.BAD_REQUEST,
                f"Invalid {named}.",
                problem_type="invalid-request",
                errors=field_errors,
            ),
            "invalid-request",
        )

    @app.exception_handler(InvalidInputError)
    def invalid_input(error: InvalidInputError) -> Response[str]:
        return client_error(
            problem_response(
                HTTPStatus.BAD_REQUEST,
                f"Invalid {error}.",
                problem_type="invalid-request",
                errors=[FieldError(location=i.location, field=i.field, message=i.message) for i in error.issues],
            ),
            "invalid-request",
        )

    @app.exception_handler(NotFoundError)
    def resource_not_found(error: NotFoundError) -> Response[str]:
        return client_error(problem_response(HTTPStatus.NOT_FOUND, str(error), problem_type="not-found"), "not-found")

    @app.exception_handler(ConflictError)
    def conflict(error: ConflictError) -> Response[str]:
        return client_error(problem_response(HTTPStatus.CONFLICT, str(error), problem_type="conflict"), "conflict")

    @app.exception_handler(SyncConflictError)
    def sync_conflict(error: SyncConflictError) -> Response[str]:
        conflicts = [Conflict(table=table, id=record_id) for table, record_id in error.conflicts]
        return client_error(
            problem_response(HTTPStatus.CONFLICT, str(error), problem_type="sync-conflict", conflicts=conflicts),
            "sync-conflict",
        )

    @app.exception_handler(UnauthenticatedError)
    def unauthenticated(error: UnauthenticatedError) -> Response[str]:
        return client_error(problem_response(HTTPStatus.UNAUTHORIZED, str(error)), "unauthenticated")

    @app.exception_handler(IdempotencyKeyReusedError)
    def idempotency_key_reused(_: IdempotencyKeyReusedError) -> Response[str]:
        return client_error(
            problem_response(
                HTTPStatus.UNPROCESSABLE_ENTITY,
                "This Idempotency-Key was already used with a different body.",
                problem_type="idempotency-key-reused",
            ),
            "idempotency-key-reused",
        )

    @app.exception_handler(RequestInProgressError)
    def idempotency_in_progress(_: RequestInProgressError) -> Response[str]:
        return client_error(
            problem_response(
                HTTPStatus.CONFLICT,
                "A request with this Idempotency-Key is still being processed; retry shortly.",
                problem_type="idempotency-in-progress",
                headers={"Retry-After": "2"},
            ),
            "idempotency-in-progress",
        )

    @app.exception_handler(PayloadTooLargeError)
    def too_large(error: PayloadTooLargeError) -> Response[str]:
        return client_error(problem_response(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, str(error)), "payload-too-large")

    @app.not_found
    def route_not_found(_: RouteNotFoundError) -> Response[str]:
        path = app.current_event.path
        allowed = allowed_methods(path)
        if allowed:
            return client_error(
                problem_response(
                    HTTPStatus.METHOD_NOT_ALLOWED,
                    f"{app.current_event.http_method} is not allowed here; use {', '.join(allowed)}.",
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
