"""What one sender instance delivers: CPU per reminder through the sender's whole pass (DynamoDB reads,
claim and completion transactions, firebase-admin's sends) with the real adapters, measured in a
child process against moto and the FCM stand-in, one reminder per user and one device each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.child import aws_environment, run_child
from bench.moto_table import batch_put
from devstack.aws import EmbeddedAws
from devstack.fcm import FcmStandIn
from selfkind.content.catalog import load_catalog_content
from selfkind.data.engagement import stored_engagement
from selfkind.data.keys import DELIVERY_SK, device_sk, user_pk
from selfkind.data.reminder_repository import reminder_item
from selfkind.domain.occurrence import DueOccurrence, encode_messages
from selfkind.domain.reminder_content import RECENT_WINDOW
from selfkind.models.reminders import Engagement, ReminderKind, StoredDevice, StoredReminder

REMINDERS = 500  # one full batch: 10 messages of 50
WARM = 50
METERED = 100  # a separate pass, its write units counted
CPU_GOAL_MS = 3.0
VCPU_MEMORY_MB = 1769  # Lambda gives one vCPU at this memory (docs/capacity.md)


@dataclass(frozen=True)
class SenderFigures:
    ms_per_reminder: float  # CPU
    wall_s: float
    statuses: dict[str, int]
    write_units: dict[str, int]  # by operation, for METERED reminders delivered
    index_write_units: dict[str, int]
    read_units: dict[str, float]
    requests: dict[str, int]  # DynamoDB requests by operation, for METERED reminders delivered
    sdk_ms_per_request: float  # boto3's own CPU per request (bench/request_cpu.py)

    @property
    def rru_per_reminder(self) -> float:
        return sum(self.read_units.values()) / METERED

    @property
    def requests_per_reminder(self) -> float:
        return sum(self.requests.values()) / METERED

    @property
    def wru_per_reminder(self) -> float:
        return sum(self.write_units.values()) / METERED

    @property
    def per_second_at_one_vcpu(self) -> float:
        return 1000 / self.ms_per_reminder


def full_engagement_history(now: datetime) -> Engagement:
    """An engagement after weeks of reminders: the rotation's windows full of the catalog's own ids."""
    catalog = load_catalog_content()
    affirmations = [a.id for a in catalog.affirmations][: RECENT_WINDOW * 2]
    return Engagement(
        recent_affirmations=affirmations,
        recent_affirmation_sources=["catalog"] * len(affirmations),
        recent_exercises=[e.id for e in catalog.exercises][:RECENT_WINDOW],
        last_category=catalog.exercises[0].category,
        last_sent={"daily": now - timedelta(days=1), "evening": now - timedelta(days=1)},
    )


def _seed(aws: EmbeddedAws, users: list[str], now: datetime) -> None:
    items: list[dict[str, Any]] = []
    history = full_engagement_history(now)
    for n, user in enumerate(users):
        kind = ReminderKind.AFFIRMATION if n % 2 else ReminderKind.PRACTICE
        reminder = StoredReminder(
            reminder_id="daily",
            kind=kind,
            local_time="08:00",
            days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
            timezone="UTC",
            enabled=True,
            created_at=now - timedelta(days=1),
            next_fire_at=now + timedelta(days=1),
        )
        items.append(reminder_item(user, reminder, shards=64))
        device = StoredDevice(
            device_id="phone",
            platform="android",
            token=None,
            fid=f"fid-bench-{n:06d}",
            timezone="UTC",
            locale="en-US",
            app_version="1.0",
            refreshed_at=now,
        )
        items.append(
            {"pk": {"S": user_pk(user)}, "sk": {"S": device_sk("phone")}, "doc": {"S": device.model_dump_json()}}
        )
        # Each user has been sent reminders for weeks (the steady state): their delivery item holds an
        # engagement with a full history, as large as it grows.
        items.append(
            {
                "pk": {"S": user_pk(user)},
                "sk": {"S": DELIVERY_SK},
                **stored_engagement(history),
                "unopened_streak": {"N": "0"},
            }
        )
    batch_put(aws.client("dynamodb"), aws.resource_names["Table"], items)


def _bodies(users: list[str], occurrence: datetime) -> list[str]:
    return encode_messages([DueOccurrence(user_id=user, reminder_id="daily", occurrence=occurrence) for user in users])


def measure() -> SenderFigures:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    users = [f"user{n:05d}" for n in range(REMINDERS)]
    warm_users = [f"warm{n:05d}" for n in range(WARM)]
    metered_users = [f"metered{n:05d}" for n in range(METERED)]
    aws = EmbeddedAws.start()
    fcm = FcmStandIn.start()
    try:
        _seed(aws, users + warm_users + metered_users, now)
        config = {
            "table": aws.resource_names["Table"],
            "service_account": fcm.service_account,
            "send_url_template": fcm.send_url_template,
            "bodies": _bodies(users, now),
            "warm_bodies": _bodies(warm_users, now),
            "metered_bodies": _bodies(metered_users, now),
        }
        figures = run_child("bench.sender_child", [], config, aws_environment(aws.endpoint_url))
        sdk = run_child("bench.request_cpu", [], {}, aws_environment(aws.endpoint_url))
    finally:
        fcm.stop()
        aws.stop()
    assert figures["statuses"] == {"sent": REMINDERS}, figures
    assert figures["metered_statuses"] == {"sent": METERED}, figures
    return SenderFigures(
        figures["cpu_s"] * 1000 / REMINDERS,
        figures["wall_s"],
        figures["statuses"],
        figures["write_units"],
        figures["index_write_units"],
        figures["read_units"],
        figures["requests"],
        sdk["ms_per_request"],
    )


def report(figures: SenderFigures) -> None:
    print(f"\nSender, real adapters against moto and the FCM stand-in ({REMINDERS} reminders in one batch)")
    verdict = "met" if figures.ms_per_reminder <= CPU_GOAL_MS else "MISSED"
    print(
        f"  CPU {figures.ms_per_reminder:.2f} ms per reminder (DynamoDB reads, claim, FCM send, completion) "
        f"(goal <= {CPU_GOAL_MS:.0f} ms: {verdict})"
    )
    print(
        f"  one instance at {VCPU_MEMORY_MB} MB (one vCPU) delivers about {figures.per_second_at_one_vcpu:.0f} "
        f"reminders a second; measured here the batch took {figures.wall_s:.1f} s of wall time, most of it moto's"
    )
    by_operation = ", ".join(f"{name} {units / METERED:.1f}" for name, units in sorted(figures.write_units.items()))
    indexes = sum(figures.index_write_units.values()) / METERED
    print(
        f"  write units per delivered reminder, counted from the requests ({METERED} reminders): "
        f"{figures.wru_per_reminder:.1f} ({by_operation}; indexes {indexes:.1f}); "
        f"read units {figures.rru_per_reminder:.2f}"
    )
    requests = ", ".join(f"{name} {count / METERED:.2f}" for name, count in sorted(figures.requests.items()))
    floor = figures.requests_per_reminder * figures.sdk_ms_per_request
    print(
        f"  DynamoDB requests per delivered reminder: {figures.requests_per_reminder:.2f} ({requests}); boto3 "
        f"alone spends {figures.sdk_ms_per_request:.2f} ms of CPU on each (against a canned local server), so "
        f"{floor:.1f} ms of the {figures.ms_per_reminder:.2f} ms is the SDK's floor at this many requests"
    )
