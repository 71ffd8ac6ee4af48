"""What a notification held, for its owner's app: a push carries the notification id alone."""

from __future__ import annotations

from selfkind.domain import catalog
from selfkind.domain.ports.delivery import NotificationStore
from selfkind.domain.ports.sync import OwnRecords
from selfkind.models.exceptions import NotFoundError
from selfkind.models.language import Language
from selfkind.models.notifications import CatalogAffirmationView, NotificationContent, OwnAffirmationView
from selfkind.models.reminders import NotificationRecord
from selfkind.models.sync import StoredRecord, columns_of


def notification_content(
    notifications: NotificationStore, own: OwnRecords, user_id: str, notification_id: str, language: Language
) -> NotificationContent:
    """The caller's own notification only: another user's id is as unknown as one never sent (404)."""
    record = notifications.get(user_id, notification_id)
    if record is None:
        raise NotFoundError("notification", notification_id)
    exercise = catalog.find_exercise(record.exercise_id, language) if record.exercise_id else None
    return NotificationContent(
        notification_id=record.notification_id,
        reminder_id=record.reminder_id,
        kind=record.kind,
        sent_at=record.sent_at,
        affirmation=_affirmation(record, own, user_id, language),
        exercise=exercise,
    )


def _affirmation(
    record: NotificationRecord, own: OwnRecords, user_id: str, language: Language
) -> CatalogAffirmationView | OwnAffirmationView | None:
    affirmation_id = record.affirmation_id
    if affirmation_id is None:
        return None
    source = record.affirmation_source
    if source != "catalog":  # the user's own, or (a record from before the source was kept) maybe theirs
        stored = own.read_record(user_id, "affirmations", affirmation_id)
        if stored is not None or source == "own":
            return OwnAffirmationView(id=affirmation_id, text=_own_text(stored))
    found = catalog.find_affirmation(affirmation_id, language)
    return CatalogAffirmationView(**found.model_dump()) if found else None


def _own_text(stored: StoredRecord | None) -> str | None:
    """The user's words as they are now; None once deleted (a tombstone keeps none)."""
    if stored is None:
        return None
    text = next((record.columns.get("text") for record in columns_of([stored])), None)
    return text if isinstance(text, str) else None
