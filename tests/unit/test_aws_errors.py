"""Which AWS failures are transient (carried over) and which are not (the caller fails loudly)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from selfkind.adapters.sqs import SqsQueue
from selfkind.aws_errors import is_transient
from selfkind.data.base import mapped
from selfkind.models.exceptions import DependencyError


def _client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "m"}}, "Operation")


@pytest.mark.parametrize(
    "code",
    ["ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded", "RequestThrottled"],
)
def test_throttling_and_contention_are_transient(code: str) -> None:
    assert is_transient(_client_error(code)) is True


@pytest.mark.parametrize(
    "code",
    [
        "AccessDeniedException",
        "AccessDenied",
        "KMSDisabledException",
        "KMS.DisabledException",
        "KMSInvalidStateException",
        "ResourceNotFoundException",
        "ValidationException",
        "InternalServerError",  # still failing after botocore's retries: an outage, for a person to see
    ],
)
def test_refusals_and_outages_are_not(code: str) -> None:
    assert is_transient(_client_error(code)) is False


def test_an_unreachable_service_is_not_transient() -> None:
    assert is_transient(EndpointConnectionError(endpoint_url="https://sqs.eu-west-1.amazonaws.com")) is False


class _Failing:
    """A DynamoDB client whose every call fails with the given error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def query(self, **_: Any) -> dict[str, Any]:
        raise self.error


def _query_through_mapping(error: Exception) -> Exception:
    with pytest.raises(Exception) as raised:  # noqa: PT011 (which type is the point of the callers)
        mapped(_Failing(error)).query(TableName="t")  # type: ignore[arg-type]
    return raised.value


def test_the_data_layer_says_which_it_was() -> None:
    denied = _query_through_mapping(_client_error("AccessDeniedException"))
    throttled = _query_through_mapping(_client_error("ProvisionedThroughputExceededException"))
    down = _query_through_mapping(EndpointConnectionError(endpoint_url="https://dynamodb.eu-west-1.amazonaws.com"))
    assert all(isinstance(error, DependencyError) for error in (denied, throttled, down))
    assert [error.transient for error in (denied, throttled, down)] == [False, True, False]  # type: ignore[attr-defined]
    assert throttled.operation == "query"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "code", ["ConditionalCheckFailedException", "TransactionCanceledException", "ValidationException"]
)
def test_the_answers_a_repository_reads_itself_pass_through(code: str) -> None:
    assert isinstance(_query_through_mapping(_client_error(code)), ClientError)


def test_mapping_twice_maps_once() -> None:
    client = mapped(_Failing(_client_error("ThrottlingException")))  # type: ignore[arg-type]
    assert mapped(client) is client


class _Sqs:
    def __init__(self, failed: list[dict[str, Any]]) -> None:
        self.failed = failed

    def send_message_batch(self, **_: Any) -> dict[str, Any]:
        return {"Successful": [], "Failed": self.failed}


def test_a_message_sqs_refuses_for_the_senders_fault_is_not_retried_and_not_transient() -> None:
    refused = _Sqs([{"Id": "0", "SenderFault": True, "Code": "KMS.DisabledException"}])
    with pytest.raises(DependencyError) as error:
        SqsQueue("https://queue", client=refused).send_all(["{}"])  # type: ignore[arg-type]
    assert error.value.transient is False

    busy = _Sqs([{"Id": "0", "SenderFault": False, "Code": "InternalError"}])
    with pytest.raises(DependencyError) as error:
        SqsQueue("https://queue", client=busy).send_all(["{}"])  # type: ignore[arg-type]
    assert error.value.transient is True
