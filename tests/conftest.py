"""Fixtures shared by every test layer: the template, functions loaded as Lambda would, embedded AWS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from devstack.aws import LOCAL_CREDENTIALS, LOCAL_REGION, create_tables
from devstack.lambda_context import LocalLambdaContext
from devstack.openapi import load_function_module
from devstack.runtime import function_environment, local_references
from devstack.template import functions
from tests.local_stack import LocalStack, running_stack

Handler = Callable[[dict[str, Any]], dict[str, Any]]


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    """The local stack over HTTP, started once per test session."""
    yield from running_stack()


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Moto's in-process AWS with the template's tables; yields logical id -> resource name."""
    for name, value in LOCAL_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", LOCAL_REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield create_tables(boto3.client("dynamodb", region_name=LOCAL_REGION))


@pytest.fixture
def load_function(monkeypatch: pytest.MonkeyPatch, aws: dict[str, str]) -> Callable[[str], Any]:
    """Loads a function's module as a cold start would: with the template's environment for it."""

    def load(logical_id: str) -> Any:
        environment = function_environment(functions()[logical_id], local_references(aws), endpoint_url=None)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return load_function_module(logical_id, environment)

    return load


@pytest.fixture
def invoke(load_function: Callable[[str], Any]) -> Callable[[str], Handler]:
    """invoke("CatalogFunction")(event) -> the handler's result, with a fresh Lambda context."""

    def for_function(logical_id: str) -> Handler:
        module = load_function(logical_id)
        function = functions()[logical_id]

        def call(event: dict[str, Any]) -> dict[str, Any]:
            context = LocalLambdaContext(function_name=logical_id, memory_limit_in_mb=function.memory_mb)
            result: dict[str, Any] = getattr(module, function.handler_name)(event, context)
            return result

        return call

    return for_function
