"""A small world for reminder tests: users with devices and reminders, and ticks run through the real
scheduler and sender handlers, with the queue drained as Lambda's SQS poller would."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import boto3

from devstack.emf import printed_metrics, sender_outcomes
from devstack.events import sqs_event
from devstack.fcm import FcmStandIn
from devstack.lambda_api import LocalLambdaApi, Observed
from devstack.template import queue_visibility_timeout
from devstack.ticker import LocalTicker, MinutesBetweenTicks
from selfkind.data.device_repository import DeviceRepository
from selfkind.data.notification_repository import NotificationRepository
from selfkind.data.profile_repository import ProfileRepository
from selfkind.data.reminder_repository import ReminderRepository
from selfkind.domain.schedule import next_occurrence
from selfkind.models.reminders import (
    NotificationRecord,
    ReminderKind,
    Settings,
    StoredDevice,
    StoredReminder,
    clock_to_time,
)
from tests.conftest import Handler

# moto's in-memory AWS is not safe for concurrent use: in-process invocations take turns.
_MOTO_TURN = threading.Lock()


@dataclass
class InProcess:
    """A function invoked in this process, one invocation at a time."""

    handler: Handler

    def invoke(self, event: dict[str, Any]) -> Any:
        return self.invoke_observed(event).result

    def invoke_observed(self, event: dict[str, Any]) -> Observed:
        with _MOTO_TURN, printed_metrics() as metrics:
            result = self.handler(event)
        return Observed(result, metrics)


@dataclass
class ReminderWorld:
    aws: dict[str, str]
    fcm: FcmStandIn
    lambda_api: LocalLambdaApi
    scheduler: Handler
    sender: Handler

    @property
    def table(self) -> str:
        return self.aws["Table"]

    def devices(self) -> DeviceRepository:
        return DeviceRepository(self.table, boto3.client("dynamodb"))

    def reminders(self) -> ReminderRepository:
        return ReminderRepository(self.table, boto3.client("dynamodb"), shards=SHARDS)

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

    def notifications(self) -> NotificationRepository:
        return NotificationRepository(self.table, boto3.client("dynamodb"))

    def expire_leases(self, user: str) -> None:
        """As if the sender holding them had died long enough ago."""
        client = boto3.client("dynamodb")
        for record in self.notifications().list(user):
            client.update_item(
                TableName=self.table,
                Key={"pk": {"S": f"USER#{user}"}, "sk": {"S": f"NOTIF#{record.notification_id}"}},
                UpdateExpression="SET lease_until = :past",
                ExpressionAttributeValues={":past": {"S": "2000-01-01T00:00:00Z"}},
            )

    def sender_batch(self) -> dict[str, Any]:
        """One sender invocation over what the queue holds now (the messages are left in the queue): what it
        returned, with its outcomes as its metrics count them."""
        sqs = boto3.client("sqs")
        received = sqs.receive_message(QueueUrl=self.aws["ReminderQueue"], MaxNumberOfMessages=10)["Messages"]
        for message in received:
            sqs.change_message_visibility(
                QueueUrl=self.aws["ReminderQueue"], ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
        batch = [
            {"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"]} for m in received
        ]
        observed = InProcess(self.sender).invoke_observed(sqs_event(batch, self.aws["ReminderQueue.Arn"]))
        return {**observed.result, "outcomes": dict(sender_outcomes(observed.metrics))}

    def settings(self, user: str, settings: Settings) -> None:
        self.profile().put_settings(user, settings)

    @cached_property
    def ticker(self) -> LocalTicker:
        # One ticker per world: it remembers when retried messages come back, in the ticks' own time.
        return LocalTicker(
            pools={
                "ReminderSchedulerFunction": InProcess(self.scheduler),
                "ReminderSenderFunction": InProcess(self.sender),
            },
            lambda_api=self.lambda_api,
            sqs=boto3.client("sqs"),
            queue_url=self.aws["ReminderQueue"],
            queue_arn=self.aws["ReminderQueue.Arn"],
            visibility_timeout=timedelta(seconds=queue_visibility_timeout("ReminderQueue")),
            between=MinutesBetweenTicks(boto3.client("dynamodb"), self.table, SHARDS),
        )

    def tick(self, at: datetime) -> dict[str, int]:
        return self.ticker.tick(at.astimezone(UTC).isoformat())

    def enqueue(self, user: str, reminder_id: str, occurrence: datetime) -> None:
        body = json.dumps({"user_id": user, "reminder_id": reminder_id, "occurrence": occurrence.isoformat()})
        boto3.client("sqs").send_message(QueueUrl=self.aws["ReminderQueue"], MessageBody=body)

    def pushes(self) -> list[dict[str, Any]]:
        return self.fcm.messages()

    def notification_of(self, user: str, push: dict[str, Any]) -> NotificationRecord:
        """The record a push stands for (its data carries the notification id, never the content)."""
        notification_id = push["message"]["data"]["notification_id"]
        return next(r for r in self.notifications().list(user) if r.notification_id == notification_id)


def local(text: str, zone: str = "America/New_York") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


DAY = timedelta(days=1)
SHARDS = 4  # as the world's functions are configured
