"""`make bench`: cold start and warm invocation per function, beside a baseline in the same run."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import push_bench, scheduler_bench, sync_bench
from devstack.aws import EmbeddedAws
from devstack.runtime import function_environment, local_references
from devstack.template import REPO_ROOT, functions

COLD_RUNS = 7
WARM_RUNS = 500
BASELINE = REPO_ROOT / "bench" / "baseline_handler.py"
SAMPLE_EVENTS = {
    "CatalogFunction": REPO_ROOT / "events" / "catalog_api" / "list_exercises.json",
    "SyncFunction": REPO_ROOT / "events" / "sync_api" / "pull_first_sync.json",
    "AccountFunction": REPO_ROOT / "events" / "account_api" / "export.json",
    "ReminderSchedulerFunction": REPO_ROOT / "events" / "reminder_scheduler" / "tick.json",
}
GOALS = {"CatalogFunction": (1.3, 2.0)}  # cold start ratio to baseline, warm milliseconds


def _measure(module_file: Path, handler: str, event_file: Path, environment: dict[str, str]) -> tuple[float, float]:
    colds, warms = [], []
    for _ in range(COLD_RUNS):
        with tempfile.NamedTemporaryFile(suffix=".json") as result:
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.cold_start",
                    str(module_file),
                    handler,
                    str(event_file),
                    str(WARM_RUNS),
                    result.name,
                ],
                cwd=REPO_ROOT,
                env={**os.environ, **environment},
                check=True,
                stdout=subprocess.DEVNULL,
            )
            figures = json.loads(Path(result.name).read_text())
        colds.append(figures["cold_ms"])
        warms.append(figures["warm_ms"])
    return statistics.median(colds), statistics.median(warms)


def bench_functions() -> None:
    # Functions that use DynamoDB talk to moto over HTTP, as they would to the real endpoint.
    aws = EmbeddedAws.start()
    try:
        _bench_functions(aws)
    finally:
        aws.stop()


def _bench_functions(aws: EmbeddedAws) -> None:
    references = local_references(aws.resource_names)
    print(f"Cold start: imports + first invocation, median of {COLD_RUNS} fresh processes.")
    print(f"Warm: median of {WARM_RUNS} invocations. Baseline: a handler importing only boto3 and the Logger.\n")
    print(f"{'function':<28}{'cold ms':>9}{'x baseline':>12}{'warm ms':>9}   goal")
    baseline_event = next(iter(SAMPLE_EVENTS.values()))
    base_cold, base_warm = _measure(BASELINE, "lambda_handler", baseline_event, {"POWERTOOLS_TRACE_DISABLED": "true"})
    print(f"{'baseline':<28}{base_cold:>9.1f}{1.0:>12.2f}{base_warm:>9.3f}")
    for name, event_file in SAMPLE_EVENTS.items():
        function = functions()[name]
        environment = function_environment(function, references, endpoint_url=aws.endpoint_url)
        cold, warm = _measure(
            function.code_dir / f"{function.module_name}.py", function.handler_name, event_file, environment
        )
        ratio = cold / base_cold
        goal = ""
        if name in GOALS:
            ratio_goal, warm_goal = GOALS[name]
            verdict = "met" if ratio <= ratio_goal and warm < warm_goal else "MISSED"
            goal = f"cold <= {ratio_goal}x, warm < {warm_goal} ms: {verdict}"
        print(f"{name:<28}{cold:>9.1f}{ratio:>12.2f}{warm:>9.3f}   {goal}")
    print(f"\nOn Lambda with active tracing, the X-Ray SDK import adds {_xray_import_ms():.0f} ms to the first")
    print("traced invocation (tracing is off here, as Powertools turns it off outside Lambda).")


def _xray_import_ms() -> float:
    script = "import time; t = time.perf_counter(); import aws_xray_sdk.core; print(time.perf_counter() - t)"
    timings = [
        float(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout)
        for _ in range(3)
    ]
    return 1000 * statistics.median(timings)


if __name__ == "__main__":
    bench_functions()
    sync_bench.run()
    scheduler_bench.run()
    push_bench.run()
