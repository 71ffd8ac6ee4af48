"""The queue consumer: delivers due reminders through Firebase Cloud Messaging, gently."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.adapters.firebase_push import FirebasePushGateway
from selfkind.adapters.secrets import secret_json
from selfkind.data.device_repository import DeviceRepository
from selfkind.data.notification_repository import NotificationRepository
from selfkind.data.profile_repository import ProfileRepository
from selfkind.data.reminder_repository import ReminderRepository
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain.delivery import Outcome, Stores, deliver_batch
from selfkind.observability import create_tracer
from selfkind.settings import SenderSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = SenderSettings.from_environment()
table = settings.table_name
stores = Stores(
    ReminderRepository(table),
    DeviceRepository(table),
    ProfileRepository(table),
    NotificationRepository(table),
    SyncRepository(table),
)
push_gateway = FirebasePushGateway(lambda: secret_json(settings.firebase_secret_id), fcm_url=settings.fcm_url_override)
# A batch that failed whole is reported item by item too: SQS retries exactly those, as it would anyway.
processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class DeliveryNotFinished(Exception):
    """Some devices could not be reached for a transient reason: SQS redelivers, then dead-letters."""


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    messages = [(record["messageId"], record["body"]) for record in event["Records"]]
    outcomes, pushes = deliver_batch(stores, push_gateway, messages, now=datetime.now(UTC))
    _count(outcomes.values(), Counter(result.outcome.value for result in pushes))

    def settle(record: SQSRecord) -> None:
        if outcomes[record.message_id].needs_retry:
            raise DeliveryNotFinished

    response = process_partial_response(event=event, record_handler=settle, processor=processor, context=context)
    summary = Counter("failed" if o.status == "retry" else o.status for o in outcomes.values())
    return {
        **response,
        "outcomes": dict(summary),
    }  # Lambda reads batchItemFailures only; the local tick reads both


def _count(outcomes: Iterable[Outcome], pushes: Counter[str]) -> None:
    for outcome in outcomes:
        name = f"Reminder{outcome.status.title()}" + (f"_{outcome.reason}" if outcome.reason else "")
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
        if outcome.devices_removed:
            metrics.add_metric(name="DevicesRemoved", unit=MetricUnit.Count, value=outcome.devices_removed)
    for outcome_name, count in pushes.items():
        metrics.add_metric(name=f"Push_{outcome_name}", unit=MetricUnit.Count, value=count)
