"""The EventBridge schedule's target: splits the tick into one worker invocation per shard."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.adapters.lambda_invoker import WorkerInvoker
from selfkind.domain.tick import split_tick
from selfkind.models.reminders import ScheduledTick
from selfkind.observability import create_tracer
from selfkind.settings import SchedulerSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = SchedulerSettings.from_environment()
workers = WorkerInvoker(settings.worker_function_name)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    # The scheduled time, not the clock: a late or repeated tick is handled the same way every time.
    now = ScheduledTick.model_validate(event).scheduled_time.astimezone(UTC)
    work = split_tick(now, settings.reminder_shards)
    workers.dispatch(work)  # raises if a worker could not start: the shards that did start run
    metrics.add_metric(name="TickShardsDispatched", unit=MetricUnit.Count, value=len(work))
    logger.info("Tick split", scheduled_time=now.isoformat(), shards=len(work))
    return {"dispatched": len(work)}
