"""A person's return brings thinned-out reminders back to their cadence: opening a notification of their
own resets the unopened streak; one they do not have is a 404 and resets nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from selfkind.domain.ports.delivery import NotificationState
from selfkind.domain.reminders import mark_opened
from selfkind.models.exceptions import NotFoundError
from selfkind.models.reminders import Engagement, NotificationRecord, ReminderKind
from tests.fakes import FakeEpochs, FakeNotifications, FakeProfiles, Faults

NOW = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)


def _world() -> tuple[FakeNotifications, FakeProfiles]:
    faults = Faults()
    profiles = FakeProfiles(faults)
    profiles.engagement["ana"] = Engagement(unopened_streak=5)
    notifications = FakeNotifications(faults, profiles, FakeEpochs(faults))
    record = NotificationRecord(
        notification_id="n-1", reminder_id="morning", kind=ReminderKind.AFFIRMATION, occurrence=NOW, status="sent"
    )
    notifications.states[("ana", "n-1")] = NotificationState(record)
    return notifications, profiles


def test_opening_a_notification_of_ones_own_resets_the_unopened_streak() -> None:
    notifications, profiles = _world()

    mark_opened(notifications, profiles, "ana", "n-1", NOW)

    assert profiles.get_engagement("ana").unopened_streak == 0


def test_opening_a_notification_one_does_not_have_is_not_found_and_resets_nothing() -> None:
    notifications, profiles = _world()

    with pytest.raises(NotFoundError):
        mark_opened(notifications, profiles, "ana", "someone-elses", NOW)

    assert profiles.get_engagement("ana").unopened_streak == 5
