"""Reminders end to end: the account API, `/_local/tick` and the FCM stand-in, over HTTP."""

from __future__ import annotations

from tests.local_stack import LocalStack


def test_a_reminder_reaches_the_device_through_a_tick(stack: LocalStack) -> None:
    token = stack.token("e2e-reminder-user")
    device = {
        "platform": "ios",
        "fid": "fid-e2e-000001",
        "timezone": "Asia/Kathmandu",
        "locale": "es-ES",
        "app_version": "2.1.0",
    }
    assert stack.request("PUT", "/v1/devices/iphone", device, token=token).status == 200
    reminder = stack.request("PUT", "/v1/reminders/dawn", {"kind": "practice", "local_time": "08:00"}, token=token)
    assert reminder.status == 200
    assert reminder.json()["timezone"] == "Asia/Kathmandu"  # from the device
    next_fire_at = reminder.json()["next_fire_at"]
    assert next_fire_at.endswith("02:15:00Z")  # 08:00 at +05:45
    stack.request("DELETE", "/_local/fcm/messages")

    report = stack.request("POST", "/_local/tick", {"time": next_fire_at}).json()

    assert report == {
        "due": 1,
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    [delivery] = stack.request("GET", "/_local/fcm/messages").json()["items"]
    assert delivery["status"] == 200
    message = delivery["message"]
    assert message["fid"] == "fid-e2e-000001"
    assert message["notification"]["title"] == "Un momento para ti, si quieres"
    assert message["data"]["type"] == "practice"

    opened = stack.request("POST", f"/v1/notifications/{message['data']['notification_id']}/opened", token=token)
    assert opened.status == 204
    again = stack.request("POST", "/_local/tick", {"time": next_fire_at}).json()
    assert again["sent"] == 0  # the same occurrence never goes out twice
