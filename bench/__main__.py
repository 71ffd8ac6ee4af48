"""`make bench`: cold start and warm invocation per function, beside a baseline in the same run."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench import capacity, progress_bench, push_bench, sync_bench
from bench.child import NoWorkers
from bench.fresh_process import cold_and_warm_ms
from devstack.aws import EmbeddedAws
from devstack.lambda_api import LocalLambdaApi
from devstack.layer_botocore import layer_botocore_path
from devstack.runtime import function_environment, local_references
from devstack.template import REPO_ROOT, functions

COLD_RUNS = 9
WARM_RUNS = 100
BASELINE = REPO_ROOT / "bench" / "baseline_handler.py"
SAMPLE_EVENTS = {
    "CatalogFunction": REPO_ROOT / "events" / "catalog_api" / "list_exercises.json",
    "SyncFunction": REPO_ROOT / "events" / "sync_api" / "pull_first_sync.json",
    "AccountFunction": REPO_ROOT / "events" / "account_api" / "export.json",
    "ReminderSchedulerFunction": REPO_ROOT / "events" / "reminder_scheduler" / "tick.json",
    "ReminderWorkerFunction": REPO_ROOT / "events" / "reminder_worker" / "shard.json",
}
# Cold start ratio to the baseline, or cold milliseconds; warm milliseconds (None: no goal).
GOALS: dict[str, tuple[float | None, float | None, float | None]] = {
    "CatalogFunction": (1.3, None, 2.0),
    "SyncFunction": (1.5, None, 10.0),  # warm: the first-sync pull of the sample event
    "AccountFunction": (1.5, None, None),
    "ReminderWorkerFunction": (1.5, None, None),
    "ReminderSchedulerFunction": (None, 600.0, None),
}


@dataclass(frozen=True)
class _Target:
    name: str
    module_file: Path
    handler: str
    event_file: Path
    environment: dict[str, str]


def _run_once(target: _Target) -> tuple[float, float]:
    """One fresh process: its cold start, then the median of its warm invocations."""
    cold_ms, warm_ms = cold_and_warm_ms(
        target.module_file, target.handler, target.event_file, WARM_RUNS, target.environment
    )
    assert warm_ms is not None
    return cold_ms, warm_ms


def bench_functions() -> None:
    # Functions that use DynamoDB talk to moto over HTTP, as they would to the real endpoint.
    aws = EmbeddedAws.start()
    lambda_api = LocalLambdaApi({"ReminderWorkerFunction": NoWorkers()}).start()
    try:
        _bench_functions(aws, lambda_api.endpoint_url)
    finally:
        lambda_api.stop()
        aws.stop()


def _bench_functions(aws: EmbeddedAws, lambda_endpoint: str) -> None:
    references = local_references(aws.resource_names)
    baseline_event = next(iter(SAMPLE_EVENTS.values()))
    baseline = _Target("baseline", BASELINE, "lambda_handler", baseline_event, {"POWERTOOLS_TRACE_DISABLED": "true"})
    targets = [baseline]
    for name, event_file in SAMPLE_EVENTS.items():
        function = functions()[name]
        overrides = {"AWS_ENDPOINT_URL_LAMBDA": lambda_endpoint}
        environment = function_environment(function, references, aws.endpoint_url, overrides)
        targets.append(
            _Target(
                name, function.code_dir / f"{function.module_name}.py", function.handler_name, event_file, environment
            )
        )
    # Rounds interleave the baseline and every function, so a busy moment of this shared machine weighs
    # on all of them alike; each ratio is the median of the per-round ratios.
    samples: dict[str, list[tuple[float, float]]] = {target.name: [] for target in targets}
    for _ in range(COLD_RUNS):
        for target in targets:
            samples[target.name].append(_run_once(target))
    print(f"Cold start: imports + first invocation in a fresh process; median of {COLD_RUNS} rounds, each round")
    print(f"running the baseline and every function once. Warm: median of {WARM_RUNS} invocations in each process.")
    print("Baseline: a handler importing only boto3 and the Powertools Logger.\n")
    print(f"{'function':<28}{'cold ms':>9}{'x baseline':>12}{'warm ms':>9}   goal")
    base = samples["baseline"]
    for target in targets:
        cold = statistics.median(c for c, _ in samples[target.name])
        warm = statistics.median(w for _, w in samples[target.name])
        ratio = statistics.median(c / b for (c, _), (b, _) in zip(samples[target.name], base, strict=True))
        goal = _goal(target.name, cold, ratio, warm)
        print(f"{target.name:<28}{cold:>9.1f}{ratio:>12.2f}{warm:>9.3f}   {goal}")
    print(f"\nOn Lambda with active tracing, the X-Ray SDK import adds {_xray_import_ms():.0f} ms to the first")
    print("traced invocation (tracing is off here, as Powertools turns it off outside Lambda).")


def _goal(name: str, cold: float, ratio: float, warm: float) -> str:
    if name not in GOALS:
        return ""
    ratio_goal, cold_goal, warm_goal = GOALS[name]
    parts, met = [], True
    if ratio_goal is not None:
        parts.append(f"cold <= {ratio_goal}x")
        met = met and ratio <= ratio_goal
    if cold_goal is not None:
        parts.append(f"cold <= {cold_goal:.0f} ms")
        met = met and cold <= cold_goal
    if warm_goal is not None:
        parts.append(f"warm < {warm_goal} ms")
        met = met and warm < warm_goal
    return f"{', '.join(parts)}: {'met' if met else 'MISSED'}"


def _xray_import_ms() -> float:
    """The SDK's import in a process that has already imported what every function has (boto3 and the
    Logger), as the first traced invocation finds it (selfkind.observability defers it to then)."""
    script = (
        "import time, boto3, aws_lambda_powertools; t = time.perf_counter(); import aws_xray_sdk.core; "
        "print(time.perf_counter() - t)"
    )
    env = {**os.environ, "PYTHONPATH": layer_botocore_path()}
    timings = [
        float(
            subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, env=env).stdout
        )
        for _ in range(5)
    ]
    return 1000 * statistics.median(timings)


if __name__ == "__main__":
    bench_functions()
    sync_bench.run()
    progress_bench.run()
    push_bench.run()
    capacity.run()  # last: its last line is the capacity
