"""Rollups kept by the push itself equal a full recomputation from the records, whatever happens."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from selfkind.domain import rollups, sync
from selfkind.domain.rollups import ALL_TIME, OTHER_PRACTICE, Contribution, practice_counter
from selfkind.domain.sync_push_parsing import record_changes
from selfkind.models.exceptions import SyncConflictError
from selfkind.models.sync import PushBody
from tests.sync_fakes import FakeSyncStore

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
WEEK_MS = 7 * 86_400_000
BASE_MS = int(datetime(2026, 11, 2, tzinfo=UTC).timestamp() * 1000)  # a Monday, five weeks back
ZONES = ["UTC", "Europe/Madrid", "America/Mexico_City", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
EXERCISES = ["box-breathing", "three-good-things", "not-in-the-catalog"]


def push(store: FakeSyncStore, user: str, changes: dict[str, Any], last_pulled_at: int | None = None) -> None:
    base = store.read_head(user).seq if last_pulled_at is None else last_pulled_at
    body = PushBody.model_validate({"changes": changes})
    sync.push(store, user, base, record_changes(body), NOW)


def session(record_id: str, exercise: str, started_ms: int, seconds: float, before: int | None, after: int | None):  # type: ignore[no-untyped-def]
    return {
        "id": record_id,
        "exercise_id": exercise,
        "started_at": started_ms,
        "duration_s": seconds,
        "feeling_before": before,
        "feeling_after": after,
        "note": "private words",
        "created_at": started_ms,
        "updated_at": started_ms,
    }


def entry(record_id: str, created_ms: int, mood: int | None) -> dict[str, Any]:
    return {
        "id": record_id,
        "kind": "free",
        "body": "private words",
        "mood": mood,
        "created_at": created_ms,
        "updated_at": created_ms,
    }


def check_in(record_id: str, taken_ms: int, answers: str) -> dict[str, Any]:
    return {"id": record_id, "instrument": "scs-sf", "answers": answers, "taken_at": taken_ms}


def recomputed(store: FakeSyncStore, user: str) -> rollups.Rollups:
    return rollups.rebuild(store.all_records(user))


# --- contributions ------------------------------------------------------------------------------


def test_a_session_counts_on_its_local_weekday_in_the_zone_it_was_pushed_in() -> None:
    store = FakeSyncStore(timezone="Pacific/Kiritimati")  # UTC+14: Sunday 11:00 UTC is Monday there
    sunday_utc = int(datetime(2026, 11, 29, 11, 0, tzinfo=UTC).timestamp() * 1000)
    push(store, "ana", {"practice_sessions": {"created": [session("s1", "box-breathing", sunday_utc, 90, 2, 4)]}})

    week = store.rollups["ana"][date(2026, 11, 30)]
    assert week.counters == {
        practice_counter("box-breathing", "d0"): 1,
        practice_counter("box-breathing", "ms"): 90_000,
        practice_counter("box-breathing", "ss"): 2,
        practice_counter("box-breathing", "sn"): 1,
    }


def test_practices_outside_the_catalog_are_summed_as_other_so_a_week_stays_small() -> None:
    store = FakeSyncStore()
    created = [session(f"s{i}", f"custom-{i}", BASE_MS, 60, None, None) for i in range(30)]
    push(store, "ana", {"practice_sessions": {"created": created}})

    (week,) = [week for start, week in store.rollups["ana"].items() if start != ALL_TIME]
    assert week.counters == {
        practice_counter(OTHER_PRACTICE, "d0"): 30,
        practice_counter(OTHER_PRACTICE, "ms"): 1_800_000,
    }


def test_a_change_of_zone_applies_to_records_pushed_from_then_on() -> None:
    store = FakeSyncStore(timezone="UTC")
    late_sunday = int(datetime(2026, 11, 29, 23, 30, tzinfo=UTC).timestamp() * 1000)
    push(store, "ana", {"journal_entries": {"created": [entry("e1", late_sunday, 3)]}})
    store.set_timezone("ana", "Europe/Madrid")  # 00:30 on Monday there
    push(store, "ana", {"journal_entries": {"created": [entry("e2", late_sunday, 5)]}})

    assert store.rollups["ana"][date(2026, 11, 23)].counters == {"entries": 1, "mood_sum": 3, "mood_n": 1}
    assert store.rollups["ana"][date(2026, 11, 30)].counters == {"entries": 1, "mood_sum": 5, "mood_n": 1}
    # Deleting the first takes away what it added, in the zone it was added in.
    push(store, "ana", {"journal_entries": {"deleted": ["e1"]}})
    assert rollups.normalized(store.rollups["ana"]) == recomputed(store, "ana")
    assert date(2026, 11, 23) not in rollups.normalized(store.rollups["ana"])


def test_a_contribution_survives_its_stored_form() -> None:
    part = Contribution(date(2026, 11, 30), "Europe/Madrid", {"entries": 1}, ("c1", "1795000000000:333333333333"))
    assert Contribution.from_json(part.to_json()) == part


def test_a_push_of_many_weeks_splits_so_no_transaction_exceeds_100_items() -> None:
    store = FakeSyncStore()
    created = [session(f"s{i}", "box-breathing", BASE_MS - i * WEEK_MS, 60, 1, 2) for i in range(300)]
    push(store, "ana", {"practice_sessions": {"created": created}})

    assert max(store.transaction_sizes) <= 100
    assert rollups.normalized(store.rollups["ana"]) == recomputed(store, "ana")
    assert len(store.rollups["ana"]) == 300 + 1  # the weeks and the all-time sums
    assert store.rollups["ana"][ALL_TIME].counters[practice_counter("box-breathing", "sn")] == 300


def test_records_in_one_week_keep_the_push_in_as_few_transactions_as_before() -> None:
    store = FakeSyncStore()
    created = [session(f"s{i}", "box-breathing", BASE_MS + i * 1000, 60, 1, 2) for i in range(1000)]
    push(store, "ana", {"practice_sessions": {"created": created}})

    assert store.commits == 11  # 97 records, their week, the all-time sums and the head: ceil(1000 / 97)


# --- the proof ----------------------------------------------------------------------------------

record_ids = st.sampled_from(["r1", "r2", "r3", "r4", "r5"])
moments = st.integers(min_value=BASE_MS - 3 * WEEK_MS, max_value=BASE_MS + 4 * WEEK_MS)
feelings = st.none() | st.integers(min_value=1, max_value=5)
durations = st.integers(min_value=0, max_value=3600) | st.floats(min_value=0, max_value=3600, allow_nan=False)
answers = st.text(alphabet="12345", min_size=12, max_size=12)

practice_records = st.builds(session, record_ids, st.sampled_from(EXERCISES), moments, durations, feelings, feelings)
journal_records = st.builds(entry, record_ids, moments, feelings)
check_in_records = st.builds(check_in, record_ids, moments, answers)


@st.composite
def operations(draw: st.DrawFn) -> list[tuple[str, Any]]:
    steps: list[tuple[str, Any]] = []
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        kind = draw(st.sampled_from(["push", "push", "push", "replay", "stale", "zone", "contended"]))
        if kind in ("push", "stale"):
            changes: dict[str, Any] = {}
            for table, records in (
                ("practice_sessions", practice_records),
                ("journal_entries", journal_records),
                ("check_ins", check_in_records),
            ):
                created = draw(st.lists(records, max_size=3, unique_by=lambda r: r["id"]))
                deleted = draw(st.lists(record_ids, max_size=2, unique=True))
                deleted = [r for r in deleted if r not in {c["id"] for c in created}]
                changes[table] = {"updated": created, "deleted": deleted}
            steps.append((kind, changes))
        elif kind == "zone":
            steps.append((kind, draw(st.sampled_from(ZONES))))
        else:
            steps.append((kind, None))
    return steps


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=operations())
def test_rollups_always_equal_a_full_recomputation(steps: list[tuple[str, Any]]) -> None:
    store = FakeSyncStore()
    last: tuple[dict[str, Any], int] | None = None
    for kind, argument in steps:
        if kind == "zone":
            store.set_timezone("ana", argument)
        elif kind == "contended":
            store.move_head_before_next_commit.append("ana")  # another device commits in between
        elif kind == "replay" and last is not None:
            # The same request again: what the server has is no change; anything else a conflict.
            with contextlib.suppress(SyncConflictError):
                push(store, "ana", last[0], last_pulled_at=last[1])
        elif kind == "stale":
            # Based on a pull from before everything: a conflict wherever a record moved since.
            with contextlib.suppress(SyncConflictError):
                push(store, "ana", argument, last_pulled_at=1)
        elif kind == "push":
            base = store.read_head("ana").seq
            push(store, "ana", argument, last_pulled_at=base)
            last = (argument, base)
        assert rollups.normalized(store.rollups.get("ana", {})) == recomputed(store, "ana")
    # A change of the zone never strands a contribution: deleting everything leaves nothing behind.
    everything = {
        table: {"deleted": ["r1", "r2", "r3", "r4", "r5"]}
        for table in ("practice_sessions", "journal_entries", "check_ins")
    }
    push(store, "ana", everything)
    assert rollups.normalized(store.rollups.get("ana", {})) == {}


def test_a_stale_push_that_conflicts_changes_no_rollup() -> None:
    store = FakeSyncStore()
    push(store, "ana", {"journal_entries": {"created": [entry("e1", BASE_MS, 2)]}})
    before = rollups.normalized(store.rollups["ana"])

    with pytest.raises(SyncConflictError):
        push(store, "ana", {"journal_entries": {"updated": [entry("e1", BASE_MS, 5)]}}, last_pulled_at=1)

    assert rollups.normalized(store.rollups["ana"]) == before
