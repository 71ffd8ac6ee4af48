"""The tick's worker handler over moto: a dependency that refuses for good fails the invocation (so the
errors alarm fires), counts the failure, and leaves every reminder due; throttling does not fail it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from pytest_mock import MockerFixture

from selfkind.adapters import sqs as sqs_adapter
from selfkind.data.reminder_repository import due_shard
from selfkind.domain.tick_report import ShardFailedError
from tests.conftest import Handler
from tests.reminder_world import ReminderWorld, local

EIGHT = local("2027-03-15T08:00")


def _refuse(code: str) -> Callable[..., Any]:
    def send_message_batch(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": code, "Message": "no"}}, "SendMessageBatch")

    return send_message_batch


def _emf(stdout: str, name: str) -> dict[str, float]:
    totals: dict[str, float] = {}
    for line in stdout.splitlines():
        if line.startswith("{") and name in (record := json.loads(line)):
            value = sum(record[name]) if isinstance(record[name], list) else record[name]
            totals[record.get("dependency", "")] = totals.get(record.get("dependency", ""), 0) + value
    return totals


@pytest.mark.parametrize(
    ("code", "fails"), [("AccessDenied", True), ("KMS.DisabledException", True), ("RequestThrottled", False)]
)
def test_sqs_refusing_fails_the_worker_and_throttling_does_not(
    world: ReminderWorld,
    invoke: Callable[[str], Handler],
    mocker: MockerFixture,
    capsys: pytest.CaptureFixture[str],
    code: str,
    fails: bool,
) -> None:
    world.device("ana", "phone", fid="fid-phone-0001")
    world.reminder("ana", "morning", "08:00", after=EIGHT - timedelta(minutes=1))
    worker = invoke("ReminderWorkerFunction")
    client = sqs_adapter.sqs_client()
    mocker.patch.object(client, "send_message_batch", side_effect=_refuse(code))
    shard = int(due_shard("ana", "morning", 4))  # the world's functions run 4 shards
    event = {"scheduled_time": EIGHT.isoformat(), "shard": shard, "shards": 4}
    capsys.readouterr()

    if fails:
        with pytest.raises(ShardFailedError):
            worker(event)
    else:
        assert worker(event)["errors"] == {"sqs": 1}

    assert _emf(capsys.readouterr().out, "TickFailures") == {"sqs": 1.0}
    reminder = world.reminders().get("ana", "morning")
    assert reminder is not None
    assert reminder.next_fire_at == EIGHT  # still due: the next tick takes it
