"""The EventBridge schedule's target: hands the reminders due at the scheduled time to the queue."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.adapters.sqs import SqsQueue
from selfkind.data.reminder_repository import ReminderRepository
from selfkind.domain.dispatch import tick
from selfkind.models.reminders import ScheduledTick
from selfkind.observability import create_tracer
from selfkind.settings import SchedulerSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = SchedulerSettings.from_environment()
reminders = ReminderRepository(settings.table_name)
queue = SqsQueue(settings.queue_url)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    # The scheduled time, not the clock: a late or repeated tick is handled the same way every time.
    now = ScheduledTick.model_validate(event).scheduled_time.astimezone(UTC)
    report = tick(reminders, queue, now)
    metrics.add_metric(name="RemindersDue", unit=MetricUnit.Count, value=report.due)
    metrics.add_metric(name="RemindersEnqueued", unit=MetricUnit.Count, value=report.enqueued)
    metrics.add_metric(name="RemindersTooLate", unit=MetricUnit.Count, value=report.stale)
    logger.info("Tick", scheduled_time=now.isoformat(), due=report.due, enqueued=report.enqueued)
    return {"due": report.enqueued, "stale": report.stale}
