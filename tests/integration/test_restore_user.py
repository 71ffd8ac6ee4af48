"""tools/restore_user.py against moto: one user's data copied back from a restored table, as a push."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from devstack.aws import create_tables
from devstack.template import load_template
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import sync
from selfkind.models.sync import LATEST_SCHEMA_VERSION, RecordChange
from selfkind.models.sync_pull import PullRequest
from tools.restore_user import RestoreRefusedError, main, plan

NOW = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)


def _entry(record_id: str, text: str) -> RecordChange:
    columns = {
        "id": record_id,
        "body": text,
        "mood": 3,
        "created_at": 1_773_000_000_000,
        "updated_at": 1_773_000_000_000,
    }
    return RecordChange(table="journal_entries", record_id=record_id, data=json.dumps(columns))


def _snapshot(client: Any, live: str) -> str:
    """What a point-in-time restore gives: a new table with the live one's items (moto has no PITR)."""
    template = load_template()
    template = {"Resources": {"Restored": template["Resources"]["Table"]}}
    name = create_tables(client, template)["Restored"]
    for page in client.get_paginator("scan").paginate(TableName=live):
        for item in page["Items"]:
            client.put_item(TableName=name, Item=item)
    return name


def _records(client: Any, table: str, user: str) -> dict[str, dict[str, Any]]:
    items = client.query(
        TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}}
    )["Items"]
    return {item["rid"]["S"]: item for item in items if item["sk"]["S"].startswith("REC#")}


def test_a_users_lost_records_come_back_with_new_sequence_numbers_and_others_are_untouched(
    aws: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    client = boto3.client("dynamodb")
    live = aws["Table"]
    repository = SyncRepository(live, client)
    sync.push(repository, "ana", 0, [_entry("e1", "first"), _entry("e2", "second")], NOW)
    sync.push(repository, "ben", 0, [_entry("b1", "ben's")], NOW)
    restored = _snapshot(client, live)
    # The damage: ana's entries deleted (a bug, a wrong device), and a new one written since
    head = repository.read_head("ana")
    gone = [RecordChange(table="journal_entries", record_id=rid, data=None) for rid in ("e1", "e2")]
    sync.push(repository, "ana", head.seq, gone, NOW)
    sync.push(repository, "ana", repository.read_head("ana").seq, [_entry("e3", "since")], NOW)
    ben_before = _records(client, live, "ben")
    seq_before = repository.read_head("ana").seq

    # When the operator looks at the plan, then applies it
    assert main(["--from", restored, "--to", live, "--user", "ana"]) == 0
    assert "2 record(s) to restore" in capsys.readouterr().out
    assert "deleted" in _records(client, live, "ana")["e1"]  # the plan wrote nothing
    assert main(["--from", restored, "--to", live, "--user", "ana", "--apply"]) == 0

    # Then ana's lost entries are back, above the head her devices pulled, and nothing else changed
    after = _records(client, live, "ana")
    assert json.loads(after["e1"]["data"]["S"])["body"] == "first"
    assert json.loads(after["e2"]["data"]["S"])["body"] == "second"
    assert json.loads(after["e3"]["data"]["S"])["body"] == "since"
    assert min(int(after[rid]["seq"]["N"]) for rid in ("e1", "e2")) > seq_before
    assert _records(client, live, "ben") == ben_before
    request = PullRequest(user_id="ana", last_pulled_at=seq_before, schema_version=LATEST_SCHEMA_VERSION)
    pulled = sync.pull(repository, request, NOW)
    pulled_texts = pulled.created.get("journal_entries", []) + pulled.updated.get("journal_entries", [])
    seen = {json.loads(text)["id"] for text in pulled_texts}
    assert seen >= {"e1", "e2"}  # her devices pull them at their next sync


def test_a_user_who_erased_after_the_restore_point_is_never_restored(aws: dict[str, str]) -> None:
    from selfkind.data import erasure

    client = boto3.client("dynamodb")
    live = aws["Table"]
    sync.push(SyncRepository(live, client), "ana", 0, [_entry("e1", "private")], NOW)
    restored = _snapshot(client, live)
    epoch = erasure.begin(client, live, "ana", NOW)
    erasure.finish(client, live, "ana", epoch)

    with pytest.raises(RestoreRefusedError):
        plan(client, restored, live, "ana", NOW)
    assert main(["--from", restored, "--to", live, "--user", "ana", "--apply"]) == 2
