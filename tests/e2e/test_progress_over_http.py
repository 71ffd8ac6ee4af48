"""Progress through the local stack: three weeks of a person's practice, entries and check-ins give the
insights they should, and an update and a delete change them."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.local_stack import LocalStack, http_handler
from tests.sync_client import Device
from tests.unit.test_rollups import check_in, entry, session

ZONE = "Europe/Madrid"


def local_ms(day: date, hour: int) -> int:
    return int(datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(ZONE)).timestamp() * 1000)


def test_three_weeks_of_practice_give_the_expected_insights(stack: LocalStack) -> None:
    token = stack.token("progress-paula")
    settings = stack.request("PUT", "/v1/me/settings", {"timezone": ZONE}, {"content-type": "application/json"}, token)
    assert settings.status == 200, settings.body

    today = datetime.now(UTC).astimezone(ZoneInfo(ZONE)).date()
    this_monday = today - timedelta(days=today.weekday())
    mondays = [this_monday - timedelta(weeks=2), this_monday - timedelta(weeks=1), this_monday]
    sessions = [
        session("w1a", "box-breathing", local_ms(mondays[0], 8), 240, 2, 3),
        session("w1b", "box-breathing", local_ms(mondays[0] + timedelta(days=3), 21), 300, 2, 4),
        session("w2a", "box-breathing", local_ms(mondays[1], 8), 180, 3, 4),
        session("w2b", "three-good-things", local_ms(mondays[1] + timedelta(days=1), 22), 330, 3, 3),
        session("w3a", "three-good-things", local_ms(mondays[2], 7), 300, 4, 4),
    ]
    entries = [entry("e1", local_ms(mondays[0], 9), 2), entry("e2", local_ms(mondays[2], 9), 4)]
    check_ins = [
        check_in("c1", local_ms(mondays[0], 10), "333333333333"),
        check_in("c2", local_ms(mondays[2], 1), "155155511511"),
    ]
    phone = Device(http_handler(stack, token), "paula")
    phone.pull(schema_version=2)
    pushed = phone.push(
        {
            "practice_sessions": {"created": sessions, "updated": [], "deleted": []},
            "journal_entries": {"created": entries, "updated": [], "deleted": []},
            "check_ins": {"created": check_ins, "updated": [], "deleted": []},
        }
    )
    assert pushed["statusCode"] == 200, pushed["body"]

    found = stack.request("GET", "/v1/insights?weeks=3", token=token).json()
    assert found["timezone"] == ZONE
    assert [week["week_start"] for week in found["weeks"]] == [monday.isoformat() for monday in mondays]
    assert [(w["sessions"], w["days_practised"], w["minutes"], w["entries"]) for w in found["weeks"]] == [
        (2, 2, 9, 1),
        (2, 2, 9, 0),
        (1, 1, 5, 1),
    ]
    assert [week["mood"] for week in found["weeks"]] == [{"avg": 2.0, "n": 1}, None, {"avg": 4.0, "n": 1}]
    assert found["practices"][0] == {
        "exercise_id": "box-breathing",
        "sessions": 3,
        "minutes": 12,
        "feeling_shift": {"avg": 1.33, "n": 3},
    }
    assert found["practices"][1]["feeling_shift"] is None  # two notes: too few to say
    assert [point["score"] for point in found["check_ins"]] == [3.0, 5.0]
    assert found["change_since_first"] == 2.0
    assert found["helped_most"]["exercise_ids"] == ["box-breathing"]

    # An update and a delete change them.
    phone.pull(schema_version=2)
    edited = session("w3a", "three-good-things", local_ms(mondays[2], 7), 900, 1, 5)
    changed = phone.push(
        {
            "practice_sessions": {"created": [], "updated": [edited], "deleted": ["w1a"]},
            "check_ins": {"created": [], "updated": [], "deleted": ["c1"]},
        }
    )
    assert changed["statusCode"] == 200, changed["body"]

    after = stack.request("GET", "/v1/insights?weeks=3", token=token).json()
    assert [(w["sessions"], w["minutes"]) for w in after["weeks"]] == [(1, 5), (2, 9), (1, 15)]
    assert [point["score"] for point in after["check_ins"]] == [5.0]
    assert after["change_since_first"] is None
    by_id = {practice["exercise_id"]: practice for practice in after["practices"]}
    assert (by_id["three-good-things"]["sessions"], by_id["three-good-things"]["minutes"]) == (2, 21)
    assert by_id["box-breathing"]["feeling_shift"] is None  # down to two notes: too few to say again
    assert after["helped_most"]["exercise_ids"] == []

    suggestions = stack.request("GET", "/v1/suggestions?feeling=3&minutes=10", token=token)
    assert suggestions.status == 200
    assert {k.lower(): v for k, v in suggestions.headers.items()}["cache-control"].startswith("private")
    assert len(json.loads(suggestions.body)["items"]) == 5

    # Another person's token sees none of it.
    stranger = stack.request("GET", "/v1/insights?weeks=3", token=stack.token("progress-someone-else")).json()
    assert all(week["sessions"] == 0 and week["entries"] == 0 for week in stranger["weeks"])
    assert stranger["check_ins"] == []
