"""Which AWS failures are worth retrying: one rule for every adapter and repository.

Transient: throttling and contention, which the capacity model plans for and which pass on their own
(the work is retried within the run, then carried over). Everything else is not: access denied, a
disabled or inaccessible KMS key, a missing resource, a validation error, and a service that is
unreachable or failing after botocore's own retries (an outage). Those need a person, so the code that
meets them fails loudly instead of carrying the work over minute after minute in silence.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

TRANSIENT_CODES = frozenset(
    {
        # DynamoDB
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "ThrottlingException",
        "TransactionConflictException",
        "TransactionInProgressException",
        # SQS (JSON and query protocols) and the rest of AWS
        "RequestThrottled",
        "AWS.SimpleQueueService.RequestThrottled",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "SlowDown",
    }
)


def is_transient(error: ClientError | BotoCoreError) -> bool:
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "") in TRANSIENT_CODES
    return False  # unreachable or timing out after botocore's retries: the service is down for us
