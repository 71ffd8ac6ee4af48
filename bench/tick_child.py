"""One tick measurement in a fresh process, against the embedded AWS in the parent (so moto's own work
is not counted): `python -m bench.tick_child <worker|split> <config.json>`.

worker: one ShardWorker over every value of the shard key (the real repository, lease store and queue
        adapters, with botocore serialising, signing and parsing), printing its CPU and what it read;
split:  the scheduler's split and dispatch of one tick to the local Lambda Invoke API.
Prints one JSON line.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


def _worker(config: dict[str, Any]) -> dict[str, Any]:
    from selfkind.adapters.sqs import SqsQueue
    from selfkind.data.reminder_repository import ReminderRepository
    from selfkind.data.shard_lease_repository import ShardLeaseRepository
    from selfkind.domain.tick import ShardWorker
    from selfkind.models.reminders import ShardWork

    index = ReminderRepository(config["table"], shards=1)
    leases = ShardLeaseRepository(config["table"])
    queue = SqsQueue(config["queue_url"])
    queue.client.get_queue_attributes(QueueUrl=config["queue_url"])  # clients built and connected first
    index.client.describe_table(TableName=config["table"])
    worker = ShardWorker(
        index,
        queue,
        leases,
        remaining_seconds=lambda: 600.0,
        clock=lambda: datetime.now(UTC),
        concurrency=config["concurrency"],
    )
    work = ShardWork(scheduled_time=datetime.fromisoformat(config["tick"]), shard=0, shards=1)
    meter = None
    if config.get("metered"):  # never timed: the meter reads each written item before and after
        from bench.write_units import WriteUnitMeter
        from selfkind.data.clients import dynamodb_client

        meter = WriteUnitMeter(dynamodb_client(), config["table"])
    cpu, wall = time.process_time(), time.perf_counter()
    report = worker.run(work, owner=config["owner"])
    return {
        "write_units": dict(meter.units) if meter else {},
        "read_units": dict(meter.read_units) if meter else {},
        "cpu_ms": (time.process_time() - cpu) * 1000,
        "wall_ms": (time.perf_counter() - wall) * 1000,
        "due": report.due,
        "enqueued": report.enqueued,
        "advanced": report.advanced,
        "failed": report.failed,
    }


def _split(config: dict[str, Any]) -> dict[str, Any]:
    from selfkind.adapters.lambda_invoker import WorkerInvoker
    from selfkind.domain.tick import split_tick

    invoker = WorkerInvoker("ReminderWorkerFunction")
    invoker.dispatch(split_tick(datetime.fromisoformat(config["tick"]), 1))  # the client built and connected first
    cpu, wall = time.process_time(), time.perf_counter()
    invoker.dispatch(split_tick(datetime.fromisoformat(config["tick"]), config["shards"]))
    return {"cpu_ms": (time.process_time() - cpu) * 1000, "wall_ms": (time.perf_counter() - wall) * 1000}


def main() -> None:
    mode, config_path = sys.argv[1], sys.argv[2]
    config = json.loads(Path(config_path).read_text())
    figures = _split(config) if mode == "split" else _worker(config)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
