"""Runs in a fresh interpreter: times the imports plus the first invocation, then warm invocations.

Usage: python -m bench.cold_start <module file> <handler> <event file> <warm runs> <result file>
Nothing but the standard library is imported before the clock starts.
"""

import time

started = time.perf_counter()

import importlib.util  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402


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


def main() -> None:
    module_file, handler_name, event_file, warm_runs, result_file = sys.argv[1:6]
    with open(event_file) as stream:
        event = json.load(stream)
    spec = importlib.util.spec_from_file_location("handler_module", module_file)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    handler = getattr(module, handler_name)
    handler(event, _Context())
    cold_ms = (time.perf_counter() - started) * 1000
    warm = []
    for _ in range(int(warm_runs)):
        began = time.perf_counter()
        handler(event, _Context())
        warm.append((time.perf_counter() - began) * 1000)
    with open(result_file, "w") as stream:
        json.dump({"cold_ms": cold_ms, "warm_ms": statistics.median(warm) if warm else None}, stream)


main()
