"""Lock-screen privacy and practices that fit the hour, through the account API (the setting) and
the scheduler and sender handlers (the pushes), against moto and the FCM stand-in."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from devstack.events import http_api_event
from selfkind.content.catalog import load_catalog_content
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import sync
from selfkind.domain.reminder_content import CHECK_IN_BODY, DISCREET_BODY, DISCREET_TITLE, OWN_WORDS_WAITING, TITLES
from selfkind.domain.sync_push_parsing import canonical_record_json
from selfkind.models.catalog import SuitableTime
from selfkind.models.language import Language
from selfkind.models.reminders import NotificationPreview, ReminderKind, Settings
from selfkind.models.sync import RecordChange
from tests.conftest import Handler
from tests.reminder_world import DAY, ReminderWorld, local

MONDAY_8AM = local("2027-03-15T08:00")
OWN_WORDS = "PRIVATE: I am allowed to take up space"
EXERCISES = {item.id: item for item in load_catalog_content().exercises}


def _only_own_affirmation(world: ReminderWorld, user: str = "ana") -> None:
    store = SyncRepository(world.table, boto3.client("dynamodb"))
    record = {"text": OWN_WORDS, "is_active": True, "created_at": 1, "updated_at": 1}
    change = RecordChange(table="affirmations", record_id="own-1", data=canonical_record_json("own-1", record))
    sync.push(store, user, 1, [change], datetime.now(UTC))


def _first_own_push(world: ReminderWorld, preview: NotificationPreview | None) -> dict[str, Any]:
    world.device("ana", "phone", fid="fid-phone-0001", locale="es-MX")
    world.settings("ana", Settings() if preview is None else Settings(notification_preview=preview))
    _only_own_affirmation(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    world.tick(MONDAY_8AM)  # the user's own words come first: they come at least as often as the catalog's

    pushes = world.pushes()
    assert len(pushes) == 1
    message: dict[str, Any] = pushes[0]["message"]
    assert world.notification_of("ana", pushes[0]).affirmation_id == "own-1"
    assert set(message["data"]) == {"notification_id"}  # the app reads the rest through the API
    return message


def test_by_default_the_users_own_words_stay_off_the_lock_screen(world: ReminderWorld) -> None:
    message = _first_own_push(world, preview=None)

    assert message["notification"]["body"] == OWN_WORDS_WAITING[Language.ES]
    assert OWN_WORDS not in json.dumps(message)  # neither in the notification nor in data


def test_with_full_preview_the_push_carries_the_users_own_words(world: ReminderWorld) -> None:
    message = _first_own_push(world, NotificationPreview.FULL)

    assert message["notification"]["body"] == OWN_WORDS
    assert OWN_WORDS not in json.dumps(message["data"])


def test_discreet_pushes_say_nothing_of_the_content(world: ReminderWorld) -> None:
    message = _first_own_push(world, NotificationPreview.DISCREET)

    assert message["notification"] == {"title": DISCREET_TITLE[Language.ES], "body": DISCREET_BODY[Language.ES]}
    assert OWN_WORDS not in json.dumps(message)


@pytest.mark.parametrize("kind", [ReminderKind.AFFIRMATION, ReminderKind.PRACTICE])
@pytest.mark.parametrize("preview", list(NotificationPreview))
def test_a_pushs_data_carries_the_notification_id_and_nothing_derived_from_text(
    world: ReminderWorld, kind: ReminderKind, preview: NotificationPreview
) -> None:
    # Given catalog content (whose ids are slugs of its words) and the user's own words
    world.device("ana", "phone", fid="fid-phone-0001")
    world.settings("ana", Settings(gentle_pacing=False, notification_preview=preview))
    _only_own_affirmation(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY, kind=kind)

    for day in range(2):  # the user's own affirmation, then a catalog one
        world.tick(MONDAY_8AM + day * DAY)

    # Then every push's data is its notification id alone: no content id, no words, through FCM and APNs
    pushes = world.pushes()
    assert len(pushes) == 2
    for push in pushes:
        record = world.notification_of("ana", push)
        assert push["message"]["data"] == {"notification_id": record.notification_id}
        content_id = record.affirmation_id or record.exercise_id
        assert content_id is not None
        assert content_id not in json.dumps(push["message"]["data"])


def test_no_hard_moment_affirmation_is_pushed_on_a_schedule(world: ReminderWorld) -> None:
    world.device("ana", "phone", fid="fid-phone-0001")
    world.settings("ana", Settings(gentle_pacing=False, notification_preview=NotificationPreview.FULL))
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    affirmations = {item.id: item for item in load_catalog_content().affirmations}

    for day in range(21):
        world.tick(MONDAY_8AM + day * DAY)

    sent = [affirmations[str(world.notification_of("ana", push).affirmation_id)] for push in world.pushes()]
    assert len(sent) == 21
    assert not any(item.for_hard_moments for item in sent)


def test_an_evening_reminder_across_the_dst_change_suggests_evening_practices(world: ReminderWorld) -> None:
    world.device("ana", "phone", fid="fid-phone-0001")
    world.settings("ana", Settings(gentle_pacing=False))
    first = local("2027-03-11T21:00")  # New York springs forward on 14 March
    world.reminder("ana", "night", "21:00", after=first - DAY, kind=ReminderKind.PRACTICE)

    for day in range(6):
        world.tick(local(f"2027-03-{11 + day}T21:00"))

    suggested = [EXERCISES[str(world.notification_of("ana", push).exercise_id)] for push in world.pushes()]
    assert len(suggested) == 6
    assert {item.suitable_time for item in suggested} <= {SuitableTime.EVENING, SuitableTime.ANY}
    assert all(item.duration_minutes <= 10 and not item.for_hard_moments for item in suggested)
    assert all(push["message"]["notification"]["body"].count(":") <= 1 for push in world.pushes())


# --- the setting, through the account API ---


@pytest.fixture
def settings_api(invoke: Callable[[str], Handler]) -> Callable[..., dict[str, Any]]:
    handler = invoke("AccountFunction")

    def call(method: str, body: Any = None) -> dict[str, Any]:
        raw = None if body is None else json.dumps(body)
        headers = {"content-type": "application/json"} if raw else {}
        return handler(http_api_event(method, "/v1/me/settings", headers=headers, body=raw, claims={"sub": "ana"}))

    return call


def test_notification_preview_defaults_to_own_hidden_and_can_be_changed(
    settings_api: Callable[..., dict[str, Any]],
) -> None:
    assert json.loads(settings_api("GET")["body"])["notification_preview"] == "own_hidden"

    saved = settings_api("PUT", {"notification_preview": "discreet"})

    assert saved["statusCode"] == 200
    assert json.loads(settings_api("GET")["body"])["notification_preview"] == "discreet"


def test_an_unknown_notification_preview_is_a_400_naming_the_field(
    settings_api: Callable[..., dict[str, Any]],
) -> None:
    response = settings_api("PUT", {"notification_preview": "everything"})

    assert response["statusCode"] == 400
    assert response["headers"]["Content-Type"] == "application/problem+json"
    assert [error["field"] for error in json.loads(response["body"])["errors"]] == ["notification_preview"]


def test_a_practice_reminder_offers_what_the_persons_own_notes_say_helped(world: ReminderWorld) -> None:
    # Given three sessions of one practice that lifted how the person felt, synced with rollups
    store = SyncRepository(world.table, boto3.client("dynamodb"))
    helped = "safe-place-visualization"
    sessions = [
        RecordChange(
            table="practice_sessions",
            record_id=f"s{n}",
            data=canonical_record_json(
                f"s{n}",
                {
                    "exercise_id": helped,
                    "started_at": 1_790_000_000_000 + n,
                    "duration_s": 600,
                    "feeling_before": 2,
                    "feeling_after": 4,
                    "created_at": 1,
                    "updated_at": 1,
                },
            ),
        )
        for n in range(3)
    ]
    sync.push(store, "ana", 1, sessions, datetime.now(UTC))
    world.device("ana", "phone", fid="fid-phone-0001")
    afternoon = local("2027-03-15T14:00")
    world.reminder("ana", "practice", "14:00", after=afternoon - DAY, kind=ReminderKind.PRACTICE)

    world.tick(afternoon)

    (push,) = world.pushes()
    assert world.notification_of("ana", push).exercise_id == helped


def test_a_check_in_reminder_pushes_the_gentle_line_and_no_content(world: ReminderWorld) -> None:
    world.device("ana", "phone", fid="fid-phone-0001", locale="es-MX")
    evening = local("2027-03-14T19:00")  # a Sunday
    world.reminder("ana", "check-in", "19:00", after=evening - DAY, kind=ReminderKind.CHECK_IN, days=["sun"])

    world.tick(evening)

    (push,) = world.pushes()
    message = push["message"]
    assert message["notification"] == {
        "title": TITLES[(ReminderKind.CHECK_IN, Language.ES)],
        "body": CHECK_IN_BODY[Language.ES],
    }
    assert set(message["data"]) == {"notification_id"}
    record = world.notification_of("ana", push)
    assert (record.affirmation_id, record.exercise_id) == (None, None)
