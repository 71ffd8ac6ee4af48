"""One shard of a tick: reads its minutes of the timing wheel and hands what fires to the queue, within its time."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.adapters.sqs import SqsQueue
from selfkind.data.reminder_repository import ReminderRepository
from selfkind.data.shard_lease_repository import ShardLeaseRepository
from selfkind.domain.tick import ShardWorker
from selfkind.domain.tick_report import ShardFailedError, ShardReport
from selfkind.models.reminders import ShardWork
from selfkind.observability import create_tracer, emit_counts
from selfkind.settings import WorkerSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = WorkerSettings.from_environment()
index = ReminderRepository(settings.table_name, shards=settings.reminder_shards)
leases = ShardLeaseRepository(settings.table_name)
queue = SqsQueue(settings.queue_url)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    work = ShardWork.model_validate(event)
    worker = ShardWorker(
        index,
        queue,
        leases,
        remaining_seconds=lambda: context.get_remaining_time_in_millis() / 1000,
        clock=lambda: datetime.now(UTC),
        concurrency=settings.concurrency,
    )
    try:
        report = worker.run(work, owner=context.aws_request_id)
    except ShardFailedError as failure:
        # Not transient (access denied, a disabled KMS key, SQS down): counted, then the invocation
        # fails, so WorkerErrorsAlarm fires and TickFailureQueue keeps the event. Nothing is lost.
        _count(failure.report)
        logger.error(
            "Shard failed",
            shard=work.shard,
            shards=work.shards,
            dependency=failure.cause.dependency,
            operation=failure.cause.operation,
            **_summary(failure.report),
        )
        raise
    _count(report)
    logger.info("Shard worked", shard=work.shard, shards=work.shards, **_summary(report))
    return _summary(report)


def _summary(report: ShardReport) -> dict[str, Any]:
    summary = asdict(report)
    summary["ticks"] = [tick.isoformat() for tick in report.ticks]
    summary["errors"] = dict(report.errors)
    return summary


def _count(report: ShardReport) -> None:
    metrics.add_metric(name="RemindersDue", unit=MetricUnit.Count, value=report.due)
    metrics.add_metric(name="RemindersEnqueued", unit=MetricUnit.Count, value=report.enqueued)
    # Out of the old `due` index into the wheel: zero for 28 days running, and the index can go (runbook).
    metrics.add_metric(name="RemindersMigrated", unit=MetricUnit.Count, value=report.migrated)
    # Pending minutes beyond the catch-up day, never read: only after a worker was down for a day.
    metrics.add_metric(name="TickMinutesDropped", unit=MetricUnit.Count, value=report.minutes_dropped)
    emit_counts(metrics, "RemindersExpired", {(("stage", "tick"),): report.expired})
    emit_counts(metrics, "TickFailures", {(("dependency", name),): count for name, count in report.errors.items()})
    emit_counts(metrics, "TickShards", {(("outcome", _shard_outcome(report)),): 1})


def _shard_outcome(report: ShardReport) -> str:
    if report.busy:
        return "busy"  # another worker holds the shard and takes this tick over
    return "carried_over" if report.carried_over else "finished"
