"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from devstack.events import http_api_event
from devstack.fcm import FcmStandIn
from devstack.lambda_api import LocalLambdaApi
from tests.conftest import Handler
from tests.integration.catalog_client import Response
from tests.reminder_world import InProcess, ReminderWorld


@pytest.fixture
def world(
    aws: dict[str, str],
    fcm: FcmStandIn,
    lambda_api: LocalLambdaApi,
    lambda_functions: dict[str, Any],
    function_overrides: dict[str, str],
    invoke: Callable[[str], Handler],
) -> ReminderWorld:
    """The scheduler, its shard workers and the sender, in process against moto and the FCM stand-in."""
    # Four shards instead of the template's: the same code paths, and 16 times fewer moto calls a tick.
    function_overrides["REMINDER_SHARDS"] = "4"
    lambda_functions["ReminderWorkerFunction"] = InProcess(invoke("ReminderWorkerFunction"))
    return ReminderWorld(
        aws=aws,
        fcm=fcm,
        lambda_api=lambda_api,
        scheduler=invoke("ReminderSchedulerFunction"),
        sender=invoke("ReminderSenderFunction"),
    )


@pytest.fixture
def sync(invoke: Callable[[str], Handler]) -> Handler:
    return invoke("SyncFunction")


@pytest.fixture
def account(invoke: Callable[[str], Handler]) -> Handler:
    return invoke("AccountFunction")


@pytest.fixture
def catalog(invoke: Callable[[str], Handler]) -> Callable[..., Response]:
    """GET requests to the catalog function: catalog("/v1/support", "country=ES", **headers)."""
    handler = invoke("CatalogFunction")

    def get(path: str, query: str = "", **headers: str) -> Response:
        return handler(http_api_event("GET", path, query=query, headers=headers))

    return get
