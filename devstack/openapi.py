"""Generates the OpenAPI document from the API functions' own resolvers (`python -m devstack.openapi`)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

from devstack.runtime import function_environment, local_references
from devstack.template import REPO_ROOT, functions, http_routes

ROUTE_TABLE = REPO_ROOT / "shared/selfkind/api/route_table.py"
TITLE = "Selfkind API"
VERSION = "1.0.0"
# The JWT the API Gateway authorizer verifies (Cognito, or the OIDC issuer the stack is given).
SECURITY_SCHEMES: dict[str, Any] = {"jwt": HTTPBearer(bearerFormat="JWT")}


def load_function_module(logical_id: str, environment: dict[str, str]) -> Any:
    """Imports a function's handler module fresh, as a cold start with the template's environment (set
    for the import only: the process's environment is as it was afterwards)."""
    with _environment(environment):
        return _import(logical_id)


@contextlib.contextmanager
def _environment(environment: dict[str, str]) -> Iterator[None]:
    before = dict(os.environ)
    os.environ.update(environment)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(before)


def _import(logical_id: str) -> Any:
    function = functions()[logical_id]
    spec = importlib.util.spec_from_file_location(
        f"lambda_{logical_id}", function.code_dir / f"{function.module_name}.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would: pydantic resolves annotations through it
    spec.loader.exec_module(module)
    return module


def build_document() -> dict[str, Any]:
    merged = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description="The backend of Selfkind, a self-compassion practice app.",
        security_schemes=SECURITY_SCHEMES,
        on_conflict="error",
    )
    api_functions = sorted({route.function for route in http_routes()})
    references = local_references({name: name for name in functions()} | {"Table": "local"})
    for logical_id in api_functions:
        environment = function_environment(functions()[logical_id], references, endpoint_url=None)
        module = load_function_module(logical_id, environment)
        merged.add_schema(
            module.app.get_openapi_schema(title=TITLE, version=VERSION, security_schemes=SECURITY_SCHEMES)
        )
    document: dict[str, Any] = json.loads(merged.get_openapi_json_schema())
    return _parameters_never_null(_without_unused_validation_responses(document))


def _parameters_never_null(document: dict[str, Any]) -> dict[str, Any]:
    """An optional path, query or header parameter is absent or a string, never JSON null: Powertools
    documents `str | None` as "string or null", which would invite a client to send the text `null`."""
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                choices = [choice for choice in schema.get("anyOf", []) if choice.get("type") != "null"]
                if "anyOf" in schema and len(choices) == 1:
                    parameter["schema"] = {**{k: v for k, v in schema.items() if k != "anyOf"}, **choices[0]}
    return document


def _without_unused_validation_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Powertools documents a 422 of its own on every operation, and a JSON body on every first 2xx.

    Our resolver answers invalid input with a 400 problem: its 422 goes, except on operations that take an
    Idempotency-Key, where a 422 problem means the key was used with another request. A 204 and a 304 have
    no body at all.
    """
    for operations in document["paths"].values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            responses.pop("422", None)
            headers = {param["name"].lower() for param in operation.get("parameters", []) if param["in"] == "header"}
            if "idempotency-key" in headers:
                responses["422"] = _idempotency_key_reused()
            for empty in ("204", "304"):
                responses.get(empty, {}).pop("content", None)
    schemas = document.get("components", {}).get("schemas", {})
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        schemas.pop(name, None)
    return document


def _idempotency_key_reused() -> dict[str, Any]:
    return {
        "description": "The Idempotency-Key was already used with another request (query or body)",
        "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def render() -> str:
    return json.dumps(build_document(), indent=2, sort_keys=True) + "\n"


_HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def render_route_table(document: dict[str, Any] | None = None) -> str:
    """selfkind/api/route_table.py: every route the resolvers serve, for the 404/405 answers (the
    catalog function's $default route answers for the whole API) and the template's route check."""
    paths = (document or build_document())["paths"]
    routes = sorted(
        (method.upper(), path) for path, operations in paths.items() for method in operations if method in _HTTP_METHODS
    )
    lines = "".join(f'        ("{method}", "{path}"),\n' for method, path in routes)
    return (
        '"""Every route of the HTTP API, by method and path template. Generated from the API functions\'\n'
        'resolvers by `make openapi` (devstack/openapi.py): never edit it by hand."""\n'
        "\n"
        "API_ROUTES: frozenset[tuple[str, str]] = frozenset(\n"
        "    {\n"
        f"{lines}"
        "    }\n"
        ")\n"
    )


def write_generated_files() -> None:
    """openapi.json and the route table, each written only once both are generated (a failed run leaves
    the committed files as they were; the generator imports the route table itself)."""
    document = build_document()
    openapi = json.dumps(document, indent=2, sort_keys=True) + "\n"
    table = render_route_table(document)
    (REPO_ROOT / "openapi.json").write_text(openapi)
    ROUTE_TABLE.write_text(table)


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_generated_files()
    else:
        sys.stdout.write(render())
