"""Warm latency of the progress routes in a fresh process, against the embedded AWS in the parent (so
moto's own work is not this process's CPU): `python -m bench.progress_child <config.json> <result.json>`.

Loads the sync function's handler and the baseline handler as Lambda would, warms each line up, then
runs rounds in which every line runs once (so a busy moment of the machine weighs on all alike):
the baseline handler, the function's pull route, the bare BatchGetItem the progress routes make, and
the two progress routes. Writes, per line, the median and 95th percentile of wall and CPU milliseconds.
"""

from __future__ import annotations

import importlib.util
import json
import math
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

WARM_UP = 5


class _Context:
    function_name = "bench"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:bench"
    memory_limit_in_mb = 1024
    aws_request_id = "bench"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def _handler(module_file: str, name: str, module_name: str) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    spec = importlib.util.spec_from_file_location(module_name, module_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler: Callable[[dict[str, Any], Any], dict[str, Any]] = getattr(module, name)
    return handler


def _lines(config: dict[str, Any]) -> dict[str, Callable[[], object]]:
    import boto3

    from selfkind.data.keys import SYNC_HEAD_SK, rollup_week_sk, user_pk
    from selfkind.domain.insights import weeks_to_read

    handler = _handler(config["handler_file"], config["handler"], "sync_handler")
    baseline = _handler(config["baseline_file"], "lambda_handler", "baseline_handler")
    events = config["events"]
    client = boto3.client("dynamodb")
    pk = {"S": user_pk(config["user"])}
    keys = [{"pk": pk, "sk": {"S": SYNC_HEAD_SK}}]
    keys += [
        {"pk": pk, "sk": {"S": rollup_week_sk(week)}} for week in weeks_to_read(datetime.now(UTC), config["weeks"])
    ]

    def route(event: dict[str, Any]) -> Callable[[], object]:
        def call() -> object:
            response = handler(event, _Context())
            assert response["statusCode"] == 200, response
            return response

        return call

    def batch_get() -> object:
        request = {config["table"]: {"Keys": keys, "ConsistentRead": True}}
        return client.batch_get_item(RequestItems=request)  # type: ignore[arg-type]

    return {
        "baseline": lambda: baseline(events["pull"], _Context()),
        "pull": route(events["pull"]),
        "batch_get": batch_get,
        "insights": route(events["insights"]),
        "suggestions": route(events["suggestions"]),
    }


def summarize(samples: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (nearest rank) of some milliseconds."""
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def main() -> None:
    config_path, result_path = sys.argv[1:3]
    warnings.simplefilter("ignore")  # Powertools warns of a flush with no metric, once per GET
    config = json.loads(Path(config_path).read_text())
    lines = _lines(config)
    for call in lines.values():
        for _ in range(WARM_UP):
            call()
    wall: dict[str, list[float]] = {name: [] for name in lines}
    cpu: dict[str, list[float]] = {name: [] for name in lines}
    for _ in range(config["rounds"]):
        for name, call in lines.items():
            began_cpu, began = time.process_time(), time.perf_counter()
            call()
            wall[name].append((time.perf_counter() - began) * 1000)
            cpu[name].append((time.process_time() - began_cpu) * 1000)
    figures = {}
    for name in lines:
        wall_p50, wall_p95 = summarize(wall[name])
        cpu_p50, cpu_p95 = summarize(cpu[name])
        figures[name] = {"wall_p50": wall_p50, "wall_p95": wall_p95, "cpu_p50": cpu_p50, "cpu_p95": cpu_p95}
    Path(result_path).write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
