"""The tick's cost: CPU per due reminder with the real adapters (against moto, measured in a child
process so moto's own work is not counted), and a scaled-down run over in-memory fakes with AWS-like
latency injected, showing whether the worker hides the latency behind its own CPU."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bench.child import NoWorkers, aws_environment, run_child
from bench.latency_fakes import run_worker_over_fakes
from bench.moto_table import batch_put
from devstack.aws import EmbeddedAws
from devstack.lambda_api import LocalLambdaApi
from devstack.template import functions, parameter_defaults
from selfkind.data.reminder_repository import reminder_item
from selfkind.models.reminders import ReminderKind, StoredReminder

TICK = datetime(2027, 3, 15, 12, 0, tzinfo=UTC)
DUE = 2_000
NOT_DUE = 2_000
SHARDS = int(parameter_defaults()["ReminderShards"])
WORKER_CONCURRENCY = int(functions()["ReminderWorkerFunction"].environment["WORKER_CONCURRENCY"])
FAKE_DUE = 20_000
DYNAMODB_LATENCY = 0.005  # seconds per request, as the issue sets for the scaled-down run
SQS_LATENCY = 0.015


@dataclass(frozen=True)
class TickFigures:
    worker_ms_per_due: float  # CPU, marginal: (a worker over DUE due - the same worker over none) / DUE
    worker_fixed_ms: float  # CPU of a worker that finds nothing due (reads every shard value, leases)
    write_units: dict[str, int]  # by operation: a whole tick of the same DUE reminders, the next day
    read_units: dict[str, float]
    split_ms: float  # the scheduler's CPU to split and dispatch one tick of SHARDS workers
    fake_wall_s: float
    fake_cpu_s: float


def _seed(aws: EmbeddedAws) -> str:
    table = aws.resource_names["Table"]
    items = []
    for n in range(DUE + NOT_DUE):
        due = n < DUE
        reminder = StoredReminder(
            reminder_id=f"r{n}",
            kind=ReminderKind.AFFIRMATION,
            local_time="08:00",
            days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            timezone="America/New_York",
            enabled=True,
            created_at=TICK - timedelta(days=1),
            # in the wheel: the due ones in the tick's minute's slot, the rest in the hours after it
            next_fire_at=TICK if due else TICK + timedelta(hours=1 + n % 20),
        )
        items.append(reminder_item(f"user{n:05d}", reminder, shards=1))
    batch_put(aws.client("dynamodb"), table, items)
    return table


def measure() -> TickFigures:
    aws = EmbeddedAws.start()
    lambda_api = LocalLambdaApi({"ReminderWorkerFunction": NoWorkers()}).start()
    try:
        table = _seed(aws)
        environment = aws_environment(aws.endpoint_url, AWS_ENDPOINT_URL_LAMBDA=lambda_api.endpoint_url)
        base = {
            "table": table,
            "queue_url": aws.resource_names["ReminderQueue"],
            "shards": SHARDS,
            "concurrency": WORKER_CONCURRENCY,
        }
        quiet = {**base, "tick": (TICK - timedelta(minutes=30)).isoformat(), "owner": "a"}
        empty = run_child("bench.tick_child", ["worker"], quiet, environment)
        full = run_child("bench.tick_child", ["worker"], {**base, "tick": TICK.isoformat(), "owner": "b"}, environment)
        next_day = {**base, "tick": (TICK + timedelta(days=1)).isoformat(), "owner": "c", "metered": True}
        metered = run_child("bench.tick_child", ["worker"], next_day, environment)
        split = run_child("bench.tick_child", ["split"], {**base, "tick": TICK.isoformat()}, environment)
        lambda_api.wait_idle()
    finally:
        lambda_api.stop()
        aws.stop()
    assert (empty["due"], full["due"], full["enqueued"], full["failed"]) == (0, DUE, DUE, 0), full
    assert (metered["due"], metered["enqueued"]) == (DUE, DUE), metered
    cpu, wall = time.process_time(), time.perf_counter()
    due = run_worker_over_fakes(FAKE_DUE, DYNAMODB_LATENCY, SQS_LATENCY, SHARDS, WORKER_CONCURRENCY)
    fake_cpu, fake_wall = time.process_time() - cpu, time.perf_counter() - wall
    assert due == FAKE_DUE
    return TickFigures(
        worker_ms_per_due=(full["cpu_ms"] - empty["cpu_ms"]) / DUE,
        worker_fixed_ms=empty["cpu_ms"],
        write_units=metered["write_units"],
        read_units=metered["read_units"],
        split_ms=split["cpu_ms"],
        fake_wall_s=fake_wall,
        fake_cpu_s=fake_cpu,
    )


def report(figures: TickFigures) -> None:
    per_due_at_scale = figures.worker_ms_per_due + (figures.split_ms + SHARDS * figures.worker_fixed_ms) / 600_000
    print(f"\nTick CPU, real adapters against moto ({DUE:,} due among {DUE + NOT_DUE:,}; moto's own work not counted)")
    print(
        f"  worker: {figures.worker_ms_per_due:.3f} ms per due reminder, plus {figures.worker_fixed_ms:.0f} ms per run"
    )
    print(f"  scheduler: {figures.split_ms:.0f} ms to split and dispatch {SHARDS} workers")
    units = sum(figures.write_units.values())
    by_operation = ", ".join(f"{name} {count}" for name, count in sorted(figures.write_units.items()))
    print(
        f"  write units, counted from the requests: {units} for a tick of {DUE:,} due ({by_operation}): "
        f"{units / DUE:.4f} per reminder (the lease item's; nothing per reminder); "
        f"read units {sum(figures.read_units.values()) / DUE:.4f} per reminder"
    )
    verdict = "met" if per_due_at_scale <= 1.0 else "MISSED"
    print(f"  at 600,000 due: {per_due_at_scale:.3f} ms per due reminder (goal <= 1 ms: {verdict})")
    ratio = figures.fake_wall_s / figures.fake_cpu_s
    print(
        f"\nTick over fakes: {FAKE_DUE:,} due in one of {SHARDS} workers, "
        f"{DYNAMODB_LATENCY * 1000:.0f} ms per DynamoDB and {SQS_LATENCY * 1000:.0f} ms per SQS request"
    )
    print(
        f"  wall {figures.fake_wall_s:.2f} s, CPU {figures.fake_cpu_s:.2f} s: {ratio:.2f} x "
        f"(goal <= 1.5 x, latency hidden: {'met' if ratio <= 1.5 else 'MISSED'})"
    )
