"""Insights rollups: what they cost a read and a push, and how fast the progress routes answer.

1. Insights read cost (in-process moto): DynamoDB requests, items and read units of
   `insights.get_insights` over 12 weeks, for a 10-session and a 10,000-session history, both seeded
   through the real push path (sync.push with the SyncRepository, pushes of up to 1,000 records), so the
   rollups are the ones pushes really build.
2. Push cost with rollups (in-process moto): requests and transaction items of a push of 1, 99 and
   1,000 practice sessions (over the last 7 days and the last 12 weeks in time order, and the 12 weeks
   round-robin), beside the same push of affirmations in the same run: affirmations add nothing to the
   rollups, so their push runs the very same code with no rollup week in any transaction (the
   chunking of before rollups).
3. Warm latency of GET /v1/insights?weeks=12 and GET /v1/suggestions through the sync function's
   handler, in a fresh process against the embedded moto server in this one (so moto's own CPU is not
   the child's), beside the baseline handler, the function's pull route and the bare BatchGetItem the
   routes make, all measured in the same rounds.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from typing import Any

from bench.dynamodb_counter import RequestCounter
from bench.moto_table import moto_table
from devstack import embedded_dynamodb
from devstack.aws import EmbeddedAws
from devstack.events import http_api_event
from devstack.runtime import function_environment, local_references
from devstack.template import REPO_ROOT, functions
from selfkind.content.catalog import exercise_ids
from selfkind.data.keys import ROLLUP_WEEK_PREFIX, SYNC_HEAD_SK
from selfkind.data.rollup_repository import RollupRepository
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import insights, sync
from selfkind.domain.rollups import OTHER_PRACTICE, practice_counter
from selfkind.domain.sync_push_parsing import canonical_record_json
from selfkind.models.language import Language
from selfkind.models.sync import MAX_RECORDS_PER_PUSH, RecordChange

NOW = datetime.now(UTC)
NOW_MS = int(NOW.timestamp() * 1000)
WEEK_MS = 7 * 24 * 3600 * 1000
WEEKS = 12
# A person's own repertoire: the same 8 practices in every history, so the histories differ in length only.
PRACTICES = sorted(exercise_ids())[:8]
PUSH_SIZES = (1, 99, 1_000)
LATENCY_ROUNDS = 100
LATENCY_GOAL_MS = 30.0
READ_UNIT_BYTES = 4096  # a strongly consistent read: one unit per 4 KB of each item, one per absent key


# --- records ------------------------------------------------------------------------------------


def _spread(count: int, weeks: float) -> list[int]:
    """`count` instants evenly over the last `weeks` weeks, oldest first, none in the future."""
    span = weeks * WEEK_MS
    return [int(NOW_MS - span + span * (n + 0.5) / count) for n in range(count)]


def _sessions(prefix: str, count: int, weeks: float) -> list[RecordChange]:
    changes = []
    for n, started in enumerate(_spread(count, weeks)):
        before = 2 + n % 2
        columns = {
            "exercise_id": PRACTICES[n % len(PRACTICES)],
            "started_at": started,
            "duration_s": 60 * (1 + n % 10),
            "feeling_before": before,
            "feeling_after": before + n % 3,
            "note": None,
            "created_at": started,
            "updated_at": started,
        }
        changes.append(_change("practice_sessions", f"{prefix}-s{n}", columns))
    return changes


def _affirmations(prefix: str, count: int) -> list[RecordChange]:
    columns = {"text": "I am allowed to rest.", "is_active": True, "created_at": NOW_MS, "updated_at": NOW_MS}
    return [_change("affirmations", f"{prefix}-a{n}", columns) for n in range(count)]


def _entries(prefix: str, count: int, weeks: float) -> list[RecordChange]:
    return [
        _change(
            "journal_entries",
            f"{prefix}-e{n}",
            {"kind": "free", "title": None, "body": "Kind words.", "mood": 1 + n % 5, "exercise_id": None}
            | {"created_at": created, "updated_at": created},
        )
        for n, created in enumerate(_spread(count, weeks))
    ]


def _check_ins(prefix: str, count: int, weeks: float) -> list[RecordChange]:
    return [
        _change(
            "check_ins",
            f"{prefix}-c{n}",
            {"instrument": "scs-sf", "answers": str(3 + n % 2) * 12, "taken_at": taken},
        )
        for n, taken in enumerate(_spread(count, weeks))
    ]


def _change(table: str, record_id: str, columns: Mapping[str, object]) -> RecordChange:
    return RecordChange(table=table, record_id=record_id, data=canonical_record_json(record_id, dict(columns)))


def _push_history(store: SyncRepository, user: str, changes: list[RecordChange]) -> int:
    """The history pushed as a device would send it: up to 1,000 records a push, each after the last."""
    for start in range(0, len(changes), MAX_RECORDS_PER_PUSH):
        sync.push(store, user, store.read_head(user).seq, changes[start : start + MAX_RECORDS_PER_PUSH], NOW)
    return -(-len(changes) // MAX_RECORDS_PER_PUSH)


# --- what the client sends and reads ------------------------------------------------------------


class ReadUnits:
    """Read units of BatchGetItem as DynamoDB bills a strongly consistent read: each item rounded up to
    4 KB, and an absent key one unit too. Item sizes are estimated by DynamoDB's rules."""

    def __init__(self, client: Any) -> None:
        self.units = 0
        self.bytes_read = 0
        client.meta.events.register("provide-client-params.dynamodb.BatchGetItem", self._asked)
        client.meta.events.register("after-call.dynamodb.BatchGetItem", self._read)

    def reset(self) -> None:
        self.units = self.bytes_read = 0

    def _asked(self, params: dict[str, Any], **_: Any) -> None:
        self.units += sum(len(request["Keys"]) for request in params["RequestItems"].values())

    def _read(self, parsed: dict[str, Any], **_: Any) -> None:
        for items in parsed.get("Responses", {}).values():
            for item in items:
                size = item_bytes(item)
                self.bytes_read += size
                self.units += math.ceil(size / READ_UNIT_BYTES) - 1  # the key's one unit is already counted


def item_bytes(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: names and values in UTF-8, a number about a byte per two
    significant digits plus one."""
    size = 0
    for name, value in item.items():
        size += len(name.encode())
        (kind, inner), *_ = value.items()
        if kind == "S":
            size += len(inner.encode())
        elif kind == "N":
            digits = Decimal(inner).normalize().as_tuple().digits
            size += (len(digits) + 1) // 2 + 1
        else:
            size += len(json.dumps(inner).encode())  # not in these items
    return size


class Transactions:
    """Each TransactWriteItems request of a push, as (records, head, rollup weeks) items."""

    def __init__(self, client: Any) -> None:
        self.shapes: list[tuple[int, int, int]] = []
        client.meta.events.register("provide-client-params.dynamodb.TransactWriteItems", self._seen)

    def reset(self) -> None:
        self.shapes.clear()

    def _seen(self, params: dict[str, Any], **_: Any) -> None:
        records = head = weeks = 0
        for action in params["TransactItems"]:
            kind, body = next(iter(action.items()))
            sk = (body.get("Key") or body["Item"])["sk"]["S"]
            if kind == "Put":
                records += 1
            elif sk == SYNC_HEAD_SK:
                head += 1
            elif sk.startswith(ROLLUP_WEEK_PREFIX):
                weeks += 1
        self.shapes.append((records, head, weeks))

    def describe(self) -> str:
        runs = [(shape, len(list(group))) for shape, group in groupby(self.shapes)]
        return ", ".join(f"{count} x {r}+{h}+{w}" if count > 1 else f"{r}+{h}+{w}" for (r, h, w), count in runs)


@contextmanager
def _moto() -> Iterator[tuple[Any, str]]:
    # The embedded AWS's transactions: each saves the items it touches, not a copy of the whole table
    # (a 10,000-record history would otherwise be copied once per item of every transaction).
    embedded_dynamodb.install()
    with moto_table() as (client, table):
        yield client, table


# --- 1. insights read cost ----------------------------------------------------------------------


@dataclass(frozen=True)
class _ReadCost:
    label: str
    sessions: int
    weeks: int
    pushes: int
    requests: int
    items: int
    read_units: int
    read_bytes: int
    shown: int


def _insights_read(store: SyncRepository, client: Any, table: str) -> list[str]:
    counter = RequestCounter(client)
    units = ReadUnits(client)
    reader = RollupRepository(table, client)
    costs = []
    for label, sessions, weeks in (("10-session", 10, WEEKS), ("10,000-session", 10_000, 52)):
        user = f"insights-{sessions}"
        pushes = _push_history(store, user, _sessions(user, sessions, weeks))
        counter.reset()
        units.reset()
        found = insights.get_insights(reader, user, WEEKS, NOW, Language.EN)
        shown = sum(week.sessions for week in found.weeks)
        assert shown == sum(1 for t in _spread(sessions, weeks) if t >= _first_shown_ms()), (label, shown)
        costs.append(
            _ReadCost(
                label,
                sessions,
                weeks,
                pushes,
                counter.total_requests,
                counter.items_read,
                units.units,
                units.bytes_read,
                shown,
            )
        )
    lines = [
        f"\nInsights read cost against moto: get_insights over {WEEKS} weeks (goal: within 10% whatever the",
        "history; histories seeded through sync.push, the same 8 practices in both). Read units as DynamoDB",
        "bills a strongly consistent read: per key asked, 1 per 4 KB of the item, 1 for an absent key.",
    ]
    for cost in costs:
        plural = "es" if cost.pushes > 1 else ""
        history = f"{cost.label} history ({cost.weeks} weeks, {cost.pushes} push{plural}):"
        requests = f"{cost.requests} request{'' if cost.requests == 1 else 's'}"
        lines.append(
            f"  {history:<47}{requests}, {cost.items:>2} items ({cost.read_bytes / 1024:4.1f} KB), "
            f"{cost.read_units} read units; {cost.shown:,} sessions shown"
        )
    small, large = costs
    unit_ratio, request_ratio = large.read_units / small.read_units, large.requests / small.requests
    met = unit_ratio <= 1.1 and request_ratio <= 1.1
    lines.append(
        f"  large / small: requests {request_ratio:.2f}, read units {unit_ratio:.2f} ({'met' if met else 'MISSED'}); "
        f"items {large.items / small.items:.2f}"
    )
    keys = len(insights.weeks_to_read(NOW, WEEKS)) + 1
    lines.append(
        f"  (items: the head and the weeks holding data among the {keys - 1} asked, so at most {keys} whatever the"
    )
    lines.append("  history; 10 sessions hold data in fewer of those weeks, which the read units bill all the same)")
    ceiling = _heaviest_week_bytes()
    per_week = math.ceil(ceiling / READ_UNIT_BYTES)
    lines.append(
        f"  the heaviest week item possible (every practice on every day, check-ins aside) is {ceiling / 1024:.1f} KB,"
    )
    lines.append(
        f"  {per_week} read units: a read costs at most {1 + (keys - 1) * per_week} units whatever the history"
    )
    return lines


def _first_shown_ms() -> int:
    first_week = insights.local_weeks(NOW, "UTC", WEEKS)[0]
    return int(datetime(first_week.year, first_week.month, first_week.day, tzinfo=UTC).timestamp() * 1000)


def _heaviest_week_bytes() -> int:
    """A week item with every catalog practice (and `other`) on every weekday, journal sums included,
    and large values: the ceiling of what the rollups store for one week (check-ins aside)."""
    item: dict[str, Any] = {"pk": {"S": "USER#" + "u" * 36}, "sk": {"S": ROLLUP_WEEK_PREFIX + "2026-01-05"}}
    for practice in [*exercise_ids(), OTHER_PRACTICE]:
        for counter in [f"d{day}" for day in range(7)] + ["ms", "ss", "sn"]:
            item[practice_counter(practice, counter)] = {"N": "604800000" if counter == "ms" else "999"}
    item |= {name: {"N": "9999"} for name in ("entries", "mood_sum", "mood_n")}
    return item_bytes(item)


# --- 2. push cost -------------------------------------------------------------------------------


def _interleaved(changes: list[RecordChange], weeks: int) -> list[RecordChange]:
    """The same records (in time order) sent round-robin over `weeks` equal spans: each one in another
    week than the last, as when a device resends records of many weeks."""
    span = [n * weeks // len(changes) for n in range(len(changes))]
    first = {s: span.index(s) for s in set(span)}
    order = sorted(range(len(changes)), key=lambda n: (n - first[span[n]], span[n]))
    return [changes[n] for n in order]


def _push_cost(store: SyncRepository, client: Any) -> list[str]:
    counter = RequestCounter(client)
    log = Transactions(client)
    lines = [
        "\nPush cost with rollups against moto (sessions in time order unless interleaved), beside the same",
        "number of affirmations pushed in this run: they add nothing to the rollups, so theirs is the same",
        "push path with no week in any transaction (as before rollups). Goal: the same BatchGetItem and",
        "TransactWriteItems requests as the affirmations. [transactions: records+head+weeks]",
    ]
    for records in PUSH_SIZES:
        variants = [
            ("affirmations", _affirmations(f"p{records}", records)),
            ("sessions, last 7 days", _sessions(f"p{records}d7", records, 1)),
            ("sessions, last 12 weeks", _sessions(f"p{records}w12", records, WEEKS)),
            ("same, weeks interleaved", _interleaved(_sessions(f"p{records}i12", records, WEEKS), WEEKS)),
        ]
        baseline: tuple[int, int] | None = None
        for label, changes in variants:
            counter.reset()
            log.reset()
            sync.push(store, f"push-{label}-{records}", 1, changes, NOW)
            reads, writes = counter.requests["BatchGetItem"], counter.requests["TransactWriteItems"]
            assert counter.total_requests == reads + writes, counter.describe()
            verdict = ""
            if baseline is None:
                baseline = (reads, writes)
            else:
                verdict = " met" if (reads, writes) == baseline else " MISSED"
            lines.append(
                f"  {records:>5} {label + ':':<25}{reads:>3} BatchGetItem,{writes:>3} TransactWriteItems "
                f"[{log.describe()}]{verdict}"
            )
    return lines


# --- 3. warm latency ----------------------------------------------------------------------------


def _seed_latency_user(aws: EmbeddedAws, user: str) -> None:
    """A realistic 12 weeks: 500 sessions of 8 practices, 60 journal entries, 3 check-ins."""
    store = SyncRepository(aws.resource_names["Table"], aws.client("dynamodb"))
    history = _sessions(user, 500, WEEKS) + _entries(user, 60, WEEKS) + _check_ins(user, 3, WEEKS)
    _push_history(store, user, history)


def _warm_latency() -> list[str]:
    aws = EmbeddedAws.start()
    try:
        user = "latency-user"
        _seed_latency_user(aws, user)
        function = functions()["SyncFunction"]
        environment = function_environment(function, local_references(aws.resource_names), aws.endpoint_url)
        claims = {"sub": user}
        english = {"accept-language": "en"}
        pull_event = REPO_ROOT / "events" / "sync_api" / "pull_first_sync.json"
        config = {
            "rounds": LATENCY_ROUNDS,
            "handler_file": str(function.code_dir / f"{function.module_name}.py"),
            "handler": function.handler_name,
            "baseline_file": str(REPO_ROOT / "bench" / "baseline_handler.py"),
            "table": aws.resource_names["Table"],
            "user": user,
            "weeks": WEEKS,
            "events": {
                "insights": http_api_event("GET", "/v1/insights", query="weeks=12", headers=english, claims=claims),
                "suggestions": http_api_event(
                    "GET", "/v1/suggestions", query="feeling=3&minutes=10", headers=english, claims=claims
                ),
                "pull": json.loads(pull_event.read_text()),
            },
        }
        figures = _run_latency_child(config, environment)
    finally:
        aws.stop()
    return _latency_lines(figures)


def _run_latency_child(config: dict[str, Any], environment: dict[str, str]) -> dict[str, dict[str, float]]:
    with (
        tempfile.NamedTemporaryFile("w", suffix=".json") as config_file,
        tempfile.NamedTemporaryFile(suffix=".json") as result,
    ):
        json.dump(config, config_file)
        config_file.flush()
        subprocess.run(
            [sys.executable, "-m", "bench.progress_child", config_file.name, result.name],
            cwd=REPO_ROOT,
            env={**os.environ, **environment},
            check=True,
            stdout=subprocess.DEVNULL,  # the handler's logs and metrics
        )
        figures: dict[str, dict[str, float]] = json.loads(Path(result.name).read_text())
    return figures


def _latency_lines(figures: dict[str, dict[str, float]]) -> list[str]:
    lines = [
        f"\nProgress routes, warm, through the sync function's handler: {LATENCY_ROUNDS} rounds in one fresh process,",
        "each running every line once, for a user with 500 sessions, 60 entries and 3 check-ins over 12 weeks.",
        "Wall: the whole invocation, with the one BatchGetItem the routes make answered by moto over local",
        "HTTP (pure Python, serving from this bench's process on a shared machine: far slower than DynamoDB;",
        "see the BatchGetItem alone). CPU: the handler process's own (routing, domain, botocore), moto's not",
        "included; on Lambda add one DynamoDB round trip to it.",
        f"    {'':<50}{'wall p50':>9}{'p95':>8}{'CPU p50':>9}{'p95':>7}  ms",
    ]
    rows = [
        ("baseline", "baseline handler (imports boto3 and Logger only)"),
        ("pull", "GET /v1/sync (a pull with nothing to send)"),
        ("batch_get", "the routes' BatchGetItem alone (15 keys)"),
        ("insights", "GET /v1/insights?weeks=12"),
        ("suggestions", "GET /v1/suggestions?feeling=3&minutes=10"),
    ]
    for key, label in rows:
        f = figures[key]
        lines.append(
            f"    {label:<50}{f['wall_p50']:>9.2f}{f['wall_p95']:>8.2f}{f['cpu_p50']:>9.2f}{f['cpu_p95']:>7.2f}"
        )
    for key in ("insights", "suggestions"):
        f = figures[key]
        with_moto = "met" if f["wall_p95"] < LATENCY_GOAL_MS else "MISSED"
        own = "met" if f["cpu_p95"] < LATENCY_GOAL_MS else "MISSED"
        lines.append(
            f"  {key}: goal p95 < {LATENCY_GOAL_MS:.0f} ms at 12 weeks: wall with moto {with_moto}, "
            f"handler's own CPU {own}"
        )
    return lines


# --- the section --------------------------------------------------------------------------------


def run() -> None:
    with _moto() as (client, table):
        store = SyncRepository(table, client)
        lines = _insights_read(store, client, table)
        lines += _push_cost(store, client)
    lines += _warm_latency()
    print("\n".join(lines))


if __name__ == "__main__":
    run()
