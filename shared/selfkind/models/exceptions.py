"""Typed domain exceptions. The API layer maps each class to an HTTP status in one place.

Messages never carry user content (journal text, tokens, emails): only ids and field names.
"""

from __future__ import annotations


class SelfkindError(Exception):
    """Base of every error the domain raises on purpose."""


class NotFoundError(SelfkindError):
    def __init__(self, resource: str, resource_id: str) -> None:
        super().__init__(f"No {resource} with id '{resource_id}'.")
        self.resource = resource
        self.resource_id = resource_id


class InvalidInputError(SelfkindError):
    """Input that passed parsing but breaks a rule; names the field, never echoes the value."""

    def __init__(self, location: str, field: str, message: str) -> None:
        super().__init__(f"{location} field '{field}': {message}")
        self.location = location
        self.field = field
        self.message = message


class ConflictError(SelfkindError):
    """A write lost a race or was based on stale data; the client should refresh and retry."""


class PayloadTooLargeError(SelfkindError):
    """A request over a documented size or count limit."""
