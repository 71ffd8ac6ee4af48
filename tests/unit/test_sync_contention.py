"""A sync transaction DynamoDB throttles or cancels for contention is retried with jittered backoff, then
answered 503 with Retry-After: never 409, which stays for real conflicts. Faults moto cannot provoke are
injected with a fake client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from devstack.lambda_context import LocalLambdaContext
from devstack.openapi import load_function_module
from devstack.runtime import function_environment, local_references
from devstack.template import functions
from selfkind.data.sync_repository import CONTENTION_ATTEMPTS, SyncRepository
from selfkind.domain import sync
from selfkind.domain.ports.sync import RecordKey
from selfkind.models.exceptions import HeadMovedError, ServiceBusyError, SyncConflictError
from selfkind.models.sync import RecordChange, StoredRecord, SyncedColumns, SyncHead
from tests.sync_client import changes, journal_entry, push_event

NOW = datetime(2027, 3, 1, tzinfo=UTC)


def _cancelled(*reasons: str) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": reason} for reason in reasons],
        },
        "TransactWriteItems",
    )


class FaultyDynamoDB:
    """Answers reads as for a user with no data; every transaction fails with the given fault."""

    def __init__(self, faults: list[ClientError]) -> None:
        self.faults = faults
        self.transactions = 0

    def batch_get_item(self, **_: Any) -> dict[str, Any]:
        return {"Responses": {}, "UnprocessedKeys": {}}

    def get_item(self, **_: Any) -> dict[str, Any]:
        return {}

    def transact_write_items(self, **_: Any) -> dict[str, Any]:
        self.transactions += 1
        if self.faults:
            raise self.faults[0]
        return {}


def _write() -> RecordChange:
    return RecordChange(table="affirmations", record_id="a1", data='{"id":"a1"}')  # not rolled up


def _commit(client: FaultyDynamoDB, sleeps: list[float]) -> None:
    store = SyncRepository("table", client, sleep=sleeps.append, jitter=lambda low, high: high)  # type: ignore[arg-type]
    sync.push(store, "alice", 1, [_write()], now=NOW)


@pytest.mark.parametrize(
    "fault",
    [
        _cancelled("None", "TransactionConflict"),
        _cancelled("ThrottlingError", "None"),
        _cancelled("None", "ProvisionedThroughputExceeded"),
        ClientError({"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow"}}, "Transact"),
        ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow"}}, "TransactWriteItems"),
    ],
)
def test_contention_is_retried_with_growing_bounded_jittered_pauses_then_busy(fault: ClientError) -> None:
    client, sleeps = FaultyDynamoDB([fault]), []  # type: ignore[var-annotated]

    with pytest.raises(ServiceBusyError) as raised:
        _commit(client, sleeps)

    assert client.transactions == CONTENTION_ATTEMPTS
    assert sleeps == sorted(sleeps)  # the ceiling of the jitter grows...
    assert sleeps[0] > 0
    assert max(sleeps) <= 0.8  # ...and is bounded
    assert raised.value.retry_after_seconds >= 1


def test_a_transaction_that_succeeds_on_a_retry_is_done() -> None:
    sleeps: list[float] = []

    class ThenFine(FaultyDynamoDB):
        def transact_write_items(self, **kwargs: Any) -> dict[str, Any]:
            self.transactions += 1
            if self.transactions <= 2:
                raise _cancelled("None", "TransactionConflict")
            return {}

    fine = ThenFine([])
    _commit(fine, sleeps)

    assert fine.transactions == 3
    assert len(sleeps) == 2


def test_a_real_conflict_is_still_a_conflict_not_retried() -> None:
    client, sleeps = FaultyDynamoDB([_cancelled("ConditionalCheckFailed", "None")]), []  # type: ignore[var-annotated]

    with pytest.raises(SyncConflictError):
        _commit(client, sleeps)

    assert client.transactions == 1
    assert sleeps == []


class _EverMovingHead:
    """A store whose head another device always moves first."""

    def __init__(self) -> None:
        self.reads = 0

    def read_head(self, user_id: str) -> SyncHead:
        self.reads += 1
        return SyncHead(seq=1 + self.reads, exists=True)

    def read_for_push(self, user_id: str, keys: list[RecordKey]) -> tuple[SyncHead, dict[RecordKey, StoredRecord]]:
        return SyncHead(seq=1, exists=True), {}

    def commit(self, *args: Any) -> None:
        raise HeadMovedError

    def changes_between(self, user_id: str, after_seq: int, upto_seq: int) -> Iterator[StoredRecord]:
        yield from ()

    def records_of_table(self, user_id: str, table: str, after_seq: int | None = None) -> Iterator[StoredRecord]:
        yield from ()

    def all_records(self, user_id: str, after_seq: int | None = None) -> Iterator[StoredRecord]:
        yield from ()

    def live_columns(
        self, user_id: str, table: str | None = None, after_seq: int | None = None
    ) -> Iterator[SyncedColumns]:
        yield from ()


def test_a_head_that_keeps_moving_is_busy_not_a_conflict() -> None:
    with pytest.raises(ServiceBusyError):
        sync.push(_EverMovingHead(), "alice", 1, [_write()], now=NOW)


def test_a_throttled_push_answers_503_with_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the sync function, whose storage throttles every transaction
    function = functions()["SyncFunction"]
    environment = function_environment(function, local_references({"Table": "selfkind-table"}), None)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    module = load_function_module("SyncFunction", environment)
    client = FaultyDynamoDB([_cancelled("None", "ThrottlingError")])
    module.store = SyncRepository("selfkind-table", client, sleep=lambda _: None)  # type: ignore[arg-type]

    # When a device pushes
    event = push_event("alice", {"changes": changes(created=[journal_entry("e1")])}, 1)
    response = module.lambda_handler(event, LocalLambdaContext(function_name="SyncFunction"))

    # Then it is told to come back later, as a problem, after the bounded retries
    assert response["statusCode"] == 503
    assert response["headers"]["Retry-After"] == "1"
    assert response["headers"]["Content-Type"] == "application/problem+json"
    assert json.loads(response["body"])["status"] == 503
    assert client.transactions == CONTENTION_ATTEMPTS
