"""The sender's decisions for one due occurrence: whether to send, to whom, what, and what it led to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from selfkind.domain.dispatch import DueOccurrence
from selfkind.domain.ports import (
    Claim,
    DeviceStore,
    NotificationStore,
    ProfileStore,
    Push,
    PushGateway,
    PushOutcome,
    PushResult,
    ReminderStore,
)
from selfkind.domain.reminder_content import OwnAffirmation, compose_reminder, device_language
from selfkind.domain.reminders import pacing_for
from selfkind.domain.schedule import in_quiet_hours, local_date, previous_occurrence
from selfkind.domain.sync import SyncStore
from selfkind.models.reminders import (
    Engagement,
    NotificationRecord,
    Pacing,
    ReminderKind,
    StoredReminder,
    clock_to_time,
)


class Skip(StrEnum):
    DISABLED = "disabled"
    PAUSED = "paused"
    QUIET_HOURS = "quiet_hours"
    PACING = "pacing"
    NO_DEVICE = "no_device"
    DAILY_CAP = "daily_cap"
    DUPLICATE = "duplicate"


@dataclass(frozen=True)
class Stores:
    reminders: ReminderStore
    devices: DeviceStore
    profile: ProfileStore
    notifications: NotificationStore
    sync: SyncStore


@dataclass(frozen=True)
class Prepared:
    """A claimed occurrence and the pushes to send for it."""

    due: DueOccurrence
    first_attempt: bool
    already_delivered: list[str]
    pushes: list[Push]
    engagement_after: Engagement


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, skipped, failed, retry
    reason: str | None = None
    devices_removed: int = 0

    @property
    def needs_retry(self) -> bool:
        return self.status == "retry"


def _paced_out(pacing: Pacing, reminder: StoredReminder, occurrence: datetime) -> bool:
    last = reminder.last_sent_at
    if pacing is Pacing.NORMAL or last is None:
        return False
    if pacing is Pacing.WEEKLY:
        return occurrence - last < timedelta(days=7)
    zone = ZoneInfo(reminder.timezone)
    previous = previous_occurrence(clock_to_time(reminder.local_time), reminder.days, zone, occurrence)
    return last >= previous  # the previous scheduled occurrence went out: rest this one


def prepare(stores: Stores, due: DueOccurrence, now: datetime) -> Prepared | Outcome:
    user_id = due.user_id
    reminder = stores.reminders.get(user_id, due.reminder_id)
    if reminder is None or not reminder.enabled:
        return Outcome("skipped", Skip.DISABLED)
    settings = stores.profile.get_settings(user_id)
    engagement = stores.profile.get_engagement(user_id)
    zone = ZoneInfo(reminder.timezone)
    if settings.paused_until and due.occurrence < settings.paused_until.astimezone(UTC):
        return Outcome("skipped", Skip.PAUSED)
    quiet = settings.quiet_hours
    if quiet and in_quiet_hours(due.occurrence, clock_to_time(quiet.start), clock_to_time(quiet.end), zone):
        return Outcome("skipped", Skip.QUIET_HOURS)
    if _paced_out(pacing_for(settings, engagement), reminder, due.occurrence):
        return Outcome("skipped", Skip.PACING)
    devices = stores.devices.list(user_id, now)
    if not devices:
        return Outcome("skipped", Skip.NO_DEVICE)
    record = NotificationRecord(
        notification_id=due.notification_id,
        reminder_id=reminder.reminder_id,
        kind=reminder.kind,
        occurrence=due.occurrence,
        status="sending",
    )
    day = local_date(due.occurrence, zone).isoformat()
    claim, delivered = stores.notifications.claim(user_id, record, day, settings.max_per_day, now)
    if claim is Claim.DUPLICATE:
        return Outcome("skipped", Skip.DUPLICATE)
    if claim is Claim.DAILY_CAP:
        return Outcome("skipped", Skip.DAILY_CAP)
    targets = [device for device in devices if device.device_id not in delivered]
    kind = reminder.kind.value
    # Every content decision (what, at which hour, how much shows on the lock screen) is made here.
    composed = compose_reminder(
        reminder.kind,
        own=_own_affirmations(stores.sync, user_id) if reminder.kind is ReminderKind.AFFIRMATION else [],
        engagement=engagement,
        preview=settings.notification_preview,
        local_time=due.occurrence.astimezone(zone),
    )
    data = {
        "type": kind,
        "notification_id": due.notification_id,
        "reminder_id": reminder.reminder_id,
        **composed.data,
    }
    pushes = []
    for device in targets:
        language = device_language(device.locale)
        # firebase-admin 7.7 deprecates Message.token for Message.fid: the FID when the device gave one.
        pushes.append(
            Push(
                device_id=device.device_id,
                fid=device.fid,
                token=None if device.fid else device.token,
                title=composed.title(language),
                body=composed.body(language),
                data=data,
                kind=kind,
            )
        )
    return Prepared(due, claim is Claim.CLAIMED, delivered, pushes, composed.engagement_after)


def _own_affirmations(sync: SyncStore, user_id: str) -> list[OwnAffirmation]:
    own = []
    for record in sync.records_of_table(user_id, "affirmations"):
        if record.data is not None:
            columns = json.loads(record.data)
            if columns.get("is_active"):
                own.append(OwnAffirmation(affirmation_id=record.record_id, text=columns["text"]))
    return own


def finish(stores: Stores, prepared: Prepared, results: list[PushResult], now: datetime) -> Outcome:
    user_id = prepared.due.user_id
    delivered = prepared.already_delivered + [r.push.device_id for r in results if r.outcome is PushOutcome.DELIVERED]
    gone = [r.push.device_id for r in results if r.outcome is PushOutcome.DEVICE_GONE]
    for device_id in gone:
        stores.devices.delete(user_id, device_id)
    retry = any(r.outcome is PushOutcome.RETRYABLE for r in results)
    status = "retry" if retry else "sent" if delivered else "failed"
    stores.notifications.finish(user_id, prepared.due.notification_id, status, delivered, now)
    if prepared.first_attempt and (delivered or retry):
        stores.profile.record_sent(user_id, prepared.engagement_after)
        stores.reminders.mark_sent(user_id, prepared.due.reminder_id, prepared.due.occurrence)
    return Outcome(status, devices_removed=len(gone))


def deliver_batch(
    stores: Stores, gateway: PushGateway, messages: list[tuple[str, str]], now: datetime
) -> tuple[dict[str, Outcome], list[PushResult]]:
    """Every message of a queue batch: claims first, then all pushes together, then the bookkeeping."""
    outcomes: dict[str, Outcome] = {}
    prepared: dict[str, Prepared] = {}
    for message_id, body in messages:
        step = prepare(stores, DueOccurrence.model_validate_json(body), now)
        if isinstance(step, Prepared):
            prepared[message_id] = step
        else:
            outcomes[message_id] = step
    pushes = [push for step in prepared.values() for push in step.pushes]
    results = gateway.send_all(pushes)
    offset = 0
    for message_id, step in prepared.items():
        mine = results[offset : offset + len(step.pushes)]
        offset += len(step.pushes)
        outcomes[message_id] = finish(stores, step, mine, now)
    return outcomes, results
