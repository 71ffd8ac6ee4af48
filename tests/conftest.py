"""Fixtures shared by every test layer: the template, functions loaded as Lambda would, embedded AWS."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.client import BaseClient
from moto import mock_aws

from devstack.aws import LOCAL_CREDENTIALS, LOCAL_REGION, create_queues, create_secrets, create_tables
from devstack.fcm import FcmStandIn
from devstack.lambda_api import LocalLambdaApi
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


@pytest.fixture(scope="session")
def fcm() -> Iterator[FcmStandIn]:
    """The FCM stand-in firebase-admin talks HTTP to (cleared before each test that uses `aws`)."""
    standin = FcmStandIn.start()
    yield standin
    standin.stop()


@pytest.fixture(scope="session")
def lambda_api() -> Iterator[LocalLambdaApi]:
    """Lambda's Invoke API for functions that start others (the scheduler its workers); tests put the
    functions it serves into `lambda_functions`. One for the session: boto3's client is cached."""
    api = LocalLambdaApi(_LAMBDA_FUNCTIONS).start()
    yield api
    api.stop()


_LAMBDA_FUNCTIONS: dict[str, Any] = {}


@pytest.fixture
def lambda_functions(lambda_api: LocalLambdaApi) -> Iterator[dict[str, Any]]:
    yield _LAMBDA_FUNCTIONS
    _LAMBDA_FUNCTIONS.clear()


_MOTO_SERVICES = ("dynamodb", "sqs")
_moto_lock = threading.RLock()


def _one_at_a_time(make_api_call: Callable[..., Any]) -> Callable[..., Any]:
    """DynamoDB applies each conditional write to an item atomically and SQS hands a message to one
    receiver; moto's in-process backends do neither under threads. So their requests are taken one at a
    time, as the local stack takes them (devstack.embedded_dynamodb.SerialisedRequests), while the code
    under test still runs its pools. Re-entrant: a request's own hooks may make requests."""

    def serialised(client: BaseClient, operation_name: str, api_params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name not in _MOTO_SERVICES:
            return make_api_call(client, operation_name, api_params)
        with _moto_lock:
            return make_api_call(client, operation_name, api_params)

    return serialised


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, fcm: FcmStandIn, lambda_api: LocalLambdaApi) -> Iterator[dict[str, str]]:
    """Moto's in-process AWS with the template's tables, queues and secrets; yields the references
    (logical id -> table name, queue URL or secret ARN; "<id>.Arn" -> ARN)."""
    for name, value in LOCAL_CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", LOCAL_REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", lambda_api.endpoint_url)  # the only service not in moto
    monkeypatch.setattr(BaseClient, "_make_api_call", _one_at_a_time(BaseClient._make_api_call))  # type: ignore[attr-defined]
    fcm.clear()
    fcm.latency_seconds = 0.0
    with mock_aws():
        references = create_tables(boto3.client("dynamodb", region_name=LOCAL_REGION))
        references |= create_queues(boto3.client("sqs", region_name=LOCAL_REGION))
        secrets = {"FirebaseServiceAccount": json.dumps(fcm.service_account)}
        references |= create_secrets(boto3.client("secretsmanager", region_name=LOCAL_REGION), secrets)
        yield references


@pytest.fixture
def function_overrides() -> dict[str, str]:
    """Environment a test sets on top of the template's, for every function it loads afterwards."""
    return {}


@pytest.fixture
def load_function(
    monkeypatch: pytest.MonkeyPatch, aws: dict[str, str], fcm: FcmStandIn, function_overrides: dict[str, str]
) -> Callable[[str], Any]:
    """Loads a function's module as a cold start would: with the template's environment for it."""

    def load(logical_id: str) -> Any:
        overrides = dict(function_overrides)
        if logical_id == "ReminderSenderFunction":  # as the local stack configures it
            overrides["FCM_URL_OVERRIDE"] = fcm.send_url_template
            overrides["LOCAL_TICK_CLOCK"] = "1"
        environment = function_environment(functions()[logical_id], local_references(aws), None, overrides)
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
            context = LocalLambdaContext(
                function_name=logical_id,
                memory_limit_in_mb=function.memory_mb,
                timeout_seconds=function.timeout_seconds,
            )
            result: dict[str, Any] = getattr(module, function.handler_name)(event, context)
            return result

        return call

    return for_function


@pytest.fixture
def sync_handler(invoke: Callable[[str], Handler]) -> Handler:
    return invoke("SyncFunction")
