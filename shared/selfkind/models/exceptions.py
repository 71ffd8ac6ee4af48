"""Typed domain exceptions. The API layer maps each class to an HTTP status in one place.

Messages never carry user content (journal text, tokens, emails): only ids and field names.
"""

from __future__ import annotations

from dataclasses import dataclass


class SelfkindError(Exception):
    """Base of every error the domain raises on purpose."""


class NotFoundError(SelfkindError):
    def __init__(self, resource: str, resource_id: str) -> None:
        # The id is the client's own choice: it is kept for the code, never repeated in the message.
        super().__init__(f"There is no {resource} with this id.")
        self.resource = resource
        self.resource_id = resource_id


@dataclass(frozen=True)
class InputIssue:
    location: str  # query, path, header or body
    field: str  # a name or a dotted path, e.g. changes.journal_entries.created[abc].mood
    message: str  # what is wrong, never the value


class InvalidInputError(SelfkindError):
    """Input that breaks a rule; names each field, never echoes a value."""

    def __init__(self, issues: list[InputIssue]) -> None:
        super().__init__("; ".join(f"{i.location} '{i.field}': {i.message}" for i in issues))
        self.issues = issues

    @classmethod
    def single(cls, location: str, field: str, message: str) -> InvalidInputError:
        return cls([InputIssue(location, field, message)])


class ConflictError(SelfkindError):
    """A write lost a race or was based on stale data; the client should refresh and retry."""


class SyncConflictError(ConflictError):
    """Pushed records were changed on the server after the client's last pull."""

    def __init__(self, conflicts: list[tuple[str, str]]) -> None:
        super().__init__(
            f"{len(conflicts)} record(s) changed on the server since your last pull; pull, then push again."
        )
        self.conflicts = conflicts


class AccountErasedError(ConflictError):
    """The account was erased after this request's data was read: what it would write is gone with it."""

    def __init__(self) -> None:
        super().__init__("The account was erased since your last pull; pull again (you will get a replacement).")


class ShareLimitError(ConflictError):
    """A share past the most a user can have live at once."""

    def __init__(self, max_live: int) -> None:
        super().__init__(f"You have {max_live} live shares, the most there can be; revoke one first.")


class ShareExpiredError(SelfkindError):
    """A share link past its expiry: the page says so kindly (410)."""


class HeadMovedError(SelfkindError):
    """Another push committed first; the sequence must be read again (never reaches a client)."""


class RosterChangedError(SelfkindError):
    """Another registration changed the user's devices first; read them again (never reaches a client)."""


class IdempotencyKeyReusedError(SelfkindError):
    """An Idempotency-Key sent again with a different request (method, path, query or body)."""


class RequestInProgressError(SelfkindError):
    """The first request with this Idempotency-Key has not finished yet."""


class PayloadTooLargeError(SelfkindError):
    """A request over a documented size or count limit."""


class UnauthenticatedError(SelfkindError):
    """No verified identity on a route that needs one."""


class DependencyError(SelfkindError):
    """A service the domain depends on (DynamoDB, SQS, Lambda, Secrets Manager) failed transiently or
    refused; adapters raise it for their client errors, so the domain can leave the work for a retry.

    `transient`: throttling or contention that outlasted the retries (it passes on its own; the work is
    carried over). False: access denied, a disabled KMS key, a service down or refusing; retrying
    will not help, and a person must know (selfkind.aws_errors decides)."""

    def __init__(self, dependency: str, operation: str, *, transient: bool = True) -> None:
        super().__init__(f"{dependency} {operation} failed" + ("" if transient else " (not transient)"))
        self.dependency = dependency
        self.operation = operation
        self.transient = transient


class ServiceBusyError(SelfkindError):
    """Storage throttled or contended past the bounded retries: the client should retry after a pause."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ErasureInProgressError(ServiceBusyError):
    """The user's account is being erased right now; writes wait until it is done."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__("This account is being erased; try again shortly.", retry_after_seconds)
