"""Journal text, notes, a user's own affirmations and push tokens never reach logs, metrics or errors."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from pytest_mock import MockerFixture

from devstack.events import http_api_event
from tests.conftest import Handler
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
