"""Journal text, notes, a user's own affirmations and push tokens never reach logs, metrics or errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime

import boto3
import pytest
from pytest_mock import MockerFixture

from devstack.events import http_api_event
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import sync
from selfkind.domain.sync_push_parsing import canonical_record_json
from selfkind.models.reminders import NotificationPreview, Settings
from selfkind.models.sync import RecordChange
from tests.conftest import Handler
from tests.reminder_world import DAY, ReminderWorld, local
from tests.sync_client import Device, changes, journal_entry

SECRET = "my-very-private-words-7f3a"


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_sync_writes_none_of_the_users_words_to_its_output(
    invoke: Callable[[str], Handler], capsys: pytest.CaptureFixture[str]
) -> None:
    sync = invoke("SyncFunction")
    records = _Records()
    logging.getLogger("sync").addHandler(records)  # wherever the Logger's own handler writes
    device = Device(sync, "ana")
    device.pull()
    note = {
        "id": "s1",
        "exercise_id": "box-breathing",
        "started_at": 1,
        "duration_s": 60,
        "note": SECRET,
        "created_at": 1,
        "updated_at": 1,
    }
    own = {"id": "a1", "text": SECRET, "is_active": True, "created_at": 1, "updated_at": 1}
    body = changes(created=[journal_entry("e1", body=SECRET)]) | changes("practice_sessions", created=[note])
    body |= changes("affirmations", created=[own])

    assert device.push(body)["statusCode"] == 200
    assert SECRET in json.dumps(Device(sync, "ana").pull())  # it was stored and comes back to its owner
    bad = changes(created=[journal_entry("e2", body=SECRET, mood="not a number")])
    assert device.push(bad)["statusCode"] == 400

    logging.getLogger("sync").removeHandler(records)
    output = capsys.readouterr()
    logged = " ".join(str(vars(record)) for record in records.records)
    assert "Pushed" in logged  # logs and metrics were written...
    assert "SyncPushes" in output.out
    assert SECRET not in logged + output.out + output.err  # ...without the user's words


def test_an_unexpected_error_logs_no_message_and_answers_no_detail(
    invoke: Callable[[str], Handler], mocker: MockerFixture
) -> None:
    account = invoke("AccountFunction")
    records = _Records()
    logging.getLogger("account").addHandler(records)  # the Powertools Logger of service "account"
    mocker.patch("selfkind.domain.reminders.register_device", side_effect=ValueError(f"token {SECRET} rejected"))
    device = {"platform": "ios", "token": SECRET, "timezone": "UTC", "locale": "en", "app_version": "1"}
    event = http_api_event(
        "PUT",
        "/v1/devices/d1",
        body=json.dumps(device),
        headers={"content-type": "application/json"},
        claims={"sub": "ana"},
    )

    try:
        response = account(event)
    finally:
        logging.getLogger("account").removeHandler(records)

    assert response["statusCode"] == 500
    [logged] = [record for record in records.records if record.getMessage() == "Unhandled error"]
    assert vars(logged)["error_type"] == "ValueError"
    assert "register_device" in vars(logged)["frames"] or "put_device" in vars(logged)["frames"]
    assert SECRET not in response["body"] + str(vars(logged))


def test_the_reminder_pipeline_writes_no_token_and_none_of_the_users_words_to_its_output(
    world: ReminderWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a user whose reminder shows her own words (preview "full") on a device known by its token
    token = f"token-{SECRET}"
    world.device("ana", "phone", token=token)
    world.settings("ana", Settings(notification_preview=NotificationPreview.FULL))
    words = {"text": SECRET, "is_active": True, "created_at": 1, "updated_at": 1}
    change = RecordChange(table="affirmations", record_id="own-1", data=canonical_record_json("own-1", words))
    sync.push(SyncRepository(world.table, boto3.client("dynamodb")), "ana", 1, [change], datetime.now(UTC))
    monday_8am = local("2027-03-15T08:00")
    world.reminder("ana", "morning", "08:00", after=monday_8am - DAY)

    records = _Records()
    services = ("reminder-scheduler", "reminder-worker", "reminder-sender")
    for service in services:  # wherever each Logger's own handler writes
        logging.getLogger(service).addHandler(records)

    # When the scheduler, its workers and the sender run
    try:
        report = world.tick(monday_8am)
    finally:
        for service in services:
            logging.getLogger(service).removeHandler(records)

    # Then the push carried them to her device, and no log line or metric of any of them did
    assert report["sent"] == 1
    [push] = world.pushes()
    assert (push["message"]["notification"]["body"], push["message"]["token"]) == (SECRET, token)
    logged = " ".join(str(vars(record)) for record in records.records)
    output = capsys.readouterr()
    assert {"Tick split", "Shard worked", "Batch delivered"} <= {r.getMessage() for r in records.records}
    assert "Reminders" in output.out  # counted too...
    assert SECRET not in logged + output.out + output.err  # ...without her words or her device's token
