"""The local stack reads the sender's outcomes from its metrics, as CloudWatch would."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools import Metrics

from devstack.emf import metric_counts, printed_metrics, sender_outcomes
from selfkind.observability import emit_counts


def test_printed_metric_records_are_read_back_and_still_printed(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = Metrics(namespace="Selfkind/test", service="reminder-sender")
    with printed_metrics() as records:
        print("a log line, not a metric")
        emit_counts(metrics, "Reminders", {(("outcome", "sent"),): 3, (("outcome", "retry"),): 1})
        emit_counts(metrics, "RemindersExpired", {(("stage", "sender"),): 2})
    assert sender_outcomes(records) == {"sent": 3, "retry": 1, "expired": 2}
    assert "a log line, not a metric" in capsys.readouterr().out


def test_only_the_senders_expired_count_is_its_own() -> None:
    records: list[dict[str, Any]] = [
        {"_aws": {}, "RemindersExpired": [4.0], "stage": "tick"},
        {"_aws": {}, "RemindersExpired": 1.0, "stage": "sender"},
        {"_aws": {}, "Reminders": [2.0, 1.0], "outcome": "skipped", "reason": "pacing"},
    ]
    assert sender_outcomes(records) == {"expired": 1, "skipped": 3}
    assert metric_counts(records, "RemindersExpired", by="stage") == {"tick": 4, "sender": 1}
    assert metric_counts(records, "Reminders", by="outcome", where={"reason": "quiet_hours"}) == {}
