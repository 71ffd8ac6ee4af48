"""Devices, reminders, notification settings and opened notifications, through the account function's
handler with the events API Gateway sends, against moto."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import UTC, datetime, time, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import boto3
import pytest

from devstack.events import http_api_event
from selfkind.content.catalog import load_catalog_content
from selfkind.data.notification_repository import NotificationRepository
from selfkind.data.profile_repository import ProfileRepository
from selfkind.domain.ports.delivery import Claim, ClaimRequest, Completion
from selfkind.domain.ports.lease import Lease
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.reminders import Engagement, NotificationRecord, NotificationStatus, ReminderKind
from tests.conftest import Handler
from tests.sync_client import Device

Response = dict[str, Any]
JSON = {"content-type": "application/json"}
TOKEN = "apns-token-PRIVATE-0123456789abcdef"
FID = "fid-PRIVATE-fedcba9876543210"
WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_SETTINGS = {
    "quiet_hours": None,
    "max_per_day": 3,
    "paused_until": None,
    "gentle_pacing": True,
    "notification_preview": "own_hidden",
    "timezone": None,
}


class Api(Protocol):
    def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        user: str | None = "alice",
        headers: dict[str, str] | None = None,
    ) -> Response: ...


@pytest.fixture
def api(invoke: Callable[[str], Handler]) -> Api:
    handler = invoke("AccountFunction")

    def call(
        method: str,
        path: str,
        body: Any = None,
        *,
        user: str | None = "alice",
        headers: dict[str, str] | None = None,
    ) -> Response:
        raw = body if body is None or isinstance(body, str) else json.dumps(body)
        sent_headers = headers if headers is not None else (JSON if raw is not None else {})
        claims = {"sub": user} if user is not None else None
        return handler(http_api_event(method, path, headers=sent_headers, body=raw, claims=claims))

    return call


@pytest.fixture
def notifications(aws: dict[str, str]) -> NotificationRepository:
    return NotificationRepository(aws["Table"], boto3.client("dynamodb"))


@pytest.fixture
def profiles(aws: dict[str, str]) -> ProfileRepository:
    return ProfileRepository(aws["Table"], boto3.client("dynamodb"))


def _json(response: Response) -> Any:
    return json.loads(response["body"])


def _ok(response: Response) -> Any:
    assert response["statusCode"] == 200, response["body"]
    assert response["headers"]["Content-Type"] == "application/json"
    return _json(response)


def _assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response["statusCode"] == status, response["body"]
    assert response["headers"]["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = _json(response)
    assert problem["status"] == status
    assert {"type", "title", "status", "detail"} <= problem.keys()
    return problem


def _fields(problem: dict[str, Any]) -> list[str]:
    return [error["field"] for error in problem.get("errors", [])]


def _device(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "platform": "ios",
        "token": TOKEN,
        "timezone": "Europe/Berlin",
        "locale": "de-DE",
        "app_version": "1.4.0",
    }
    body.update(changes)
    return {name: value for name, value in body.items() if value is not ...}


def _reminder(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "affirmation", "local_time": "08:30", "timezone": "Europe/Berlin"}
    body.update(changes)
    return {name: value for name, value in body.items() if value is not ...}


def _utc(value: str) -> datetime:
    """An instant the API sent: ISO 8601 in UTC."""
    assert value.endswith("Z"), value
    instant = datetime.fromisoformat(value)
    assert instant.utcoffset() == timedelta(0)
    return instant


def _expected_next(local: time, days: Collection[str], zone: ZoneInfo, after: datetime) -> datetime:
    """The earliest instant strictly after `after` at `local` on an allowed local weekday."""
    today = after.astimezone(zone).date()
    candidates = [
        datetime.combine(today + timedelta(days=offset), local, tzinfo=zone).astimezone(UTC)
        for offset in range(-1, 9)
        if WEEKDAY_NAMES[(today + timedelta(days=offset)).weekday()] in days
    ]
    return min(candidate for candidate in candidates if candidate > after)


def _export(api: Api, user: str) -> dict[str, Any]:
    document: dict[str, Any] = _ok(api("GET", "/v1/me/export", user=user))
    return document


def _sent_notification(
    notifications: NotificationRepository, user: str, notification_id: str, reminder_id: str = "morning"
) -> None:
    """A notification the sender claimed and sent: one more the user has not opened yet."""
    _claimed_and_sent(
        notifications,
        user,
        notification_id,
        reminder_id=reminder_id,
        kind=ReminderKind.AFFIRMATION,
        minutes_ago=5,
        affirmation_id="aff-1",
    )


def _claimed_and_sent(
    notifications: NotificationRepository,
    user: str,
    notification_id: str,
    *,
    kind: ReminderKind,
    minutes_ago: int,
    reminder_id: str = "morning",
    **content: Any,
) -> None:
    """As the sender claims a first attempt (with the engagement after it) and records it sent."""
    now = datetime.now(UTC)
    record = NotificationRecord(
        notification_id=notification_id,
        reminder_id=reminder_id,
        kind=kind,
        occurrence=now - timedelta(minutes=minutes_ago),
        status="sending",
        **content,
    )
    lease = Lease("test-sender", now + timedelta(minutes=1))
    day = now.date().isoformat()
    request = ClaimRequest(user, record, None, day, max_per_day=24, epoch=ErasureEpoch(), engagement=Engagement())
    assert notifications.claim_many([request], lease, now) == {notification_id: Claim.CLAIMED}
    sent = Completion(user, notification_id, NotificationStatus.SENT, ["phone"])
    assert notifications.complete_many([sent], lease, now) == set()


# --- devices ---


def test_a_device_is_registered_and_its_token_and_fid_are_never_shown(api: Api) -> None:
    # Given a phone with both a push token and a Firebase installation id
    body = _device(fid=FID)

    # When it registers
    before = datetime.now(UTC)
    response = api("PUT", "/v1/devices/phone-1", body)

    # Then the device is returned with has_token/has_fid, never the values themselves
    device = _ok(response)
    assert device == {
        "device_id": "phone-1",
        "platform": "ios",
        "timezone": "Europe/Berlin",
        "locale": "de-DE",
        "app_version": "1.4.0",
        "has_token": True,
        "has_fid": True,
        "refreshed_at": device["refreshed_at"],
    }
    assert before <= _utc(device["refreshed_at"]) <= datetime.now(UTC)
    listed = api("GET", "/v1/devices")
    assert _ok(listed) == {"items": [device]}
    for text in (response["body"], listed["body"]):
        assert TOKEN not in text
        assert FID not in text


def test_a_device_may_register_with_only_an_fid(api: Api) -> None:
    # Given an Android phone that only has a Firebase installation id
    body = _device(platform="android", token=..., fid=FID, locale="es-419")

    # When it registers
    device = _ok(api("PUT", "/v1/devices/pixel", body))

    # Then it is kept, with no token
    assert (device["platform"], device["has_token"], device["has_fid"]) == ("android", False, True)
    assert [d["device_id"] for d in _ok(api("GET", "/v1/devices"))["items"]] == ["pixel"]


def test_registering_again_refreshes_the_same_device(api: Api) -> None:
    # Given a registered device
    first = _ok(api("PUT", "/v1/devices/phone-1", _device()))

    # When it registers again from another zone with a newer app and token
    second = _ok(
        api(
            "PUT",
            "/v1/devices/phone-1",
            _device(token="apns-token-ROTATED-abcdef0123", timezone="America/New_York", app_version="1.5.0"),
        )
    )

    # Then the one device is updated and its refreshed_at has moved on
    assert _utc(second["refreshed_at"]) > _utc(first["refreshed_at"])
    assert (second["timezone"], second["app_version"]) == ("America/New_York", "1.5.0")
    assert _ok(api("GET", "/v1/devices")) == {"items": [second]}


def test_a_deleted_device_is_gone_and_deleting_it_again_is_fine(api: Api) -> None:
    # Given two registered devices
    api("PUT", "/v1/devices/phone-1", _device())
    _ok(api("PUT", "/v1/devices/tablet", _device(platform="web")))

    # When one is deleted, twice
    first = api("DELETE", "/v1/devices/phone-1")
    second = api("DELETE", "/v1/devices/phone-1")

    # Then both answer 204 with no body, and only the other device is left
    assert (first["statusCode"], first["body"]) == (204, "")
    assert (second["statusCode"], second["body"]) == (204, "")
    assert [d["device_id"] for d in _ok(api("GET", "/v1/devices"))["items"]] == ["tablet"]


# --- reminders ---


@pytest.mark.parametrize("zone_name", ["Asia/Kolkata", "America/Los_Angeles", "Pacific/Chatham"])
@pytest.mark.parametrize("hours_from_now", [2, -2])
def test_a_reminder_fires_next_at_its_local_time_in_its_zone(api: Api, zone_name: str, hours_from_now: int) -> None:
    # Given a local time two hours after (or before) the current wall time in the zone
    zone = ZoneInfo(zone_name)
    before = datetime.now(UTC)
    local = (before.astimezone(zone) + timedelta(hours=hours_from_now)).time().replace(second=0, microsecond=0)
    local_time = local.strftime("%H:%M")

    # When a reminder is set for it, every day
    reminder = _ok(
        api("PUT", "/v1/reminders/morning", {"kind": "practice", "local_time": local_time, "timezone": zone_name})
    )

    # Then it fires next at that local time: the first such instant strictly in the future, in UTC
    next_fire_at = _utc(reminder["next_fire_at"])
    assert next_fire_at > before
    assert next_fire_at.astimezone(zone).strftime("%H:%M") == local_time
    assert next_fire_at == _expected_next(local, WEEKDAY_NAMES, zone, before)
    assert next_fire_at - before < timedelta(hours=3 if hours_from_now > 0 else 23)
    assert reminder == {
        "reminder_id": "morning",
        "kind": "practice",
        "local_time": local_time,
        "days": list(WEEKDAY_NAMES),
        "timezone": zone_name,
        "enabled": True,
        "next_fire_at": reminder["next_fire_at"],
        "pacing": "normal",
    }


def test_a_reminder_on_chosen_days_fires_on_the_next_of_those_local_days(api: Api) -> None:
    # Given a weekday that is not today in Sydney, named twice and out of order with another
    zone = ZoneInfo("Australia/Sydney")
    before = datetime.now(UTC)
    today = before.astimezone(zone).date()
    chosen = WEEKDAY_NAMES[(today.weekday() + 3) % 7]
    other = WEEKDAY_NAMES[(today.weekday() + 5) % 7]

    # When a reminder is set for those days
    reminder = _ok(
        api(
            "PUT",
            "/v1/reminders/weekly",
            _reminder(local_time="19:45", days=[other, chosen, other], timezone="Australia/Sydney"),
        )
    )

    # Then it fires in three local days at 19:45, and its days are deduplicated in week order
    next_fire_at = _utc(reminder["next_fire_at"])
    local = next_fire_at.astimezone(zone)
    assert (local.date(), local.strftime("%H:%M")) == (today + timedelta(days=3), "19:45")
    assert next_fire_at == _expected_next(time(19, 45), {chosen, other}, zone, before)
    assert reminder["days"] == sorted({chosen, other}, key=WEEKDAY_NAMES.index)


def test_a_reminder_without_a_timezone_takes_the_most_recently_refreshed_devices_zone(api: Api) -> None:
    # Given an older device in Tokyo and a newer one in New York
    api("PUT", "/v1/devices/old-phone", _device(timezone="Asia/Tokyo"))
    api("PUT", "/v1/devices/new-phone", _device(timezone="America/New_York"))
    without_zone = _reminder(timezone=...)

    # When a reminder is set without a timezone
    first = _ok(api("PUT", "/v1/reminders/evening", without_zone))
    # and, after the older device refreshes, set again
    api("PUT", "/v1/devices/old-phone", _device(timezone="Asia/Tokyo"))
    second = _ok(api("PUT", "/v1/reminders/evening", without_zone))

    # Then each time it takes the zone of the device refreshed last, and fires at 08:30 there
    assert first["timezone"] == "America/New_York"
    assert second["timezone"] == "Asia/Tokyo"
    assert _utc(second["next_fire_at"]).astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") == "08:30"
    assert [r["timezone"] for r in _ok(api("GET", "/v1/reminders"))["items"]] == ["Asia/Tokyo"]


def test_a_reminder_without_a_timezone_or_a_device_is_a_400_naming_timezone(api: Api) -> None:
    # Given a user whose only device was deleted
    api("PUT", "/v1/devices/phone-1", _device())
    api("DELETE", "/v1/devices/phone-1")

    # When a reminder is set without a timezone
    response = api("PUT", "/v1/reminders/evening", _reminder(timezone=...))

    # Then it is refused, naming the timezone, and nothing is stored
    problem = _assert_problem(response, 400)
    assert _fields(problem) == ["timezone"]
    assert "timezone" in problem["detail"]
    assert _ok(api("GET", "/v1/reminders")) == {"items": []}


def test_a_disabled_reminder_has_no_next_fire_time_until_enabled_again(api: Api) -> None:
    # Given an enabled reminder
    _ok(api("PUT", "/v1/reminders/evening", _reminder()))

    # When it is disabled
    disabled = _ok(api("PUT", "/v1/reminders/evening", _reminder(enabled=False)))

    # Then it has no next fire time, in the response and in the list
    assert (disabled["enabled"], disabled["next_fire_at"]) == (False, None)
    assert _ok(api("GET", "/v1/reminders"))["items"] == [disabled]

    # And enabling it again schedules it again
    enabled = _ok(api("PUT", "/v1/reminders/evening", _reminder()))
    assert _utc(enabled["next_fire_at"]) > datetime.now(UTC) - timedelta(seconds=5)


def test_reminders_are_listed_replaced_and_deleted(api: Api) -> None:
    # Given two reminders, one of them set twice
    morning = _ok(api("PUT", "/v1/reminders/morning", _reminder(local_time="07:00")))
    _ok(api("PUT", "/v1/reminders/evening", _reminder(local_time="21:00")))
    evening = _ok(api("PUT", "/v1/reminders/evening", _reminder(kind="practice", local_time="21:15")))

    # When they are listed
    listed = _ok(api("GET", "/v1/reminders"))["items"]

    # Then both are there, the replaced one as last set, with normal pacing
    assert sorted(listed, key=lambda r: r["reminder_id"]) == [evening, morning]
    assert {r["pacing"] for r in listed} == {"normal"}
    assert (evening["kind"], evening["local_time"]) == ("practice", "21:15")

    # When one is deleted, twice
    assert api("DELETE", "/v1/reminders/evening")["statusCode"] == 204
    assert api("DELETE", "/v1/reminders/evening")["statusCode"] == 204

    # Then only the other is left
    assert _ok(api("GET", "/v1/reminders"))["items"] == [morning]


# --- settings ---


def test_settings_have_their_defaults_until_set(api: Api) -> None:
    # Given a user who never set anything
    # When the settings are read
    settings = _ok(api("GET", "/v1/me/settings"))

    # Then they are the defaults
    assert settings == DEFAULT_SETTINGS


def test_settings_round_trip_and_a_put_replaces_them(api: Api) -> None:
    # Given settings with every field set (a pause ends within the year ahead)
    pause_ends = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    chosen = {
        "quiet_hours": {"start": "22:00", "end": "07:00"},
        "max_per_day": 5,
        "paused_until": pause_ends.isoformat().replace("+00:00", "Z"),
        "gentle_pacing": False,
    }

    # When they are saved and read back
    saved = _ok(api("PUT", "/v1/me/settings", chosen))
    read = _ok(api("GET", "/v1/me/settings"))

    # Then they are what was sent
    assert saved == read
    assert read["quiet_hours"] == chosen["quiet_hours"]
    assert (read["max_per_day"], read["gentle_pacing"]) == (5, False)
    assert _utc(read["paused_until"]) == pause_ends

    # And a later PUT with only some fields resets the others to their defaults
    _ok(api("PUT", "/v1/me/settings", {"quiet_hours": None, "max_per_day": 2}))
    assert _ok(api("GET", "/v1/me/settings")) == DEFAULT_SETTINGS | {"max_per_day": 2}


def test_paused_until_is_stored_in_utc(api: Api) -> None:
    # Given a pause ending at 08:00 on a clock 14 hours ahead of UTC, a week from now
    ends = (datetime.now(UTC) + timedelta(days=7)).replace(hour=8, minute=0, second=0, microsecond=0)
    sent = ends.replace(tzinfo=None).isoformat() + "+14:00"

    # When it is saved and read back
    saved = _ok(api("PUT", "/v1/me/settings", {"paused_until": sent}))
    read = _ok(api("GET", "/v1/me/settings"))

    # Then it is the same instant, in UTC
    assert _utc(saved["paused_until"]) == _utc(read["paused_until"]) == ends - timedelta(hours=14)


@pytest.mark.parametrize(
    "paused_until",
    [
        pytest.param("0001-01-01T00:00:00+14:00", id="year-1-east"),  # the probe's: before UTC's year 1
        pytest.param("9999-12-31T23:59:59-14:00", id="year-9999-west"),  # the probe's: after UTC's year 9999
        pytest.param(lambda now: now - timedelta(days=1, minutes=5), id="more-than-a-day-ago"),
        pytest.param(lambda now: now + timedelta(days=366), id="more-than-a-year-ahead"),
        pytest.param("1970-01-01T00:00:00Z", id="epoch"),
    ],
)
def test_a_paused_until_out_of_range_is_a_400_naming_it(api: Api, paused_until: Any) -> None:
    # Given stored settings
    _ok(api("PUT", "/v1/me/settings", {"max_per_day": 4}))
    value = paused_until(datetime.now(UTC)).isoformat() if callable(paused_until) else paused_until

    # When a pause outside from-a-day-ago-to-a-year-ahead is sent
    response = api("PUT", "/v1/me/settings", {"paused_until": value})

    # Then it is a 400 problem naming paused_until, without the value, and nothing changed
    problem = _assert_problem(response, 400)
    assert _fields(problem) == ["paused_until"]
    assert value not in response["body"]
    assert _ok(api("GET", "/v1/me/settings")) == DEFAULT_SETTINGS | {"max_per_day": 4}


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("0001-01-01T00:00:00+14:00", None),  # long over: not paused
        ("9999-12-31T23:59:59-14:00", "a year ahead"),  # paused, at most a year from now
    ],
)
def test_a_paused_until_stored_before_the_range_reads_as_it_acts_and_can_be_saved_back(
    api: Api, aws: dict[str, str], stored: str, shown: str | None
) -> None:
    # Given settings written before the range was enforced
    boto3.client("dynamodb").put_item(
        TableName=aws["Table"],
        Item={
            "pk": {"S": "USER#alice"},
            "sk": {"S": "PROFILE#SETTINGS"},
            "doc": {"S": json.dumps({"paused_until": stored, "max_per_day": 5})},
        },
    )

    # When they are read, and saved back as read
    read = _ok(api("GET", "/v1/me/settings"))
    saved = api("PUT", "/v1/me/settings", read)

    # Then they read as the sender acts on them, and saving them again is accepted
    if shown is None:
        assert read["paused_until"] is None
    else:
        assert _utc(read["paused_until"]) - datetime.now(UTC) > timedelta(days=364)
    assert read["max_per_day"] == 5
    _ok(saved)


# --- opened notifications ---


def test_opening_an_unknown_notification_is_a_404_problem(api: Api) -> None:
    # Given no notification
    # When one is marked opened
    response = api("POST", "/v1/notifications/never-sent/opened")

    # Then it is a not-found problem
    problem = _assert_problem(response, 404)
    assert problem["type"].endswith("/not-found")


def test_opening_a_notification_restores_the_normal_pacing(
    api: Api, notifications: NotificationRepository, profiles: ProfileRepository
) -> None:
    # Given a reminder, a sent notification and three notifications in a row left unopened
    _ok(api("PUT", "/v1/reminders/morning", _reminder()))
    for notification_id in ("n-1", "n-2", "n-3"):
        _sent_notification(notifications, "alice", notification_id)
    assert profiles.get_engagement("alice").unopened_streak == 3
    assert [r["pacing"] for r in _ok(api("GET", "/v1/reminders"))["items"]] == ["every_other_day"]

    # When the notification is opened, twice
    first = api("POST", "/v1/notifications/n-1/opened")
    second = api("POST", "/v1/notifications/n-1/opened")

    # Then both answer 204, the streak is back to 0 and the pacing normal
    assert (first["statusCode"], first["body"]) == (204, "")
    assert second["statusCode"] == 204
    assert profiles.get_engagement("alice").unopened_streak == 0
    assert [r["pacing"] for r in _ok(api("GET", "/v1/reminders"))["items"]] == ["normal"]
    opened = {record.notification_id: record.opened_at is not None for record in notifications.list("alice")}
    assert opened == {"n-1": True, "n-2": False, "n-3": False}


# --- what a notification holds ---

OWN_WORDS = "PRIVATE: my own kind words"
CATALOG_AFFIRMATION = "i-can-be-gentle-with-myself-today"


def _notification_with(
    notifications: NotificationRepository, user: str, notification_id: str, kind: ReminderKind, **content: Any
) -> None:
    _claimed_and_sent(notifications, user, notification_id, kind=kind, minutes_ago=1, **content)


def _own_affirmation(invoke: Callable[[str], Handler], user: str, record_id: str, text: str | None) -> None:
    """The user's own affirmation as their app syncs it (None: deleted)."""
    device = Device(invoke("SyncFunction"), user)
    device.pull()
    record = {"id": record_id, "text": text, "is_active": True, "created_at": 1, "updated_at": 1}
    created = {"created": [record] if text else [], "updated": [], "deleted": [] if text else [record_id]}
    assert device.push({"affirmations": created})["statusCode"] == 200


def test_a_notification_of_the_users_own_affirmation_shows_its_words_to_its_owner(
    api: Api, notifications: NotificationRepository, invoke: Callable[[str], Handler]
) -> None:
    # Given a notification that carried one of Alice's own affirmations
    _own_affirmation(invoke, "alice", "own-1", OWN_WORDS)
    _notification_with(
        notifications, "alice", "n-own", ReminderKind.AFFIRMATION, affirmation_id="own-1", affirmation_source="own"
    )

    # When Alice's app opens it
    response = api("GET", "/v1/notifications/n-own")

    # Then it says what it held, her words included, and is never cached
    content = _ok(response)
    assert content["kind"] == "affirmation"
    assert _utc(content["sent_at"]) <= datetime.now(UTC)
    assert content["affirmation"] == {"source": "own", "id": "own-1", "text": OWN_WORDS}
    assert content["exercise"] is None
    assert response["headers"]["Cache-Control"] == "no-store"


def test_a_notification_of_catalog_content_gives_the_item_in_the_negotiated_language(
    api: Api, notifications: NotificationRepository
) -> None:
    _notification_with(
        notifications,
        "alice",
        "n-catalog",
        ReminderKind.AFFIRMATION,
        affirmation_id=CATALOG_AFFIRMATION,
        affirmation_source="catalog",
    )
    _notification_with(notifications, "alice", "n-practice", ReminderKind.PRACTICE, exercise_id="box-breathing")
    spanish = {"accept-language": "es-MX,es;q=0.9,en;q=0.5"}

    affirmation = api("GET", "/v1/notifications/n-catalog", headers=spanish)
    practice = api("GET", "/v1/notifications/n-practice", headers=spanish)

    catalog = load_catalog_content()
    expected = next(item for item in catalog.affirmations if item.id == CATALOG_AFFIRMATION)
    shown = _ok(affirmation)["affirmation"]
    assert (shown["source"], shown["id"], shown["text"]) == ("catalog", CATALOG_AFFIRMATION, expected.text.es)
    assert affirmation["headers"]["Content-Language"] == "es"
    exercise = _ok(practice)["exercise"]
    box = next(item for item in catalog.exercises if item.id == "box-breathing")
    assert (exercise["id"], exercise["title"]) == ("box-breathing", box.title.es)
    assert _ok(practice)["affirmation"] is None


def test_an_own_affirmation_deleted_since_shows_no_words(
    api: Api, notifications: NotificationRepository, invoke: Callable[[str], Handler]
) -> None:
    _own_affirmation(invoke, "alice", "own-1", OWN_WORDS)
    _notification_with(
        notifications, "alice", "n-own", ReminderKind.AFFIRMATION, affirmation_id="own-1", affirmation_source="own"
    )
    _own_affirmation(invoke, "alice", "own-1", None)

    shown = _ok(api("GET", "/v1/notifications/n-own"))["affirmation"]

    assert shown == {"source": "own", "id": "own-1", "text": None}


def test_a_notification_is_its_owners_only_and_an_unknown_one_is_a_404(
    api: Api, notifications: NotificationRepository, invoke: Callable[[str], Handler]
) -> None:
    # Given Alice's notification of her own words
    _own_affirmation(invoke, "alice", "own-1", OWN_WORDS)
    _notification_with(
        notifications, "alice", "n-own", ReminderKind.AFFIRMATION, affirmation_id="own-1", affirmation_source="own"
    )

    # When Bob asks for it, and Alice for one that does not exist
    bobs = api("GET", "/v1/notifications/n-own", user="bob")
    unknown = api("GET", "/v1/notifications/never-sent")

    # Then both are not found, saying neither the id nor the words
    for response in (bobs, unknown):
        assert _assert_problem(response, 404)["type"].endswith("/not-found")
    assert OWN_WORDS not in bobs["body"]
    assert "n-own" not in bobs["body"]
    assert "never-sent" not in unknown["body"]


# --- bad input ---


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_device(timezone="Mars/Olympus"), "timezone"),
        (_device(platform="blackberry"), "platform"),
        pytest.param(
            _device(token="t" * 4097),
            "token",
            id="token-too-long",
        ),
        pytest.param(
            _device(token="short"),
            "token",
            id="token-too-short",
        ),
        (_device(app_version="9" * 41), "app_version"),
        (_device(locale="not a locale"), "locale"),
        (_device(favourite_colour="teal"), ""),  # an unknown member is not named
        (_device(timezone=...), "timezone"),
    ],
)
def test_a_bad_device_is_a_400_naming_the_field_without_echoing_the_token(
    api: Api, body: dict[str, Any], field: str
) -> None:
    # Given a device registration with one bad field
    # When it is sent
    response = api("PUT", "/v1/devices/phone-1", body)

    # Then it is a problem naming that field, which never quotes the token, and nothing is stored
    problem = _assert_problem(response, 400)
    assert _fields(problem) == [field]
    assert field in problem["detail"]
    assert body.get("token", TOKEN) not in response["body"]
    assert TOKEN not in response["body"]
    assert _ok(api("GET", "/v1/devices")) == {"items": []}


def test_a_device_with_neither_token_nor_fid_is_a_400(api: Api) -> None:
    # Given a registration without any push target
    # When it is sent
    response = api("PUT", "/v1/devices/phone-1", _device(token=None, fid=None))

    # Then it is refused, saying a token or FID is needed
    problem = _assert_problem(response, 400)
    message = " ".join(error["message"] for error in problem["errors"])
    assert "token" in message
    assert "fid" in message
    assert _ok(api("GET", "/v1/devices")) == {"items": []}


def test_a_device_with_neither_token_nor_fid_names_the_field(api: Api) -> None:
    # Given a registration without any push target
    # When it is sent
    response = api("PUT", "/v1/devices/phone-1", _device(token=..., fid=...))

    # Then the problem names the missing field
    problem = _assert_problem(response, 400)
    assert set(_fields(problem)) & {"token", "fid"}
    assert "''" not in problem["detail"]


@pytest.mark.parametrize(
    ("body", "field", "value"),
    [
        (_reminder(timezone="Mars/Olympus"), "timezone", "Mars/Olympus"),
        (_reminder(local_time="25:00"), "local_time", "25:00"),
        (_reminder(local_time="7:5"), "local_time", "7:5"),
        (_reminder(local_time="08:60"), "local_time", "08:60"),
        (_reminder(days=["mon", "someday"]), "days[1]", "someday"),
        (_reminder(days=[]), "days", "[]"),
        (_reminder(kind="horoscope"), "kind", "horoscope"),
        (_reminder(snooze="SNOOZE-VALUE-42"), "", "snooze"),  # an unknown member is not named,
    ],
)
def test_a_bad_reminder_is_a_400_naming_the_field(api: Api, body: dict[str, Any], field: str, value: str) -> None:
    # Given a reminder with one bad field
    # When it is sent
    response = api("PUT", "/v1/reminders/morning", body)

    # Then it is a problem naming that field without quoting the value, and nothing is stored
    problem = _assert_problem(response, 400)
    assert _fields(problem) == [field]
    assert value not in response["body"]
    assert _ok(api("GET", "/v1/reminders")) == {"items": []}


def test_a_local_time_with_superscript_digits_is_refused_without_echoing_it(api: Api) -> None:
    # Given a local time written with superscript digits
    # When it is sent
    response = api("PUT", "/v1/reminders/morning", _reminder(local_time="\u00b2\u00b3:00"))

    # Then it is refused without quoting it
    problem = _assert_problem(response, 400)
    assert _fields(problem) == ["local_time"]
    assert "\u00b2\u00b3" not in response["body"]
    assert "\\u00b2\\u00b3" not in response["body"]


def test_a_local_time_with_non_ascii_digits_is_refused(api: Api) -> None:
    # Given a local time written with Arabic-Indic digits
    # When it is sent
    response = api("PUT", "/v1/reminders/morning", _reminder(local_time="\u0660\u0667:\u0663\u0660"))

    # Then it is refused as not HH:MM
    problem = _assert_problem(response, 400)
    assert _fields(problem) == ["local_time"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"max_per_day": 0}, "max_per_day"),
        ({"max_per_day": 25}, "max_per_day"),
        ({"quiet_hours": {"start": "22:00", "end": "24:00"}}, "quiet_hours.end"),
        ({"quiet_hours": {"start": "22:00"}}, "quiet_hours.end"),
        ({"paused_until": "next tuesday"}, "paused_until"),
        ({"gentle_pacing": True, "volume": 11}, ""),  # unknown: the body is named, not the member
    ],
)
def test_bad_settings_are_a_400_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    # Given stored settings
    api("PUT", "/v1/me/settings", {"max_per_day": 4})

    # When bad settings are sent
    response = api("PUT", "/v1/me/settings", body)

    # Then it is a problem naming the field, and the stored settings are unchanged
    problem = _assert_problem(response, 400)
    assert _fields(problem) == [field]
    assert _ok(api("GET", "/v1/me/settings")) == DEFAULT_SETTINGS | {"max_per_day": 4}


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        pytest.param(
            "application/x-www-form-urlencoded",
            f"platform=ios&token={TOKEN}&timezone=Europe/Berlin&locale=de-DE&app_version=1.4.0",
            id="complete-form",
        ),
        pytest.param(
            "application/x-www-form-urlencoded",
            f"platform=blackberry&token={TOKEN}",
            id="incomplete-form",
        ),
        pytest.param(
            "text/plain",
            json.dumps(_device()),
            id="text-plain",
        ),
        pytest.param(
            "application/xml",
            f"<device><token>{TOKEN}</token></device>",
            id="xml",
        ),
    ],
)
def test_a_body_that_is_not_json_is_a_415(api: Api, content_type: str, body: str) -> None:
    # Given a device registration that is not sent as JSON
    # When it is sent
    response = api("PUT", "/v1/devices/phone-1", body, headers={"content-type": content_type})

    # Then it is an unsupported media type, without the token, and nothing is stored
    _assert_problem(response, 415)
    assert TOKEN not in response["body"]
    assert _ok(api("GET", "/v1/devices")) == {"items": []}


def test_a_json_body_with_a_charset_is_accepted(api: Api) -> None:
    # Given a device registration sent as JSON with a charset parameter
    headers = {"content-type": "application/json; charset=utf-8"}

    # When it is sent
    response = api("PUT", "/v1/devices/phone-1", json.dumps(_device()), headers=headers)

    # Then it is registered
    assert _ok(response)["device_id"] == "phone-1"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/devices/phone-1", _device()),
        ("GET", "/v1/devices", None),
        ("DELETE", "/v1/devices/phone-1", None),
        ("PUT", "/v1/reminders/morning", _reminder()),
        ("GET", "/v1/reminders", None),
        ("DELETE", "/v1/reminders/morning", None),
        ("GET", "/v1/me/settings", None),
        ("PUT", "/v1/me/settings", {}),
        ("POST", "/v1/notifications/n-1/opened", None),
        ("GET", "/v1/notifications/n-1", None),
    ],
)
def test_a_request_without_a_verified_subject_is_a_401(
    api: Api, method: str, path: str, body: dict[str, Any] | None
) -> None:
    # Given no verified subject
    # When the route is called with a valid request
    response = api(method, path, body, user=None)

    # Then it is refused
    _assert_problem(response, 401)


# --- export and erasure ---


def _given_a_user_with_everything(api: Api, notifications: NotificationRepository, user: str) -> None:
    _ok(api("PUT", "/v1/devices/phone-1", _device(fid=FID), user=user))
    _ok(api("PUT", "/v1/reminders/morning", _reminder(), user=user))
    _ok(api("PUT", "/v1/me/settings", {"max_per_day": 6, "gentle_pacing": False}, user=user))
    _sent_notification(notifications, user, "n-1")


def test_the_export_holds_devices_reminders_settings_and_notifications_without_tokens(
    api: Api, notifications: NotificationRepository
) -> None:
    # Given a user with a device, a reminder, settings and a notification
    _given_a_user_with_everything(api, notifications, "alice")

    # When the user exports
    response = api("GET", "/v1/me/export")

    # Then all of them are there, and neither the token nor the FID is anywhere in it
    document = _ok(response)
    assert [(d["device_id"], d["has_token"], d["has_fid"]) for d in document["devices"]] == [("phone-1", True, True)]
    assert [(r["reminder_id"], r["local_time"], r["timezone"]) for r in document["reminders"]] == [
        ("morning", "08:30", "Europe/Berlin")
    ]
    assert _utc(document["reminders"][0]["next_fire_at"]) > datetime.now(UTC)
    assert document["settings"] == DEFAULT_SETTINGS | {"max_per_day": 6, "gentle_pacing": False}
    assert [(n["notification_id"], n["reminder_id"]) for n in document["notifications"]] == [("n-1", "morning")]
    assert TOKEN not in response["body"]
    assert FID not in response["body"]
    assert response["headers"]["Cache-Control"] == "no-store"


def test_erasure_removes_devices_reminders_settings_and_notifications_and_can_be_repeated(
    api: Api, notifications: NotificationRepository
) -> None:
    # Given a user with a device, a reminder, settings and a notification
    _given_a_user_with_everything(api, notifications, "alice")

    # When the account is erased, twice
    first = api("DELETE", "/v1/me")
    second = api("DELETE", "/v1/me")

    # Then both answer 204 and nothing of it is left
    assert (first["statusCode"], second["statusCode"]) == (204, 204)
    document = _export(api, "alice")
    assert (document["devices"], document["reminders"], document["notifications"]) == ([], [], [])
    assert document["settings"] == DEFAULT_SETTINGS
    assert _ok(api("GET", "/v1/devices")) == {"items": []}
    assert _ok(api("GET", "/v1/reminders")) == {"items": []}
    _assert_problem(api("POST", "/v1/notifications/n-1/opened"), 404)
    # the device's zone went too: a reminder needs a timezone again
    assert _fields(_assert_problem(api("PUT", "/v1/reminders/next", _reminder(timezone=...)), 400)) == ["timezone"]


# --- isolation ---


def test_another_user_can_neither_see_nor_delete_devices_or_reminders(
    api: Api, notifications: NotificationRepository
) -> None:
    # Given Alice with a device, a reminder, settings and a notification
    _given_a_user_with_everything(api, notifications, "alice")
    alice_before = _export(api, "alice")

    # When Bob lists, deletes Alice's ids, and exports
    bob_devices = _ok(api("GET", "/v1/devices", user="bob"))
    bob_reminders = _ok(api("GET", "/v1/reminders", user="bob"))
    assert api("DELETE", "/v1/devices/phone-1", user="bob")["statusCode"] == 204
    assert api("DELETE", "/v1/reminders/morning", user="bob")["statusCode"] == 204
    bob_export = api("GET", "/v1/me/export", user="bob")

    # Then Bob sees none of Alice's, and Alice still has all of hers
    assert bob_devices == {"items": []}
    assert bob_reminders == {"items": []}
    assert _ok(api("GET", "/v1/me/settings", user="bob")) == DEFAULT_SETTINGS
    bob_document = _ok(bob_export)
    assert (bob_document["devices"], bob_document["reminders"], bob_document["notifications"]) == ([], [], [])
    assert bob_document["settings"] == DEFAULT_SETTINGS
    assert "phone-1" not in bob_export["body"]
    assert "morning" not in bob_export["body"]
    alice_after = _export(api, "alice")
    for part in ("devices", "reminders", "settings", "notifications"):
        assert alice_after[part] == alice_before[part]


def test_another_user_cannot_mark_a_notification_opened(
    api: Api, notifications: NotificationRepository, profiles: ProfileRepository
) -> None:
    # Given Alice with a notification she has not opened
    _sent_notification(notifications, "alice", "n-1")

    # When Bob marks it opened
    response = api("POST", "/v1/notifications/n-1/opened", user="bob")

    # Then it is not found for him, and Alice's notification and streak are untouched
    _assert_problem(response, 404)
    [record] = notifications.list("alice")
    assert record.opened_at is None
    assert profiles.get_engagement("alice").unopened_streak == 1
    assert notifications.list("bob") == []
