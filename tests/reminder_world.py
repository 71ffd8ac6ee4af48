"""A small world for reminder tests: users with devices and reminders, and ticks run through the real
scheduler and sender handlers, with the queue drained as Lambda's SQS poller would."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from devstack.fcm import FcmStandIn
from devstack.ticker import LocalTicker
from selfkind.data.device_repository import DeviceRepository
from selfkind.data.profile_repository import ProfileRepository
from selfkind.data.reminder_repository import ReminderRepository
from selfkind.domain.schedule import next_occurrence
from selfkind.models.reminders import ReminderKind, Settings, StoredDevice, StoredReminder, clock_to_time
from tests.conftest import Handler


@dataclass
class _Invoker:
    handler: Handler

    def invoke(self, event: dict[str, Any]) -> Any:
        return self.handler(event)


@dataclass
class ReminderWorld:
    aws: dict[str, str]
    fcm: FcmStandIn
    scheduler: Handler
    sender: Handler

    @property
    def table(self) -> str:
        return self.aws["Table"]

    def devices(self) -> DeviceRepository:
        return DeviceRepository(self.table, boto3.client("dynamodb"))

    def reminders(self) -> ReminderRepository:
        return ReminderRepository(self.table, boto3.client("dynamodb"))

    def profile(self) -> ProfileRepository:
        return ProfileRepository(self.table, boto3.client("dynamodb"))

    def device(
        self,
        user: str,
        device_id: str,
        *,
        fid: str | None = None,
        token: str | None = None,
        locale: str = "en-US",
        zone: str = "America/New_York",
        refreshed: datetime | None = None,
    ) -> None:
        self.devices().put(
            user,
            StoredDevice(
                device_id=device_id,
                platform="android",
                fid=fid,
                token=token,
                timezone=zone,
                locale=locale,
                app_version="1.0",
                refreshed_at=refreshed or datetime.now(UTC),
            ),
        )

    def reminder(
        self,
        user: str,
        reminder_id: str,
        local_time: str,
        *,
        after: datetime,
        kind: ReminderKind = ReminderKind.AFFIRMATION,
        days: list[str] | None = None,
        zone: str = "America/New_York",
    ) -> StoredReminder:
        days = days or ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        reminder = StoredReminder(
            reminder_id=reminder_id,
            kind=kind,
            local_time=local_time,
            days=days,
            timezone=zone,
            enabled=True,
            created_at=after,
            next_fire_at=next_occurrence(clock_to_time(local_time), days, ZoneInfo(zone), after),
        )
        self.reminders().put(user, reminder)
        return reminder

    def settings(self, user: str, settings: Settings) -> None:
        self.profile().put_settings(user, settings)

    def tick(self, at: datetime) -> dict[str, int]:
        ticker = LocalTicker(
            pools={
                "ReminderSchedulerFunction": _Invoker(self.scheduler),
                "ReminderSenderFunction": _Invoker(self.sender),
            },
            sqs=boto3.client("sqs"),
            queue_url=self.aws["ReminderQueue"],
            queue_arn=self.aws["ReminderQueue.Arn"],
        )
        return ticker.tick(at.astimezone(UTC).isoformat())

    def enqueue(self, user: str, reminder_id: str, occurrence: datetime) -> None:
        body = json.dumps({"user_id": user, "reminder_id": reminder_id, "occurrence": occurrence.isoformat()})
        boto3.client("sqs").send_message(QueueUrl=self.aws["ReminderQueue"], MessageBody=body)

    def pushes(self) -> list[dict[str, Any]]:
        return self.fcm.messages()


def local(text: str, zone: str = "America/New_York") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


DAY = timedelta(days=1)
