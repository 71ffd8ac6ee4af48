"""Which AWS failures are transient (carried over) and which are not (the caller fails loudly)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from selfkind.adapters.sqs import SqsQueue
from selfkind.aws_errors import is_transient
from selfkind.data.base import dynamodb_errors
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


def test_the_repositories_say_which_it_was() -> None:
    with pytest.raises(DependencyError) as denied, dynamodb_errors("query"):
        raise _client_error("AccessDeniedException")
    with pytest.raises(DependencyError) as throttled, dynamodb_errors("query"):
        raise _client_error("ProvisionedThroughputExceededException")
    assert (denied.value.transient, throttled.value.transient) == (False, True)


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
