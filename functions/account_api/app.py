"""The account: devices, reminders, notification settings, notifications (what each held, opened), export
and erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from selfkind.api.auth import current_user_id
from selfkind.api.conventions import JWT, WRITE_PROBLEMS
from selfkind.api.negotiation import negotiate_language
from selfkind.api.problems import documented_responses
from selfkind.api.resolver import create_resolver
from selfkind.api.share_routes import share_router, unopened_page
from selfkind.data.account_repository import AccountRepository
from selfkind.data.device_repository import DeviceRepository
from selfkind.data.notification_repository import NotificationRepository
from selfkind.data.profile_repository import ProfileRepository
from selfkind.data.reminder_repository import ReminderRepository
from selfkind.data.rollup_repository import RollupRepository
from selfkind.data.share_repository import ShareRepository
from selfkind.data.sync_repository import SyncRepository
from selfkind.data.unopened_streak_repository import UnopenedStreakRepository
from selfkind.domain import account, notifications, reminders
from selfkind.domain.ports.stores import AccountStores
from selfkind.models.account import AccountExport
from selfkind.models.notifications import NotificationContent
from selfkind.models.reminders import (
    Device,
    DeviceList,
    DeviceRegistration,
    Reminder,
    ReminderList,
    ReminderRequest,
    ResourceId,
    Settings,
)
from selfkind.observability import create_tracer
from selfkind.settings import AccountSettings

logger = Logger()
tracer = create_tracer()
metrics = Metrics()
settings = AccountSettings.from_environment()
table = settings.table_name
sync_records = SyncRepository(table)
stores = AccountStores(
    sync_records,
    DeviceRepository(table),
    ReminderRepository(table, shards=settings.reminder_shards),
    ProfileRepository(table),
    UnopenedStreakRepository(table),
    NotificationRepository(table),
    AccountRepository(table),
    ShareRepository(table),
)
app = create_resolver(metrics, logger)


def _public_base_url() -> str:
    return settings.public_base_url or f"https://{app.current_event.request_context.domain_name}"


app.include_router(share_router(stores.shares, RollupRepository(table), sync_records, _public_base_url, metrics))
app.answer_unroutable("/s/", partial(unopened_page, metrics, expired=False))
NO_CONTENT = None  # 204, no body
Id = Annotated[ResourceId, Path()]


def _user() -> str:
    return current_user_id(app.current_event)


def _no_content() -> Response[str]:
    return Response(204, body="")


@app.put("/v1/devices/<device_id>", security=JWT, responses=documented_responses(Device, *WRITE_PROBLEMS))
def put_device(device_id: Id, device: Annotated[DeviceRegistration, Body()]) -> Device:
    return reminders.register_device(stores.devices, _user(), device_id, device, datetime.now(UTC))


@app.get("/v1/devices", security=JWT, responses=documented_responses(DeviceList))
def get_devices() -> DeviceList:
    return reminders.list_devices(stores.devices, _user(), datetime.now(UTC))


@app.delete("/v1/devices/<device_id>", security=JWT, responses=documented_responses(NO_CONTENT))
def delete_device(device_id: Id) -> Response[str]:
    reminders.remove_device(stores.devices, _user(), device_id)
    return _no_content()


@app.put("/v1/reminders/<reminder_id>", security=JWT, responses=documented_responses(Reminder, *WRITE_PROBLEMS))
def put_reminder(reminder_id: Id, reminder: Annotated[ReminderRequest, Body()]) -> Reminder:
    return reminders.put_reminder(
        stores.reminders, stores.devices, stores.profile, _user(), reminder_id, reminder, datetime.now(UTC)
    )


@app.get("/v1/reminders", security=JWT, responses=documented_responses(ReminderList))
def get_reminders() -> ReminderList:
    return reminders.list_reminders(stores.reminders, stores.profile, _user(), datetime.now(UTC))


@app.delete("/v1/reminders/<reminder_id>", security=JWT, responses=documented_responses(NO_CONTENT))
def delete_reminder(reminder_id: Id) -> Response[str]:
    reminders.remove_reminder(stores.reminders, _user(), reminder_id)
    return _no_content()


@app.get("/v1/me/settings", security=JWT, responses=documented_responses(Settings))
def get_settings() -> Settings:
    return reminders.get_settings(stores.profile, _user(), datetime.now(UTC))


@app.put("/v1/me/settings", security=JWT, responses=documented_responses(Settings, *WRITE_PROBLEMS))
def put_settings(new_settings: Annotated[Settings, Body()]) -> Settings:
    return reminders.put_settings(stores.profile, _user(), new_settings, datetime.now(UTC))


@app.post(
    "/v1/notifications/<notification_id>/opened",
    security=JWT,
    responses=documented_responses(NO_CONTENT, HTTPStatus.NOT_FOUND),
)
def notification_opened(notification_id: Id) -> Response[str]:
    reminders.mark_opened(stores.notifications, stores.unopened_streak, _user(), notification_id, datetime.now(UTC))
    metrics.add_metric(name="NotificationOpened", unit=MetricUnit.Count, value=1)
    return _no_content()


@app.get(
    "/v1/notifications/<notification_id>",
    security=JWT,
    responses=documented_responses(NotificationContent, HTTPStatus.NOT_FOUND),
)
def get_notification(notification_id: Id) -> Response[str]:
    language = negotiate_language(app.current_event.headers.get("accept-language"))
    content = notifications.notification_content(stores.notifications, sync_records, _user(), notification_id, language)
    return Response(
        200,
        content_type="application/json",
        body=content.model_dump_json(),
        headers={"Content-Language": language.value, "Vary": "Accept-Language", "Cache-Control": "no-store"},
    )


@app.get(
    "/v1/me/export",
    security=JWT,
    compress=True,
    responses=documented_responses(AccountExport),
)
def export_my_data() -> Response[str]:
    document = account.export_account(stores, _user(), now=datetime.now(UTC))
    metrics.add_metric(name="AccountExported", unit=MetricUnit.Count, value=1)
    return Response(
        200, content_type="application/json", body=document.model_dump_json(), headers={"Cache-Control": "no-store"}
    )


@app.delete("/v1/me", security=JWT, responses=documented_responses(NO_CONTENT))
def erase_my_data() -> Response[str]:
    erased = account.erase_account(stores.eraser, _user(), datetime.now(UTC))
    metrics.add_metric(name="AccountErased", unit=MetricUnit.Count, value=1)
    logger.info("Account erased", items=erased)
    return _no_content()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
