"""What a notification held, as `GET /v1/notifications/{id}` shows it to the notification's owner.

A push carries the notification id alone (never words, nor ids derived from them); the app reads the
content here once it is open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from selfkind.models.catalog import Affirmation, Exercise
from selfkind.models.reminders import ReminderKind


class OwnAffirmationView(BaseModel):
    """One of the user's own affirmations (the route answers its owner only)."""

    source: Literal["own"] = "own"
    id: str
    text: str | None = Field(description="The user's own words; null once they deleted the affirmation.")


class CatalogAffirmationView(Affirmation):
    """A catalog affirmation, in the negotiated language."""

    source: Literal["catalog"] = "catalog"


class NotificationContent(BaseModel):
    notification_id: str
    reminder_id: str
    kind: ReminderKind
    sent_at: datetime | None = Field(description="When it went out, UTC; null while it is still being sent.")
    affirmation: Annotated[CatalogAffirmationView | OwnAffirmationView, Field(discriminator="source")] | None = Field(
        default=None, description="For an affirmation reminder; null when the affirmation is gone."
    )
    exercise: Exercise | None = Field(
        default=None, description="For a practice reminder, in the negotiated language; null when it is gone."
    )
