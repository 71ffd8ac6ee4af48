"""The resolver (selfkind.api.resolver) overrides four private parts of Powertools' event handler. A
Powertools upgrade that renames, moves or stops calling one would turn the override into dead code
without an error; these tests fail loudly instead, on the hook and on the behaviour it provides.

- `ApiGatewayResolver._to_proxy_event`: the path is matched decoded once, as API Gateway does;
- `ApiGatewayResolver._compile_regex`: a route matches the whole path (`\\Z`, not `$`);
- the resolver's `_request_validation_middleware` attribute: the caller's token is checked before the
  request's validity (401 before 400);
- `OpenAPIRequestValidationMiddleware._get_body`: a body that is not JSON is a 415 before any parser.
"""

from __future__ import annotations

import inspect
import json
from typing import Annotated, Any

import pytest
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response, api_gateway
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel

from devstack.events import http_api_event
from devstack.lambda_context import LocalLambdaContext
from selfkind.api.conventions import JWT
from selfkind.api.resolver import create_resolver

Resolver = api_gateway.ApiGatewayResolver


@pytest.mark.parametrize(
    ("owner", "name", "parameters"),
    [
        (Resolver, "_to_proxy_event", ["self", "event"]),
        (Resolver, "_compile_regex", ["rule", "base_regex"]),
        (OpenAPIRequestValidationMiddleware, "_get_body", ["self", "app"]),
    ],
)
def test_each_overridden_hook_is_still_there_with_its_signature(owner: type, name: str, parameters: list[str]) -> None:
    assert list(inspect.signature(getattr(owner, name)).parameters) == parameters


def test_powertools_still_reads_the_request_validation_middleware_from_the_resolver() -> None:
    # The resolver replaces the instance Powertools sets in __init__ and later reads by this name.
    source = inspect.getsource(api_gateway)
    assert "self._request_validation_middleware = OpenAPIRequestValidationMiddleware()" in source
    assert "app._request_validation_middleware" in source


class _Note(BaseModel):
    text: str


@pytest.fixture
def resolve() -> Any:
    app = create_resolver(Metrics(namespace="Selfkind/test", service="pin"), Logger(service="pin"))
    seen: list[str] = []

    @app.get("/v1/things/<thing_id>", security=JWT)
    def get_thing(thing_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.:-]{1,20}$")]) -> Response[str]:
        seen.append(thing_id)
        return Response(200, content_type="application/json", body="{}")

    @app.post("/v1/notes")
    def post_note(note: Annotated[_Note, Body()]) -> Response[str]:
        return Response(200, content_type="application/json", body="{}")

    def call(event: dict[str, Any]) -> tuple[int, list[str]]:
        response = app.resolve(event, LocalLambdaContext(function_name="pin"))  # type: ignore[arg-type]
        return int(response["statusCode"]), seen

    return call


def test_a_path_is_matched_decoded_once(resolve: Any) -> None:
    status, seen = resolve(http_api_event("GET", "/v1/things/a%3A", claims={"sub": "ana"}))
    assert (status, seen) == (200, ["a:"])


def test_a_route_matches_the_whole_path_never_before_a_final_newline(resolve: Any) -> None:
    status, seen = resolve(http_api_event("GET", "/v1/things/thing%0A", claims={"sub": "ana"}))
    assert (status, seen) == (404, [])  # no handler (with `$`, get_thing would have had "thing")


def test_the_token_is_checked_before_the_request_is_validated(resolve: Any) -> None:
    status, seen = resolve(http_api_event("GET", "/v1/things/" + "x" * 30))  # invalid, and no token
    assert (status, seen) == (401, [])


def test_a_body_that_is_not_json_is_a_415_before_any_parser(resolve: Any) -> None:
    form = http_api_event(
        "POST", "/v1/notes", headers={"content-type": "multipart/form-data"}, body=json.dumps({"text": "hi"})
    )
    assert resolve(form)[0] == 415
