from __future__ import annotations

import subprocess
import sys

import pytest

from selfkind.observability import create_tracer


def test_a_disabled_tracer_still_wraps_handlers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    tracer = create_tracer()

    @tracer.capture_lambda_handler
    def handler(event: dict[str, str], context: object) -> str:
        tracer.put_annotation("outcome", "ok")
        return event["value"]

    assert handler({"value": "done"}, None) == "done"


def test_the_xray_sdk_is_not_imported_when_tracing_is_off() -> None:
    # A fresh interpreter: other tests may have imported the SDK already.
    script = (
        "import sys\n"
        "from selfkind.observability import create_tracer\n"
        "tracer = create_tracer()\n"
        "tracer.capture_lambda_handler(lambda event, context: None)({}, None)\n"
        "print('aws_xray_sdk.core' in sys.modules)\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script],
        env={"POWERTOOLS_TRACE_DISABLED": "true"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"
