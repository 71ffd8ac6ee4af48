"""Progress through the handlers against moto: check-ins (schema version 2), the user's zone, insights
and suggestions, and the rollups the pushes keep in their own transactions."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devstack.events import http_api_event
from selfkind.data.reminder_repository import ReminderRepository
from selfkind.data.rollup_repository import RollupRepository
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import old_due_index, rollups
from selfkind.models.reminders import WEEKDAYS
from tests.conftest import Handler
from tests.sync_client import Device
from tests.unit.test_rollups import check_in, entry, session

JSON = {"content-type": "application/json"}


def get(handler: Handler, path: str, user: str = "ana", query: str = "", language: str = "en") -> dict[str, Any]:
    return handler(
        http_api_event("GET", path, query=query, headers={"accept-language": language}, claims={"sub": user})
    )


def ok(response: dict[str, Any]) -> Any:
    assert response["statusCode"] == 200, response["body"]
    return json.loads(response["body"])


def problem_fields(response: dict[str, Any], status: int = 400) -> list[str]:
    assert response["statusCode"] == status, response["body"]
    assert response["headers"]["Content-Type"] == "application/problem+json"
    return [error["field"] for error in json.loads(response["body"]).get("errors", [])]


def now_ms(days_ago: float = 0) -> int:
    return int((datetime.now(UTC) - timedelta(days=days_ago)).timestamp() * 1000)


@pytest.fixture
def ana(sync: Handler) -> Device:
    device = Device(sync, "ana")
    device.pull(schema_version=2)
    return device


def test_insights_follow_what_is_pushed_and_are_the_users_alone(ana: Device, sync: Handler) -> None:
    sessions = [session(f"s{i}", "box-breathing", now_ms(i * 0.1), 300, 2, 4) for i in range(3)]
    taken_at = now_ms()
    pushed = ana.push(
        {
            "practice_sessions": {"created": sessions, "updated": [], "deleted": []},
            "journal_entries": {"created": [entry("e1", now_ms(), 4)], "updated": [], "deleted": []},
            "check_ins": {"created": [check_in("c1", taken_at, "333333333333")], "updated": [], "deleted": []},
        }
    )
    assert pushed["statusCode"] == 200, pushed["body"]

    mine = ok(get(sync, "/v1/insights", query="weeks=4"))
    assert len(mine["weeks"]) == 4
    assert mine["weeks"][-1]["sessions"] == 3
    assert mine["weeks"][-1]["minutes"] == 15
    assert mine["practices"] == [
        {"exercise_id": "box-breathing", "sessions": 3, "minutes": 15, "feeling_shift": {"avg": 2.0, "n": 3}}
    ]
    assert mine["check_ins"] == [{"taken_at": taken_at, "score": 3.0}]
    assert mine["helped_most"]["exercise_ids"] == ["box-breathing"]

    theirs = ok(get(sync, "/v1/insights", user="ben", query="weeks=4"))
    assert all(week["sessions"] == 0 and week["entries"] == 0 for week in theirs["weeks"])
    assert theirs["practices"] == []
    assert theirs["check_ins"] == []

    # A delete changes them.
    ana.pull(schema_version=2)
    ana.push({"practice_sessions": {"created": [], "updated": [], "deleted": ["s0"]}})
    after = ok(get(sync, "/v1/insights", query="weeks=4"))
    assert after["weeks"][-1]["sessions"] == 2
    assert after["practices"][0]["feeling_shift"] is None  # two notes: too few to say


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [
        ("/v1/insights", "weeks=0", "weeks"),
        ("/v1/insights", "weeks=53", "weeks"),
        ("/v1/insights", "weeks=twelve", "weeks"),
        ("/v1/suggestions", "feeling=6", "feeling"),
        ("/v1/suggestions", "feeling=0", "feeling"),
        ("/v1/suggestions", "minutes=0", "minutes"),
        ("/v1/suggestions", "mood=3", "mood"),
    ],
)
def test_bad_progress_queries_are_400s_naming_the_parameter(sync: Handler, path: str, query: str, field: str) -> None:
    fields = problem_fields(get(sync, path, query=query))
    assert fields == [field] or (field == "mood" and fields)


def test_progress_needs_a_signed_in_user(sync: Handler) -> None:
    response = sync(http_api_event("GET", "/v1/insights"))
    assert response["statusCode"] == 401


def test_suggestions_in_spanish_for_a_hard_moment_show_the_help_entry(sync: Handler) -> None:
    found = ok(get(sync, "/v1/suggestions", query="feeling=2&minutes=5", language="es"))

    assert found["support"] is True
    assert 1 <= len(found["items"]) <= 5
    assert "gentle_for_now" in found["items"][0]["reasons"]
    assert found["items"][0]["title"] != ""


def test_check_in_answers_must_be_12_digits_from_1_to_5(ana: Device) -> None:
    for answers in ("33333333333", "333333333330", "3333333333333", "33333333333a"):
        response = ana.push(
            {"check_ins": {"created": [check_in("c1", now_ms(), answers)], "updated": [], "deleted": []}}
        )
        assert problem_fields(response) == ["changes.check_ins.created[0].answers"]
    response = ana.push(
        {"check_ins": {"created": [{**check_in("c1", now_ms(), "333333333333"), "instrument": "phq-9"}]}}
    )
    assert problem_fields(response) == ["changes.check_ins.created[0].instrument"]


def test_a_version_1_client_never_receives_check_ins_and_a_migrating_one_gets_them_all(sync: Handler) -> None:
    new = Device(sync, "ana")
    new.pull(schema_version=2)
    new.push({"check_ins": {"created": [check_in("c1", now_ms(), "333333333333")], "updated": [], "deleted": []}})
    old = Device(sync, "ana")

    page = old.pull(schema_version=1)
    assert "check_ins" not in page["changes"]
    # Once migrated, its first pull (from where it was) brings the table in full.
    migration = json.dumps(
        {"from": 1, "tables": ["check_ins"], "columns": [{"table": "journal_entries", "columns": ["prompt_id"]}]}
    )
    migrated = old.pull(schema_version=2, migration=migration)
    assert [record["id"] for record in migrated["changes"]["check_ins"]["created"]] == ["c1"]


def test_a_version_1_journal_entry_is_not_refused_for_lacking_prompt_id_and_a_version_2_one_keeps_it(
    ana: Device, sync: Handler
) -> None:
    assert ana.push({"journal_entries": {"created": [entry("e1", now_ms(), 3)]}})["statusCode"] == 200
    with_prompt = {**entry("e2", now_ms(), 3), "prompt_id": "letter-to-a-dear-friend"}
    assert ana.push({"journal_entries": {"created": [with_prompt]}})["statusCode"] == 200

    fresh = Device(sync, "ana")
    fresh.pull(schema_version=2)
    assert fresh.records[("journal_entries", "e1")]["prompt_id"] is None  # to WatermelonDB, absent is "keep"
    assert fresh.records[("journal_entries", "e2")]["prompt_id"] == "letter-to-a-dear-friend"
    old = Device(sync, "ana")
    old.pull(schema_version=1)
    assert "prompt_id" not in old.records[("journal_entries", "e1")]  # a version-1 client gets what it had

    # A version-1 client editing the entry leaves prompt_id out: it keeps its value.
    assert old.push({"journal_entries": {"updated": [{**entry("e2", now_ms(), 5)}]}})["statusCode"] == 200
    fresh.pull(schema_version=2)
    assert fresh.records[("journal_entries", "e2")]["prompt_id"] == "letter-to-a-dear-friend"
    assert fresh.records[("journal_entries", "e2")]["mood"] == 5
    # A version-2 client clearing it clears it.
    cleared = {**fresh.records[("journal_entries", "e2")], "prompt_id": None}
    assert fresh.push({"journal_entries": {"updated": [cleared]}})["statusCode"] == 200
    another = Device(sync, "ana")
    another.pull(schema_version=2)
    assert another.records[("journal_entries", "e2")]["prompt_id"] is None


def test_the_zone_comes_from_the_settings_else_the_first_device_else_utc(sync: Handler, account: Handler) -> None:
    assert ok(get(sync, "/v1/insights", query="weeks=1"))["timezone"] == "UTC"

    device = {
        "platform": "ios",
        "token": "token-12345678",
        "timezone": "Europe/Madrid",
        "locale": "es-ES",
        "app_version": "1.0",
    }
    for device_id, zone in (("phone", "Europe/Madrid"), ("tablet", "Asia/Tokyo")):
        body = json.dumps({**device, "timezone": zone})
        response = account(
            http_api_event("PUT", f"/v1/devices/{device_id}", body=body, headers=JSON, claims={"sub": "ana"})
        )
        assert response["statusCode"] == 200, response["body"]
    assert ok(get(sync, "/v1/insights", query="weeks=1"))["timezone"] == "Europe/Madrid"

    chosen = json.dumps({"timezone": "America/Mexico_City"})
    assert (
        account(http_api_event("PUT", "/v1/me/settings", body=chosen, headers=JSON, claims={"sub": "ana"}))[
            "statusCode"
        ]
        == 200
    )
    assert ok(get(sync, "/v1/insights", query="weeks=1"))["timezone"] == "America/Mexico_City"

    cleared = json.dumps({"timezone": None})
    assert (
        account(http_api_event("PUT", "/v1/me/settings", body=cleared, headers=JSON, claims={"sub": "ana"}))[
            "statusCode"
        ]
        == 200
    )
    assert ok(get(sync, "/v1/insights", query="weeks=1"))["timezone"] == "Europe/Madrid"

    bad = json.dumps({"timezone": "Mars/Olympus_Mons"})
    response = account(http_api_event("PUT", "/v1/me/settings", body=bad, headers=JSON, claims={"sub": "ana"}))
    assert problem_fields(response) == ["timezone"]


def test_a_zone_set_before_any_push_lets_the_first_push_commit(sync: Handler, account: Handler) -> None:
    chosen = json.dumps({"timezone": "Asia/Tokyo"})
    assert (
        account(http_api_event("PUT", "/v1/me/settings", body=chosen, headers=JSON, claims={"sub": "ana"}))[
            "statusCode"
        ]
        == 200
    )
    device = Device(sync, "ana")
    device.pull(schema_version=2)
    assert device.push({"journal_entries": {"created": [entry("e1", now_ms(), 3)]}})["statusCode"] == 200
    assert ok(get(sync, "/v1/insights", query="weeks=1"))["weeks"][-1]["entries"] == 1


def test_erasure_removes_the_rollups_and_the_zone_and_export_holds_check_ins(
    ana: Device, sync: Handler, account: Handler, aws: dict[str, str]
) -> None:
    ana.push(
        {
            "check_ins": {"created": [check_in("c1", now_ms(), "333333333333")]},
            "practice_sessions": {"created": [session("s1", "box-breathing", now_ms(), 60, 1, 2)]},
        }
    )
    exported = ok(account(http_api_event("GET", "/v1/me/export", claims={"sub": "ana"})))
    assert [record["id"] for record in exported["check_ins"]] == ["c1"]

    assert account(http_api_event("DELETE", "/v1/me", claims={"sub": "ana"}))["statusCode"] == 204

    assert RollupRepository(aws["Table"], boto3.client("dynamodb")).read_all("ana") == {}
    after = ok(get(sync, "/v1/insights", query="weeks=2"))
    assert after["timezone"] == "UTC"
    assert all(week["sessions"] == 0 for week in after["weeks"])


# --- the proof, against moto ---------------------------------------------------------------------

record_ids = st.sampled_from(["r1", "r2", "r3"])
moments = st.integers(min_value=now_ms(40), max_value=now_ms(0))
feelings = st.none() | st.integers(min_value=1, max_value=5)
tables = {
    "practice_sessions": st.builds(
        session,
        record_ids,
        st.sampled_from(["box-breathing", "custom"]),
        moments,
        st.integers(0, 900),
        feelings,
        feelings,
    ),
    "journal_entries": st.builds(entry, record_ids, moments, feelings),
    "check_ins": st.builds(check_in, record_ids, moments, st.text(alphabet="12345", min_size=12, max_size=12)),
}
pushes = st.lists(
    st.fixed_dictionaries(
        {
            table: st.fixed_dictionaries(
                {
                    "updated": st.lists(records, max_size=2, unique_by=lambda r: r["id"]),
                    "deleted": st.lists(record_ids, max_size=1),
                }
            )
            for table, records in tables.items()
        }
    ),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    steps=pushes, zones=st.lists(st.sampled_from(["UTC", "Asia/Tokyo", "America/Los_Angeles"]), min_size=4, max_size=4)
)
def test_stored_rollups_equal_a_rebuild_from_the_stored_records(
    sync: Handler, account: Handler, aws: dict[str, str], steps: list[dict[str, Any]], zones: list[str]
) -> None:
    user = f"proof-{datetime.now(UTC).timestamp()}"
    client = boto3.client("dynamodb")
    device = Device(sync, user)
    device.pull(schema_version=2)
    for changes, zone in zip(steps, zones, strict=False):
        for table in changes.values():  # a record both updated and deleted: keep the update
            table["deleted"] = [r for r in table["deleted"] if r not in {u["id"] for u in table["updated"]}]
        body = json.dumps({"timezone": zone})
        account(http_api_event("PUT", "/v1/me/settings", body=body, headers=JSON, claims={"sub": user}))
        response = device.push(changes)
        assert response["statusCode"] in (200, 409), response["body"]
        device.pull(schema_version=2)
        records = SyncRepository(aws["Table"], client).all_records(user)
        stored = RollupRepository(aws["Table"], client).read_all(user)
        assert rollups.normalized(stored) == rollups.rebuild(records)


def test_a_week_too_full_of_check_ins_is_a_413_and_nothing_is_written(ana: Device, aws: dict[str, str]) -> None:
    # A week's item nearly at DynamoDB's 400 KB, as some 4,300 check-ins of long ids would make it (the
    # padding stands in for them: filling it through pushes takes moto minutes).
    taken_at = now_ms()
    week = rollups.week_start(taken_at, "UTC")[0]
    client = boto3.client("dynamodb")
    client.put_item(
        TableName=aws["Table"],
        Item={"pk": {"S": "USER#ana"}, "sk": {"S": f"ROLLUP#WEEK#{week.isoformat()}"}, "padding": {"S": "x" * 399_900}},
    )
    client.update_item(  # moto refuses a put past 400,000 bytes and an update past 405,000: fill up to that
        TableName=aws["Table"],
        Key={"pk": {"S": "USER#ana"}, "sk": {"S": f"ROLLUP#WEEK#{week.isoformat()}"}},
        UpdateExpression="SET padding2 = :more",
        ExpressionAttributeValues={":more": {"S": "x" * 5_010}},
    )
    head_before = SyncRepository(aws["Table"], client).read_head("ana").seq

    response = ana.push({"check_ins": {"created": [check_in("c" * 64, taken_at, "333333333333")]}})

    assert response["statusCode"] == 413, response["body"]
    assert response["headers"]["Content-Type"] == "application/problem+json"
    assert "check-ins" in json.loads(response["body"])["detail"]
    assert SyncRepository(aws["Table"], client).read_head("ana").seq == head_before
    assert list(SyncRepository(aws["Table"], client).all_records("ana")) == []


# --- the check-in reminder -----------------------------------------------------------------------


def test_a_check_in_reminder_takes_one_day_and_fires_every_four_weeks(account: Handler) -> None:
    def put(body: dict[str, Any]) -> dict[str, Any]:
        return account(
            http_api_event("PUT", "/v1/reminders/check-in", body=json.dumps(body), headers=JSON, claims={"sub": "ana"})
        )

    two_days = {"kind": "check_in", "local_time": "19:00", "days": ["sun", "wed"], "timezone": "Europe/Madrid"}
    assert problem_fields(put(two_days)) == ["days"]
    assert problem_fields(put({**two_days, "days": list(WEEKDAYS)})) == ["days"]  # the default: every day

    saved = ok(put({**two_days, "days": ["sun"]}))
    first = datetime.fromisoformat(saved["next_fire_at"]).astimezone(ZoneInfo("Europe/Madrid"))
    assert (first.weekday(), first.hour) == (6, 19)
    assert first - datetime.now(UTC) <= timedelta(days=7)

    stored = ReminderRepository(os.environ["TABLE_NAME"], boto3.client("dynamodb"), shards=4).get("ana", "check-in")
    assert stored is not None
    following = old_due_index.plan(stored.model_copy(update={"next_fire_at": first}), first).following
    assert following.astimezone(ZoneInfo("Europe/Madrid")).date() == first.date() + timedelta(weeks=4)
