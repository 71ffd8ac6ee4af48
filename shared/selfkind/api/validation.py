"""Naming what is wrong with a request without ever repeating what the client sent.

An error names a field by the API's own names (and list positions), never by a value the client chose:
not an id, not a key of its own, not an unknown parameter's name. Where the client used a name the API
does not know, the error lists the names it does know instead.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterable, Iterator
from typing import Annotated, Any, Union, get_args, get_origin

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import BaseModel

from selfkind.api.routes import API_ROUTES
from selfkind.models.exceptions import InvalidInputError
from selfkind.models.problem import FieldError

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def field_path(parts: Iterable[str | int]) -> str:
    """`changes.journal_entries.created[3].mood`: names joined by dots, list positions in brackets."""
    path = ""
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else part)
    return path


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (Annotated and Optional/unions taken apart)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _unwrap(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [inner for arg in get_args(annotation) for inner in _unwrap(arg)]
    return [annotation]


def _member_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _model_at(annotation: Any, path: list[str | int]) -> type[BaseModel] | None:
    """The model a validation error's location points into, following the API's own field names."""
    candidates = _unwrap(annotation)
    for part in path:
        following: list[Any] = []
        for candidate in candidates:
            if isinstance(part, int) and get_origin(candidate) in (list, tuple):
                following += _unwrap(get_args(candidate)[0])
            elif isinstance(candidate, type) and issubclass(candidate, BaseModel):
                for name, field in candidate.model_fields.items():
                    if part in (name, field.alias):
                        following += _unwrap(field.annotation)
        candidates = following
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    return models[0] if models else None


def _body_annotation(app: APIGatewayHttpResolver) -> Any:
    route = app.context.get("_route")
    body_params = route.dependant.body_params if route else []
    return body_params[0].type_ if len(body_params) == 1 else None


def field_errors(error: RequestValidationError, app: APIGatewayHttpResolver) -> list[FieldError]:
    """The request's validation errors: location, the field's path and pydantic's message, never the input.

    Pydantic's messages describe the rule broken (`Input should be 'ios', 'android' or 'web'`), not the
    value sent. A location part that is not one of the API's names (an unknown member) is not repeated:
    the error names the object that holds it and lists the members it takes.
    """
    result = []
    for item in error.errors():
        location, *path = item.get("loc", ()) or ("request",)
        if item.get("type") == "json_invalid":
            path = []  # the position in the text is no field name
        message = item["msg"]
        if item.get("type") == "extra_forbidden" and path:
            path = path[:-1]
            model = _model_at(_body_annotation(app), path) if location == "body" else None
            allowed = ", ".join(_member_names(model)) if model else ""
            message = f"has a member it does not take; it takes: {allowed}" if allowed else "has an unknown member"
        result.append(FieldError(location=str(location), field=field_path(path), message=message))
    return result


def reject_unknown_query_parameters(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """A misspelt filter must not silently return everything; the error lists the parameters there are."""
    route = app.context["_route"]
    if (route.method, route.openapi_path) in API_ROUTES:
        declared = [param.alias for param in route.dependant.query_params]
        if any(name not in declared for name in app.current_event.query_string_parameters or {}):
            takes = f"it takes: {', '.join(declared)}" if declared else "it takes none"
            raise InvalidInputError.single("query", "", f"has a parameter this endpoint does not take; {takes}")
    return next_middleware(app)


def _strings(value: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    """Every string in a validated value, with its path in the API's names (iteratively: no recursion)."""
    stack: list[tuple[Any, list[str | int]]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            yield where, current
        elif isinstance(current, BaseModel):
            fields = type(current).model_fields
            stack += [(getattr(current, name), [*where, field.alias or name]) for name, field in fields.items()]
        elif isinstance(current, list | tuple):
            stack += [(item, [*where, index]) for index, item in enumerate(current)]
        elif isinstance(current, dict):
            for key, item in current.items():
                stack += [(key, where), (item, [*where, "*"])]  # a key the client chose is not repeated


def reject_lone_surrogates(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """A lone UTF-16 surrogate (half an emoji, from a client that cut a string) cannot be stored as UTF-8.

    Runs after validation, over the validated values only, so the field is named by the API's names.
    """
    route = app.context["_route"]
    arguments: dict[str, Any] = app.context.get("_route_args", {})
    dependant = route.dependant
    locations = [
        ("path", dependant.path_params),
        ("query", dependant.query_params),
        ("header", dependant.header_params),
        ("body", dependant.body_params),
    ]
    for location, params in locations:
        for param in params:
            start: list[str | int] = [] if location == "body" else [param.alias]
            for where, text in _strings(arguments.get(param.name), start):
                if _LONE_SURROGATE.search(text):
                    raise InvalidInputError.single(
                        location, field_path(where), "holds a lone UTF-16 surrogate (half a character)"
                    )
    return next_middleware(app)
