from __future__ import annotations

import json
import subprocess
import sys

import pytest
from aws_lambda_powertools import Metrics

from selfkind.observability import create_tracer, emit_counts


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


def test_counts_carry_their_outcome_as_a_dimension(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = Metrics(namespace="Selfkind/test", service="reminder-sender")

    emit_counts(metrics, "Reminders", {(("outcome", "sent"),): 3, (("outcome", "skipped"), ("reason", "paused")): 1})

    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["Reminders"], r.get("outcome"), r.get("reason"), r["service"]) for r in records] == [
        ([3.0], "sent", None, "reminder-sender"),
        ([1.0], "skipped", "paused", "reminder-sender"),
    ]
    [directive] = records[1]["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Selfkind/test"
    assert sorted(directive["Dimensions"][0]) == ["outcome", "reason", "service"]
