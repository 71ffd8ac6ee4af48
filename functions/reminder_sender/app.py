"""The queue consumer: delivers due reminders through Firebase Cloud Messaging, gently."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.adapters.firebase_push import FirebasePushGateway
from selfkind.adapters.secrets import CachedSecret
from selfkind.data.device_repository import DeviceRepository
from selfkind.data.erasure import EpochReader
from selfkind.data.notification_repository import NotificationRepository
from selfkind.data.profile_repository import ProfileRepository
from selfkind.data.reminder_repository import ReminderRepository
from selfkind.data.rollup_repository import RollupRepository
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain.delivery import BAD_DATA, BatchReport, Status, deliver_batch
from selfkind.domain.ports.lease import Lease
from selfkind.domain.ports.stores import DeliveryStores
from selfkind.observability import create_tracer, emit_counts
from selfkind.settings import SenderSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = SenderSettings.from_environment()
table = settings.table_name
stores = DeliveryStores(
    EpochReader(table),
    ReminderRepository(table, shards=settings.reminder_shards),
    DeviceRepository(table),
    ProfileRepository(table),
    NotificationRepository(table),
    SyncRepository(table),
    RollupRepository(table),
)
service_account = CachedSecret(settings.firebase_secret_id, max_age_seconds=settings.secret_max_age_seconds)
push_gateway = FirebasePushGateway(
    service_account, fcm_url=settings.fcm_url_override, refused_hold_seconds=settings.credentials_refused_hold_seconds
)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    now = _now(event)
    lease = Lease.for_invocation(context.aws_request_id, now, context.get_remaining_time_in_millis() / 1000)
    messages = [(record["messageId"], record["body"]) for record in event["Records"]]
    report = deliver_batch(stores, push_gateway, messages, now, lease)
    summary = _count(report)
    failures = [message_id for message_id, _ in messages if report.needs_retry(message_id)]
    _log_bad_data(report)
    logger.info("Batch delivered", messages=len(messages), retried=len(failures), outcomes=summary)
    # What Lambda reads: SQS redelivers exactly these (the outcomes are in the metrics).
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failures]}


def _now(event: dict[str, Any]) -> datetime:
    """The clock; in the local stack only, the local tick's time (SenderSettings.local_tick_clock)."""
    if settings.local_tick_clock and isinstance(event.get("localTickTime"), str):
        return datetime.fromisoformat(event["localTickTime"]).astimezone(UTC)
    return datetime.now(UTC)


def _count(report: BatchReport) -> dict[str, int]:
    outcomes = [outcome for per_message in report.outcomes.values() for outcome in per_message]
    emit_counts(
        metrics,
        "Reminders",
        Counter(
            (("outcome", o.status.value), ("reason", o.reason)) if o.reason else (("outcome", o.status.value),)
            for o in outcomes
            if o.status is not Status.EXPIRED
        ),
    )
    emit_counts(
        metrics, "RemindersExpired", {(("stage", "sender"),): sum(o.status is Status.EXPIRED for o in outcomes)}
    )
    emit_counts(
        metrics,
        "RemindersFailed",  # bad_data: an occurrence whose stored data the sender cannot handle (alarmed)
        Counter((("reason", o.reason or "undeliverable"),) for o in outcomes if o.status is Status.FAILED),
    )
    emit_counts(metrics, "Pushes", {(("outcome", name),): count for name, count in report.pushes.items()})
    emit_counts(metrics, "DevicesRemoved", {(): sum(o.devices_removed for o in outcomes)})
    return dict(Counter(o.status.value for o in outcomes))


def _log_bad_data(report: BatchReport) -> None:
    """Where an operator finds a poison occurrence: its message and the error's type, never a value."""
    for message_id, outcomes in report.outcomes.items():
        errors = Counter(o.error for o in outcomes if o.reason == BAD_DATA)
        if errors:
            logger.warning(
                "Occurrences failed on data the sender cannot handle", message_id=message_id, errors=dict(errors)
            )
