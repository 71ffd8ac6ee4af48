"""What a notification held, read for its owner: whose affirmation it was, and what is left of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from selfkind.domain.notifications import notification_content
from selfkind.domain.ports.delivery import NotificationState
from selfkind.models.exceptions import NotFoundError
from selfkind.models.language import Language
from selfkind.models.reminders import NotificationRecord, ReminderKind
from selfkind.models.sync import StoredRecord
from tests.fakes import FakeEpochs, FakeNotifications, FakeProfiles, Faults

CATALOG_ID = "i-can-be-gentle-with-myself-today"
SENT = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)


class OwnRecords:
    def __init__(self, records: dict[str, str | None]) -> None:
        self.records = records  # record id -> its JSON (None: a tombstone)

    def read_record(self, user_id: str, table: str, record_id: str) -> StoredRecord | None:
        if user_id != "ana" or table != "affirmations" or record_id not in self.records:
            return None
        return StoredRecord(
            table=table, record_id=record_id, seq=2, created_seq=2, created_base=1, data=self.records[record_id]
        )


def _store(**content: object) -> FakeNotifications:
    faults = Faults()
    store = FakeNotifications(faults, FakeProfiles(faults), FakeEpochs(faults))
    record = NotificationRecord(
        notification_id="n-1",
        reminder_id="morning",
        kind=ReminderKind.AFFIRMATION,
        occurrence=SENT,
        status="sent",
        sent_at=SENT,
        **content,
    )
    store.states[("ana", "n-1")] = NotificationState(record)
    return store


def test_a_record_from_before_the_source_was_kept_is_the_users_own_when_they_have_that_affirmation() -> None:
    store = _store(affirmation_id="own-1")
    own = OwnRecords({"own-1": '{"id": "own-1", "text": "my words", "is_active": true}'})

    content = notification_content(store, own, "ana", "n-1", Language.EN)

    assert content.affirmation is not None
    assert content.affirmation.model_dump() == {"source": "own", "id": "own-1", "text": "my words"}


def test_a_record_from_before_the_source_was_kept_is_the_catalogs_otherwise() -> None:
    content = notification_content(_store(affirmation_id=CATALOG_ID), OwnRecords({}), "ana", "n-1", Language.ES)

    assert content.affirmation is not None
    assert (content.affirmation.source, content.affirmation.id) == ("catalog", CATALOG_ID)
    assert content.affirmation.text == "Hoy puedo ser amable conmigo."  # in the language asked for


def test_a_catalog_source_is_never_read_from_the_users_records() -> None:
    own = OwnRecords({CATALOG_ID: '{"id": "x", "text": "not this", "is_active": true}'})

    content = notification_content(
        _store(affirmation_id=CATALOG_ID, affirmation_source="catalog"), own, "ana", "n-1", Language.EN
    )

    assert content.affirmation is not None
    assert content.affirmation.source == "catalog"
    assert content.affirmation.text != "not this"


def test_content_gone_from_everywhere_is_null_and_another_users_notification_is_not_found() -> None:
    gone = notification_content(
        _store(affirmation_id="own-9", affirmation_source="own"), OwnRecords({}), "ana", "n-1", Language.EN
    )
    unknown = notification_content(_store(affirmation_id="no-such-thing"), OwnRecords({}), "ana", "n-1", Language.EN)

    assert gone.affirmation is not None
    assert gone.affirmation.model_dump() == {"source": "own", "id": "own-9", "text": None}
    assert unknown.affirmation is None
    with pytest.raises(NotFoundError):
        notification_content(_store(affirmation_id="own-1"), OwnRecords({}), "bob", "n-1", Language.EN)
