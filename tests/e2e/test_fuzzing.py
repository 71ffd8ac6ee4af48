"""A bounded schemathesis run (about 2 minutes) against the local stack, every check, authenticated:
no 5xx, no undocumented status, content type, header or body, nothing schema-invalid accepted; and,
between its calls, local ticks that take what it stored through the reminder pipeline, none of them a
5xx. `make fuzz` runs the same, unbounded, against `make run`."""

from __future__ import annotations

from devstack.fuzz import FUZZ_USER, TICK_USER, fuzz
from tests.local_stack import LocalStack

FUZZ_SECONDS = 110
SEED = 20_261_130  # reproducible: the same cases each run (make fuzz draws new ones)


def test_fuzzing_the_api_finds_no_server_error_and_no_schema_violation(stack: LocalStack) -> None:
    try:
        report = fuzz(stack.base_url, max_time_seconds=FUZZ_SECONDS, seed=SEED)
    finally:  # what the fuzzer stored is no other test's business (its reminders would come due in theirs)
        for user in (FUZZ_USER, TICK_USER):
            stack.request("DELETE", "/v1/me", token=stack.token(user))

    print(f"schemathesis made {report.requests} requests, {len(report.ticks)} local ticks: {report.tick_totals()}")
    assert report.exit_code == 0, report.output[-30_000:]
    assert report.requests > 500  # it did fuzz, not just start
    assert report.ticks  # the reminder pipeline ran over what it stored
    assert report.failed_ticks == []
