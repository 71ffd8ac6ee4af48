"""Reminders end to end: the account API, `/_local/tick` and the FCM stand-in, over HTTP."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from devstack.aws import local_client, local_table_name
from tests.local_stack import LocalStack

KATHMANDU = ZoneInfo("Asia/Kathmandu")  # +05:45


def _fcm_messages(stack: LocalStack) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = stack.request("GET", "/_local/fcm/messages").json()["items"]
    return items


def _utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def test_a_reminder_reaches_the_device_through_a_tick_and_the_app_reads_what_it_held(stack: LocalStack) -> None:
    token = stack.token("e2e-reminder-user")
    device = {
        "platform": "ios",
        "fid": "fid-e2e-000001",
        "timezone": "Asia/Kathmandu",
        "locale": "es-ES",
        "app_version": "2.1.0",
    }
    assert stack.request("PUT", "/v1/devices/iphone", device, token=token).status == 200
    due = stack.minutes_ahead(3)
    local_time = due.astimezone(KATHMANDU).strftime("%H:%M")
    reminder = stack.request("PUT", "/v1/reminders/dawn", {"kind": "practice", "local_time": local_time}, token=token)
    assert reminder.status == 200
    assert reminder.json()["timezone"] == "Asia/Kathmandu"  # from the device
    next_fire_at = reminder.json()["next_fire_at"]
    assert next_fire_at == _utc(due)  # the wall time at +05:45, in UTC
    stack.request("DELETE", "/_local/fcm/messages")

    report = stack.tick(next_fire_at).json()

    assert report == {
        "due": 1,
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    [delivery] = _fcm_messages(stack)
    assert delivery["status"] == 200
    message = delivery["message"]
    assert message["fid"] == "fid-e2e-000001"
    assert message["notification"]["title"] == "Un momento para ti, si quieres"
    assert set(message["data"]) == {"notification_id"}  # no content id, no words

    notification_id = message["data"]["notification_id"]
    held = stack.request("GET", f"/v1/notifications/{notification_id}", token=token, headers={"Accept-Language": "es"})
    assert held.status == 200
    assert held.json()["kind"] == "practice"
    assert held.json()["exercise"]["title"]  # the practice, in Spanish
    assert held.headers["content-language"] == "es"
    other = stack.request("GET", f"/v1/notifications/{notification_id}", token=stack.token("someone-else"))
    assert other.status == 404

    opened = stack.request("POST", f"/v1/notifications/{notification_id}/opened", token=token)
    assert opened.status == 204
    again = stack.tick(next_fire_at).json()
    assert again["sent"] == 0  # the same occurrence never goes out twice


def _users_due(stack: LocalStack, prefix: str, count: int, due: datetime) -> dict[str, str]:
    """`count` users with one device and a daily reminder due at `due` (UTC); their FIDs by user."""

    def create(n: int) -> tuple[str, str]:
        user = f"{prefix}-{n:03d}"
        token = stack.token(user)
        fid = f"fid-{prefix}-{n:06d}"
        device = {"platform": "android", "fid": fid, "timezone": "UTC", "locale": "en-GB", "app_version": "3.0"}
        assert stack.request("PUT", "/v1/devices/phone", device, token=token).status == 200
        body = {"kind": "affirmation", "local_time": due.strftime("%H:%M")}
        created = stack.request("PUT", "/v1/reminders/daily", body, token=token)
        assert created.status == 200
        assert created.json()["next_fire_at"] == _utc(due)
        return user, fid

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(create, range(count)))


def _store_settings(stack: LocalStack, user: str, document: dict[str, Any]) -> None:
    """Settings written straight into the table, as before the API refused them."""
    local_client("dynamodb", stack.aws_endpoint).put_item(
        TableName=local_table_name("Table"),
        Item={"pk": {"S": f"USER#{user}"}, "sk": {"S": "PROFILE#SETTINGS"}, "doc": {"S": json.dumps(document)}},
    )


def test_one_users_poisoned_settings_never_cost_thirty_others_their_push(stack: LocalStack) -> None:
    # Given 30 users due in the same minute, and three more whose settings no API would store now: the
    # probe's two pauses (neither can even be converted to UTC), and quiet hours at 25:00
    due = stack.minutes_ahead(4)
    others = _users_due(stack, "crowd30", 30, due)
    poisoned = _users_due(stack, "poisoned", 3, due)
    refused = stack.request(
        "PUT", "/v1/me/settings", {"paused_until": "9999-12-31T23:59:59-14:00"}, token=stack.token("poisoned-000")
    )
    assert refused.status == 400  # the API refuses it now
    _store_settings(stack, "poisoned-000", {"paused_until": "9999-12-31T23:59:59-14:00"})  # paused: far ahead
    _store_settings(stack, "poisoned-001", {"paused_until": "0001-01-01T00:00:00+14:00"})  # a pause long over
    _store_settings(stack, "poisoned-002", {"quiet_hours": {"start": "25:00", "end": "07:00"}})  # unreadable
    stack.request("DELETE", "/_local/fcm/messages")

    # When that minute's tick runs
    response = stack.tick(due)

    # Then it answers, every one of the 30 gets their push, and so does the pause long over; the far pause
    # is a pause, and the unreadable settings fail their own occurrence only
    assert response.status == 200, response.body
    report = response.json()
    delivered = Counter(item["message"]["fid"] for item in _fcm_messages(stack) if item["status"] == 200)
    assert {fid: delivered[fid] for fid in others.values()} == dict.fromkeys(others.values(), 1)
    assert delivered[poisoned["poisoned-001"]] == 1
    assert delivered[poisoned["poisoned-000"]] == delivered[poisoned["poisoned-002"]] == 0
    assert (report["due"], report["sent"], report["skipped"]) == (33, 31, 1)
    # The unreadable settings' occurrence failed; on a loaded machine the local queue may also hand a
    # message to a second poller while the first holds its claims, which that one reports "busy" (left
    # for redelivery, and counted in `failed` too): each push above still went out exactly once.
    assert report["failed"] >= 1


def test_a_reminder_left_over_from_an_outage_past_its_window_is_expired_at_the_sender(stack: LocalStack) -> None:
    # Given two users due in the same minute, and Google's OAuth endpoint down at that minute's tick
    due = stack.minutes_ahead(3)
    fids = _users_due(stack, "late", 2, due)
    stack.request("DELETE", "/_local/fcm/messages")
    assert stack.request("POST", "/_local/fcm/faults", {"oauth": "down"}).status == 200
    try:
        during = stack.tick(due).json()
    finally:
        assert stack.request("DELETE", "/_local/fcm/faults").status == 200
    assert (during["due"], during["failed"]) == (2, 2)

    # When the next tick comes 16 minutes later (the sender runs at the tick's time, not the machine's)
    later = stack.tick(due + timedelta(minutes=16)).json()

    # Then both are expired at the sender, counted, and never sent
    assert (later["sent"], later["expired"], later["expired_at_sender"], later["expired_at_tick"]) == (0, 2, 2, 0)
    assert not [item for item in _fcm_messages(stack) if item["message"].get("fid") in fids.values()]


def test_a_tick_earlier_than_the_last_is_a_400_problem(stack: LocalStack) -> None:
    last = stack.minutes_ahead(1)
    assert stack.tick(last).status == 200

    response = stack.tick(last - timedelta(minutes=1))
    unreadable = stack.tick("08:00 tomorrow")

    assert response.status == 400
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert "only move forward" in problem["detail"]
    assert [error["field"] for error in problem["errors"]] == ["time"]
    assert unreadable.status == 400
    assert stack.last_tick() == last
