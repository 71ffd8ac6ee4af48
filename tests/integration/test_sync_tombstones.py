"""Tombstones expire after 90 days; a client that may have missed one gets a replacement."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3

from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import sync
from selfkind.domain.sync_push_parsing import canonical_record_json
from selfkind.models.sync import RecordChange
from selfkind.models.sync_pull import PullRequest

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)


def _entry(record_id: str) -> RecordChange:
    columns = {
        "kind": "free",
        "title": None,
        "body": "b",
        "mood": None,
        "exercise_id": None,
        "created_at": 1,
        "updated_at": 1,
    }
    return RecordChange(table="journal_entries", record_id=record_id, data=canonical_record_json(record_id, columns))


def test_a_client_behind_expired_tombstones_gets_the_full_set_as_a_replacement(aws: dict[str, str]) -> None:
    store = SyncRepository(aws["Table"], boto3.client("dynamodb"))
    long_ago = NOW - timedelta(days=120)
    sync.push(store, "alice", 1, [_entry("kept"), _entry("removed")], now=long_ago)
    sync.push(
        store,
        "alice",
        3,
        [RecordChange(table="journal_entries", record_id="removed", data=None)],
        now=long_ago,
    )
    sync.push(store, "alice", 4, [_entry("recent")], now=NOW)

    stale = sync.pull(store, PullRequest(user_id="alice", last_pulled_at=3, schema_version=1), now=NOW)
    current = sync.pull(store, PullRequest(user_id="alice", last_pulled_at=4, schema_version=1), now=NOW)

    assert stale.replacement is True
    assert sorted(stale.created["journal_entries"]) == sorted([_entry("kept").data, _entry("recent").data])  # type: ignore[type-var]
    assert current.replacement is False
    assert current.updated["journal_entries"] == [_entry("recent").data]  # pushed from last_pulled_at=4


def test_a_tombstone_keeps_no_content_and_expires(aws: dict[str, str]) -> None:
    client = boto3.client("dynamodb")
    store = SyncRepository(aws["Table"], client)
    sync.push(store, "alice", 1, [_entry("e1")], now=NOW)
    sync.push(store, "alice", 2, [RecordChange(table="journal_entries", record_id="e1", data=None)], now=NOW)

    item = client.get_item(
        TableName=aws["Table"], Key={"pk": {"S": "USER#alice"}, "sk": {"S": "REC#journal_entries#e1"}}
    )["Item"]

    assert "data" not in item
    assert item["deleted"] == {"BOOL": True}
    assert int(item["expires_at"]["N"]) == int((NOW + timedelta(days=90)).timestamp())
