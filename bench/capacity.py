"""`make bench-capacity`: the measurements the capacity model needs, then the model. Its last line:
`capacity: <N> reminders due in one minute delivered within 60 s`."""

from __future__ import annotations

import sys

from bench import sender_bench, tick_bench
from bench.capacity_model import Inputs, overridden, report, save
from bench.child import NoWorkers
from bench.fresh_process import cold_and_warm_ms
from devstack.aws import EmbeddedAws
from devstack.lambda_api import LocalLambdaApi
from devstack.runtime import function_environment, local_references
from devstack.template import REPO_ROOT, functions, parameter_defaults

_EVENTS = {
    "ReminderSchedulerFunction": REPO_ROOT / "events" / "reminder_scheduler" / "tick.json",
    "ReminderWorkerFunction": REPO_ROOT / "events" / "reminder_worker" / "shard.json",
}


def _cold_start_seconds(aws: EmbeddedAws, lambda_api: LocalLambdaApi, name: str) -> float:
    """Imports plus the first invocation, in a fresh process (the workers the scheduler starts do nothing)."""
    function = functions()[name]
    overrides = {"AWS_ENDPOINT_URL_LAMBDA": lambda_api.endpoint_url}
    environment = function_environment(function, local_references(aws.resource_names), aws.endpoint_url, overrides)
    module_file = function.code_dir / f"{function.module_name}.py"
    cold_ms, _ = cold_and_warm_ms(module_file, function.handler_name, _EVENTS[name], 0, environment)
    return cold_ms / 1000


def measured_inputs() -> Inputs:
    aws = EmbeddedAws.start()
    lambda_api = LocalLambdaApi({"ReminderWorkerFunction": NoWorkers()}).start()
    try:
        starts = {name: _cold_start_seconds(aws, lambda_api, name) for name in _EVENTS}
        lambda_api.wait_idle()
    finally:
        lambda_api.stop()
        aws.stop()
    tick = tick_bench.measure()
    tick_bench.report(tick)
    sender = sender_bench.measure()
    sender_bench.report(sender)
    defaults = parameter_defaults()
    print(
        f"\nCold starts: scheduler {starts['ReminderSchedulerFunction']:.2f} s, "
        f"worker {starts['ReminderWorkerFunction']:.2f} s (imports and a first invocation)"
    )
    return Inputs(
        tick_ms_per_due=tick.worker_ms_per_due,
        worker_fixed_ms=tick.worker_fixed_ms,
        split_ms=tick.split_ms,
        sender_ms_per_reminder=sender.ms_per_reminder,
        start_s=sum(starts.values()) + tick.split_ms / 1000,
        tick_wru_per_reminder=sum(tick.write_units.values()) / tick_bench.DUE,
        sender_wru_per_reminder=sender.wru_per_reminder,
        tick_rru_per_reminder=sum(tick.read_units.values()) / tick_bench.DUE,
        sender_rru_per_reminder=sender.rru_per_reminder,
        shards=int(defaults["ReminderShards"]),
        sender_max_concurrency=int(defaults["SenderMaxConcurrency"]),
    )


def run(arguments: list[str] | None = None) -> None:
    """Measures the inputs, saves them for bench.capacity_model to explore from, and reports; any
    `name=value` argument overrides a measured input."""
    inputs = measured_inputs()
    save(inputs)
    report(overridden(inputs, arguments or []))


if __name__ == "__main__":
    run(sys.argv[1:])
