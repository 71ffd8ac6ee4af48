"""A wrong Firebase key, end to end: the FCM stand-in answers 403 SENDER_ID_MISMATCH (our credentials,
not the devices), no device is removed, and the reminders go out once the fault clears, within their
window."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.local_stack import LocalStack

MADRID = ZoneInfo("Europe/Madrid")


def _device(fid: str) -> dict[str, str]:
    return {"platform": "android", "fid": fid, "timezone": "Europe/Madrid", "locale": "en-GB", "app_version": "2.1.0"}


def test_a_sender_id_mismatch_removes_no_device_and_the_reminder_goes_out_when_it_clears(stack: LocalStack) -> None:
    token = stack.token("e2e-wrong-key-user")
    for name, fid in (("phone", "fid-wrong-key-phone"), ("tablet", "fid-wrong-key-tablet")):
        assert stack.request("PUT", f"/v1/devices/{name}", _device(fid), token=token).status == 200
    # Due after the stack's last tick (another test's may be hours ahead of now): tick times only move forward
    local_time = stack.minutes_ahead(3).astimezone(MADRID).strftime("%H:%M")
    reminder = stack.request(
        "PUT", "/v1/reminders/evening", {"kind": "affirmation", "local_time": local_time}, token=token
    )
    assert reminder.status == 200
    due = datetime.fromisoformat(reminder.json()["next_fire_at"])
    stack.request("DELETE", "/_local/fcm/messages")
    fault = {"send": {"status": 403, "error": "SENDER_ID_MISMATCH", "count": 2}}  # both devices' pushes
    assert stack.request("POST", "/_local/fcm/faults", fault).status == 200

    try:
        refused_tick = stack.tick(due)
        assert refused_tick.status == 200, refused_tick.body
        refused = refused_tick.json()
        # Then nothing was sent and nothing removed: the message waits for its redelivery
        assert (refused["sent"], refused["failed"]) == (0, 1)
        devices = stack.request("GET", "/v1/devices", token=token).json()["items"]
        assert sorted(d["device_id"] for d in devices) == ["phone", "tablet"]
        attempts = stack.request("GET", "/_local/fcm/messages").json()["items"]
        assert {a["status"] for a in attempts} == {403}
    finally:
        stack.request("DELETE", "/_local/fcm/faults")

    # When the fault has cleared and the message comes back (the queue's 180 s), within the window
    later_tick = stack.tick(due + timedelta(minutes=4))
    assert later_tick.status == 200, later_tick.body
    later = later_tick.json()

    assert later["sent"] == 1
    delivered = [a for a in stack.request("GET", "/_local/fcm/messages").json()["items"] if a["status"] == 200]
    assert sorted(a["message"]["fid"] for a in delivered) == ["fid-wrong-key-phone", "fid-wrong-key-tablet"]


def test_the_stand_in_refuses_a_mismatch_fault_without_its_status(stack: LocalStack) -> None:
    wrong = {"send": {"status": 503, "error": "SENDER_ID_MISMATCH", "count": 1}}
    assert stack.request("POST", "/_local/fcm/faults", wrong).status == 400
    assert stack.request("POST", "/_local/fcm/faults", {"send": {"status": 403, "count": 1}}).status == 400
