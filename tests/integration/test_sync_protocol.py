"""The WatermelonDB sync protocol through the sync handler, against moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from pytest_mock import MockerFixture

from selfkind.data import erasure
from selfkind.data.profile_repository import ProfileRepository
from selfkind.data.sync_repository import SyncRepository
from tests.conftest import Handler
from tests.sync_client import Device, changes, journal_entry, pull_event, push_event

TABLES = {"journal_entries", "affirmations", "practice_sessions"}


@pytest.fixture
def alice(sync: Handler) -> Device:
    return Device(sync, "alice")


def _head(aws: dict[str, str], user: str) -> int:
    return SyncRepository(aws["Table"], boto3.client("dynamodb")).read_head(user).seq


def _problem(response: dict[str, Any], status: int) -> dict[str, Any]:
    assert response["statusCode"] == status, response["body"]
    assert response["headers"]["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = json.loads(response["body"])
    return problem


def test_a_first_sync_with_no_data_gets_every_table_and_a_positive_timestamp(alice: Device) -> None:
    page = alice.pull()

    assert set(page["changes"]) == TABLES
    assert all(page["changes"][t] == {"created": [], "updated": [], "deleted": []} for t in TABLES)
    assert page["timestamp"] > 0
    assert page["has_more"] is False


def test_pushed_records_come_back_with_all_their_columns(alice: Device, sync: Handler) -> None:
    alice.pull()
    entry = {**journal_entry("e1"), "_status": "created", "_changed": "", "unknown_column": "dropped"}
    affirmation = {
        "id": "a1",
        "text": "I am allowed to rest.",
        "is_active": True,
        "created_at": 1,
        "updated_at": 2,
    }
    session = {
        "id": "s1",
        "exercise_id": "box-breathing",
        "started_at": 5,
        "duration_s": 240,
        "created_at": 5,
        "updated_at": 6,
    }
    body = changes(created=[entry]) | changes("affirmations", created=[affirmation])
    body |= changes("practice_sessions", created=[session])

    assert alice.push(body)["statusCode"] == 200

    page = Device(sync, "alice").pull()
    assert page["changes"]["journal_entries"]["created"] == [journal_entry("e1")]
    assert page["changes"]["affirmations"]["created"] == [affirmation]
    assert page["changes"]["practice_sessions"]["created"] == [
        {**session, "feeling_before": None, "feeling_after": None, "note": None}
    ]


def test_an_incremental_pull_separates_created_updated_and_deleted(alice: Device, sync: Handler) -> None:
    alice.pull()
    alice.push(changes(created=[journal_entry("old"), journal_entry("gone")]))
    phone = Device(sync, "alice")
    phone.pull()
    alice.push(changes(created=[journal_entry("other")]))
    alice.pull()

    edits = changes(created=[journal_entry("new")], updated=[journal_entry("old", body="edited")], deleted=["gone"])
    alice.push(edits)

    page = phone.pull()["changes"]["journal_entries"]
    assert sorted(r["id"] for r in page["created"]) == ["new", "other"]
    assert [(r["id"], r["body"]) for r in page["updated"]] == [("old", "edited")]
    assert page["deleted"] == ["gone"]
    first_sync = Device(sync, "alice").pull()["changes"]["journal_entries"]
    assert first_sync["deleted"] == []  # a first sync gets no tombstones


def test_the_pushing_device_gets_its_own_new_records_as_updated(alice: Device) -> None:
    # WatermelonDB saves last_pulled_at before it pushes, so the pusher's next pull starts there. Sent
    # as `created`, a record deleted on the device in between would be re-created (the deletion lost).
    alice.pull()
    alice.push(changes(created=[journal_entry("mine")]))

    page = alice.pull()["changes"]["journal_entries"]

    assert page["created"] == []
    assert [r["id"] for r in page["updated"]] == ["mine"]


def test_push_follows_the_protocols_lenient_rules(alice: Device, aws: dict[str, str]) -> None:
    alice.pull()
    alice.push(changes(created=[journal_entry("e1")]))
    alice.pull()

    # created but existing -> updated; updated but missing -> created; deleting a missing record -> no-op
    response = alice.push(
        changes(created=[journal_entry("e1", body="v2")], updated=[journal_entry("e2")], deleted=["never-existed"])
    )

    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {}
    records = {r["id"]: r for r in Device(alice.handler, "alice").pull()["changes"]["journal_entries"]["created"]}
    assert records["e1"]["body"] == "v2"
    assert "e2" in records
    assert _head(aws, "alice") == alice.last_pulled_at + 2  # type: ignore[operator]


def test_a_record_changed_after_the_last_pull_is_a_conflict_and_nothing_is_written(
    sync: Handler, aws: dict[str, str]
) -> None:
    phone, tablet = Device(sync, "alice"), Device(sync, "alice")
    phone.pull()
    phone.push(changes(created=[journal_entry("shared")]))
    phone.pull()
    tablet.pull()
    tablet.push(changes(updated=[journal_entry("shared", body="tablet")]))
    head = _head(aws, "alice")

    response = phone.push(changes(created=[journal_entry("fresh")], updated=[journal_entry("shared", body="phone")]))

    problem = _problem(response, 409)
    assert problem["conflicts"] == [{"table": "journal_entries", "id": "shared"}]
    assert "phone" not in response["body"]
    assert _head(aws, "alice") == head
    phone.pull()
    assert phone.records[("journal_entries", "shared")]["body"] == "tablet"
    assert ("journal_entries", "fresh") not in phone.records


def test_resending_what_the_server_already_has_is_not_a_conflict(sync: Handler, aws: dict[str, str]) -> None:
    phone = Device(sync, "alice")
    phone.pull()
    event = push_event("alice", {"changes": changes(created=[journal_entry("e1")])}, phone.last_pulled_at or 0)
    assert sync(event)["statusCode"] == 200
    head = _head(aws, "alice")

    retried = sync(event)  # a Lambda retry of the same request

    assert retried["statusCode"] == 200
    assert _head(aws, "alice") == head


def test_an_idempotency_key_replays_the_first_answer_without_writing(sync: Handler, aws: dict[str, str]) -> None:
    phone, tablet = Device(sync, "alice"), Device(sync, "alice")
    phone.pull()
    tablet.pull()
    key = {"Idempotency-Key": "push-0001-abcdef"}
    assert phone.push(changes(created=[journal_entry("e1")]), headers=key)["statusCode"] == 200
    tablet.pull()
    tablet.push(changes(updated=[journal_entry("e1", body="tablet")]))
    head = _head(aws, "alice")

    replay = phone.push(changes(created=[journal_entry("e1")]), headers=key)

    assert replay["statusCode"] == 200  # not 409: the saved answer, nothing written again
    assert _head(aws, "alice") == head
    other_body = phone.push(changes(created=[journal_entry("e1", body="different")]), headers=key)
    assert _problem(other_body, 422)["status"] == 422


def test_an_idempotency_key_sent_again_with_another_query_is_a_422_not_a_replay(
    sync: Handler, aws: dict[str, str]
) -> None:
    # Given a push with an Idempotency-Key
    phone = Device(sync, "alice")
    phone.pull()
    key = {"Idempotency-Key": "push-0002-abcdef"}
    body = {"changes": changes(created=[journal_entry("e1")])}
    assert sync(push_event("alice", body, phone.last_pulled_at or 0, key))["statusCode"] == 200
    head = _head(aws, "alice")

    # When the same key and body come again with last_pulled_at far in the future
    replay = sync(push_event("alice", body, 9_000_000_000_000, key))

    # Then it is the key-reused problem, not the stored 200, and nothing is written
    assert _problem(replay, 422)["type"].endswith("/idempotency-key-reused")
    assert _head(aws, "alice") == head


def test_the_same_idempotency_key_from_another_user_is_their_own(sync: Handler, aws: dict[str, str]) -> None:
    key = {"Idempotency-Key": "shared-key-123456"}
    Device(sync, "alice").push(changes(created=[journal_entry("e1")]), headers=key)

    assert Device(sync, "bob").push(changes(created=[journal_entry("e1")]), headers=key)["statusCode"] == 200
    assert _head(aws, "bob") > 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("{not json", ""),
        (
            {"changes": changes(created=[journal_entry("e1", mood="x")])},
            "changes.journal_entries.created[1].mood",
        ),
        (
            {"changes": changes(created=[journal_entry("e1", mood=9)])},
            "changes.journal_entries.created[1].mood",
        ),
        (
            {"changes": changes(created=[{k: v for k, v in journal_entry("e1").items() if k != "body"}])},
            "changes.journal_entries.created[1].body",
        ),
        (
            {"changes": changes(created=[{"kind": "free", "body": "x"}])},
            "changes.journal_entries.created[1].id",
        ),
        ({"changes": changes("secrets", created=[journal_entry("e1")])}, "changes"),
        (
            {
                "changes": changes(
                    "affirmations",
                    created=[{"id": "a", "text": "t", "is_active": "yes", "created_at": 1, "updated_at": 1}],
                )
            },
            "changes.affirmations.created[0].is_active",
        ),
    ],
)
def test_bad_input_is_a_400_naming_table_record_and_column_and_writes_nothing(
    sync: Handler, aws: dict[str, str], body: Any, field: str
) -> None:
    valid = journal_entry("valid-one")
    if isinstance(body, dict) and "journal_entries" in body["changes"]:
        body["changes"]["journal_entries"]["created"].insert(0, valid)

    response = sync(push_event("alice", body, 0))

    problem = _problem(response, 400)
    assert field in [error["field"] for error in problem.get("errors", [])] or field in problem["detail"]
    assert "A kind note" not in response["body"]
    assert _head(aws, "alice") == 1  # nothing of that push was written


def test_limits_are_enforced(sync: Handler, aws: dict[str, str]) -> None:
    too_many = changes(created=[journal_entry(f"e{i}") for i in range(1001)])
    assert _problem(sync(push_event("alice", {"changes": too_many}, 0)), 413)

    too_big = changes(created=[journal_entry("big", body="x" * 59_000, title="t" * 300), journal_entry("huge")])
    too_big["journal_entries"]["created"][1]["body"] = "ñ" * 40_000  # within 60,000 characters, over 64 KB as UTF-8
    assert _problem(sync(push_event("alice", {"changes": too_big}, 0)), 413)

    oversized_body = json.dumps({"changes": changes(), "padding": "z" * (6 * 1024 * 1024)})
    assert _problem(sync(push_event("alice", oversized_body, 0)), 413)
    assert _head(aws, "alice") == 1


def test_large_pulls_are_paged_below_4_mb_and_continue_exactly(sync: Handler) -> None:
    writer = Device(sync, "alice")
    writer.pull()
    for batch in range(4):
        entries = [journal_entry(f"e{batch}-{i}", body="w" * 50_000) for i in range(25)]
        assert writer.push(changes(created=entries))["statusCode"] == 200
        writer.pull()

    last_pulled_at: int | None = None
    pages = []
    while True:
        response = sync(pull_event("alice", last_pulled_at))
        assert len(response["body"].encode()) < 4 * 1024 * 1024
        page = json.loads(response["body"])
        last_pulled_at = page["timestamp"]
        pages.append(page)
        if not page["has_more"]:
            break

    assert len(pages) >= 2
    journal = [page["changes"]["journal_entries"] for page in pages]
    ids = [record["id"] for table in journal for record in table["created"] + table["updated"]]
    assert sorted(ids) == sorted(f"e{b}-{i}" for b in range(4) for i in range(25))  # each exactly once


def test_a_migration_resends_every_record_of_the_new_tables(alice: Device, sync: Handler) -> None:
    alice.pull()
    session = {
        "id": "s1",
        "exercise_id": "x",
        "started_at": 1,
        "duration_s": 1,
        "created_at": 1,
        "updated_at": 1,
    }
    alice.push(changes("practice_sessions", created=[session]))
    alice.pull()
    alice.push(changes(created=[journal_entry("e1")]))

    migration = json.dumps({"from": 1, "tables": ["practice_sessions"], "columns": []})
    page = alice.pull(schema_version=2, migration=migration)

    assert [r["id"] for r in page["changes"]["practice_sessions"]["created"]] == ["s1"]
    assert [r["id"] for r in page["changes"]["journal_entries"]["updated"]] == ["e1"]  # pushed by this device


def test_a_client_ahead_of_the_server_gets_a_replacement(sync: Handler) -> None:
    device = Device(sync, "alice", last_pulled_at=500)

    page = device.pull()

    assert page["experimentalStrategy"] == "replacement"


@pytest.mark.parametrize(
    "query", ["last_pulled_at=-1", "last_pulled_at=abc", "schema_version=0", "migration=%7Bnot-json"]
)
def test_bad_pull_parameters_are_a_400_naming_them(sync: Handler, query: str) -> None:
    from devstack.events import http_api_event

    event = http_api_event("GET", "/v1/sync", query=query, claims={"sub": "alice"})
    problem = _problem(sync(event), 400)
    assert query.split("=")[0] in problem["detail"]


def test_a_push_larger_than_a_transaction_is_applied_in_chunks(
    sync: Handler, aws: dict[str, str], mocker: MockerFixture
) -> None:
    commits = mocker.spy(SyncRepository, "commit")
    device = Device(sync, "alice")
    device.pull()

    assert device.push(changes(created=[journal_entry(f"e{i}") for i in range(250)]))["statusCode"] == 200

    assert commits.call_count == 3  # 99 + 99 + 52
    assert _head(aws, "alice") == 1 + 250
    fresh = Device(sync, "alice")
    fresh.pull_all()
    assert len(fresh.records) == 250


def test_a_push_interrupted_between_chunks_converges_after_the_clients_retry(
    sync: Handler, aws: dict[str, str], mocker: MockerFixture
) -> None:
    device = Device(sync, "alice")
    device.pull()
    entries = [journal_entry(f"e{i}") for i in range(150)]
    real_commit = SyncRepository.commit
    calls = {"n": 0}

    def crash_on_second_chunk(self: SyncRepository, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise TimeoutError("the Lambda ran out of time")
        real_commit(self, *args, **kwargs)

    mocker.patch.object(SyncRepository, "commit", crash_on_second_chunk)
    assert device.push(changes(created=entries))["statusCode"] == 500
    mocker.stopall()

    # The client's ordinary retry: pull, then push again (WatermelonDB keeps changes until acknowledged).
    device.pull()
    assert device.push(changes(created=entries))["statusCode"] == 200

    fresh = Device(sync, "alice")
    fresh.pull_all()
    assert sorted(key[1] for key in fresh.records) == sorted(f"e{i}" for i in range(150))
    assert _head(aws, "alice") == 1 + 150  # nothing written twice


def test_a_lambda_retry_of_an_interrupted_push_converges(
    sync: Handler, aws: dict[str, str], mocker: MockerFixture
) -> None:
    device = Device(sync, "alice")
    device.pull()
    event = push_event("alice", {"changes": changes(created=[journal_entry(f"e{i}") for i in range(120)])}, 1)
    real_commit = SyncRepository.commit
    calls = {"n": 0}

    def crash_on_second_chunk(self: SyncRepository, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise TimeoutError
        real_commit(self, *args, **kwargs)

    mocker.patch.object(SyncRepository, "commit", crash_on_second_chunk)
    assert sync(event)["statusCode"] == 500
    mocker.stopall()

    assert sync(event)["statusCode"] == 200  # the very same request again

    assert _head(aws, "alice") == 1 + 120


def _set_unopened_streak(aws: dict[str, str], user: str, streak: int) -> None:
    """As the sender counts them: notifications in a row the person left unopened."""
    boto3.client("dynamodb").update_item(
        TableName=aws["Table"],
        Key=erasure.delivery_key(user),
        UpdateExpression="SET unopened_streak = :streak",
        ExpressionAttributeValues={":streak": {"N": str(streak)}},
    )


def test_a_pull_and_a_push_each_bring_thinned_reminders_back_to_their_cadence(
    alice: Device, aws: dict[str, str]
) -> None:
    profiles = ProfileRepository(aws["Table"], boto3.client("dynamodb"))
    _set_unopened_streak(aws, "alice", 4)

    alice.pull()
    assert profiles.get_engagement("alice").unopened_streak == 0

    _set_unopened_streak(aws, "alice", 7)
    assert alice.push(changes(created=[journal_entry("e1")]))["statusCode"] == 200
    assert profiles.get_engagement("alice").unopened_streak == 0
