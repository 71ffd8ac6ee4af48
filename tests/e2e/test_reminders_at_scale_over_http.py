"""Reminders for many users in one minute, and through an OAuth outage, over HTTP on the local stack:
the scheduler fans the tick out to its shard workers, the sender drains the queue, FCM's stand-in
records every push."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from tests.local_stack import LocalStack


def _minute_from_now(stack: LocalStack, minutes: int) -> str:
    """A UTC wall time a few minutes after now and after the stack's last tick (tick times only move
    forward): no other test's reminder is due before it."""
    return stack.minutes_ahead(minutes).strftime("%H:%M")


def _users_due_at(stack: LocalStack, prefix: str, count: int, local_time: str) -> tuple[str, dict[str, str]]:
    """`count` users, each with one device and a daily reminder at local_time (UTC); returns the
    occurrence's instant and each device's FID by user."""

    def create(n: int) -> tuple[str, str, str]:
        user = f"{prefix}-{n:04d}"
        token = stack.token(user)
        fid = f"fid-{prefix}-{n:06d}"
        device = {"platform": "android", "fid": fid, "timezone": "UTC", "locale": "en-GB", "app_version": "3.0"}
        assert stack.request("PUT", "/v1/devices/phone", device, token=token).status == 200
        body = {"kind": "affirmation", "local_time": local_time}
        created = stack.request("PUT", "/v1/reminders/daily", body, token=token)
        assert created.status == 200
        return user, fid, created.json()["next_fire_at"]

    with ThreadPoolExecutor(8) as pool:
        users = list(pool.map(create, range(count)))
    [occurrence] = {next_fire_at for _, _, next_fire_at in users}
    return occurrence, {user: fid for user, fid, _ in users}


def _tick(stack: LocalStack, at: str) -> dict[str, int]:
    report: dict[str, int] = stack.tick(at).json()
    return report


def _pushes_by_fid(stack: LocalStack, status: int) -> Counter[str]:
    items = stack.request("GET", "/_local/fcm/messages").json()["items"]
    return Counter(item["message"]["fid"] for item in items if item["status"] == status)


def test_three_hundred_users_due_in_the_same_minute_are_each_sent_exactly_once(stack: LocalStack) -> None:
    # Given 300 users whose reminders all come due in the same minute
    occurrence, fids = _users_due_at(stack, "crowd", 300, _minute_from_now(stack, 3))
    stack.request("DELETE", "/_local/fcm/messages")

    # When that minute's tick runs, and the next minute's too
    report = _tick(stack, occurrence)
    again = _tick(stack, (datetime.fromisoformat(occurrence) + timedelta(minutes=1)).isoformat())

    # Then each device got exactly one push, and nothing more went out
    assert report == {
        "due": 300,
        "sent": 300,
        "failed": 0,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    assert again["sent"] == 0
    assert _pushes_by_fid(stack, 200) == Counter(fids.values())


def test_while_oauth_is_down_nothing_is_sent_and_the_next_tick_delivers_each_once(stack: LocalStack) -> None:
    # Given five users due in the same minute, and Google's OAuth endpoint down
    occurrence, fids = _users_due_at(stack, "outage", 5, _minute_from_now(stack, 6))
    stack.request("DELETE", "/_local/fcm/messages")
    assert stack.request("POST", "/_local/fcm/faults", {"oauth": "down"}).status == 200

    # When the tick runs during the outage
    during = _tick(stack, occurrence)

    # Then nothing went out, and every occurrence is reported failed (left for SQS to redeliver)
    assert during == {
        "due": 5,
        "sent": 0,
        "failed": 5,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    assert _pushes_by_fid(stack, 200) == Counter()

    # When OAuth is back and a tick runs 4 minutes later (after the queue's visibility timeout)
    assert stack.request("DELETE", "/_local/fcm/faults").status == 200
    recovered = _tick(stack, (datetime.fromisoformat(occurrence) + timedelta(minutes=4)).isoformat())

    # Then each occurrence is delivered exactly once, within its window
    assert recovered == {
        "due": 0,
        "sent": 5,
        "failed": 0,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    assert _pushes_by_fid(stack, 200) == Counter(fids.values())


def test_faults_are_validated(stack: LocalStack) -> None:
    response = stack.request("POST", "/_local/fcm/faults", {"send": {"status": 418, "count": 1}})

    assert response.status == 400
    assert response.json()["fields"] == ["send.status"]
