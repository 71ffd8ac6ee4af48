"""A due occurrence: which occurrence of whose reminder to deliver, how it travels on the queue, and
how long it stays worth sending.

At tick time T an occurrence in (T - 15 min, T] is sent; an older one never is, at the tick or at the
sender: it is counted as expired instead. The queue may carry an occurrence more than once (a worker
that crashed between enqueueing and advancing, overlapping ticks); the sender's claim makes each go out
once, and its notification id is derived, so every copy claims the same record.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

LATE_WINDOW = timedelta(minutes=15)
# Occurrences per queue message: SQS requests cost CPU and money per call, occurrences almost nothing.
# 50 of about 110 bytes stay far below SQS's message size limit.
OCCURRENCES_PER_MESSAGE = 50
_NOTIFICATION_NAMESPACE = uuid.UUID("6c1d0f7e-6a52-4c6a-9b8a-5e1f3f0a2d11")


class DueOccurrence(BaseModel):
    user_id: str
    reminder_id: str
    occurrence: datetime

    @property
    def notification_id(self) -> str:
        instant = self.occurrence.astimezone(UTC).isoformat()
        return str(uuid.uuid5(_NOTIFICATION_NAMESPACE, f"{self.user_id}/{self.reminder_id}/{instant}"))

    def expired(self, now: datetime) -> bool:
        return now - self.occurrence >= LATE_WINDOW


class OccurrenceMessage(BaseModel):
    """The body of one queue message."""

    model_config = ConfigDict(extra="forbid")

    occurrences: Annotated[list[DueOccurrence], Field(min_length=1, max_length=OCCURRENCES_PER_MESSAGE)]


class MalformedMessageError(Exception):
    """A queue message that is neither form: it is left for the dead-letter queue, never guessed at."""


def encode_messages(occurrences: list[DueOccurrence]) -> list[str]:
    return [
        OccurrenceMessage(occurrences=occurrences[start : start + OCCURRENCES_PER_MESSAGE]).model_dump_json()
        for start in range(0, len(occurrences), OCCURRENCES_PER_MESSAGE)
    ]


def decode_message(body: str) -> list[DueOccurrence]:
    """The occurrences a message carries; a single occurrence is the form queued before batching."""
    try:
        return OccurrenceMessage.model_validate_json(body).occurrences
    except ValidationError:
        pass
    try:
        return [DueOccurrence.model_validate_json(body)]
    except ValidationError as error:
        raise MalformedMessageError from error
