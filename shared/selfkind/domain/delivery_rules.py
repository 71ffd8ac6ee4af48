"""The sender's decisions, pure: what a queue message holds, whether an occurrence goes out (and why not),
to which devices and saying what, and what an attempt's push results make of it. No store, no push
service: selfkind.domain.delivery loads, claims, sends and records around these.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from selfkind.domain.occurrence import DueOccurrence, MalformedMessageError, decode_message
from selfkind.domain.pacing import pacing_for
from selfkind.domain.ports.account import Profile
from selfkind.domain.ports.delivery import NotificationState
from selfkind.domain.ports.push import Push, PushOutcome, SendResult
from selfkind.domain.reminder_content import ComposedReminder, device_language
from selfkind.domain.reminders import pause_ends_at
from selfkind.domain.schedule import in_quiet_hours, previous_occurrence
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.reminders import (
    Engagement,
    NotificationStatus,
    Pacing,
    ReminderKind,
    StoredDevice,
    StoredReminder,
    clock_to_time,
)

# What data the sender cannot handle raises while one occurrence is decided, composed or addressed: an
# instant beyond datetime's range once converted (OverflowError), a value no rule allows, such as a clock
# time of 25:00 or a stored document that no longer validates (ValueError, pydantic's ValidationError
# among them), a time zone the zone database does not know (ZoneInfoNotFoundError) and a naive instant
# met where aware ones are compared (TypeError). Nothing broader: any other error is a fault of ours or of
# a dependency, and fails the invocation as before.
#
# Such an occurrence is reported FAILED (reason `bad_data`), not RETRY: the same data fails the same way
# on every redelivery, so a retry could only keep its whole message (up to 49 other occurrences, sent
# already) coming back until it reached the dead-letter queue. It is counted (RemindersFailed, reason
# bad_data) and logged by type, never by value; the reminder itself has moved on at the tick, so its next
# occurrence is tried afresh.
BAD_DATA_ERRORS: tuple[type[Exception], ...] = (OverflowError, ValueError, ZoneInfoNotFoundError, TypeError)
BAD_DATA = "bad_data"
LAST_SENT_KEPT = 50  # reminders whose last send is remembered (a user's reminders, with room)


class Skip(StrEnum):
    DISABLED = "disabled"
    PAUSED = "paused"
    QUIET_HOURS = "quiet_hours"
    PACING = "pacing"
    NO_DEVICE = "no_device"
    DAILY_CAP = "daily_cap"
    DUPLICATE = "duplicate"
    ERASED = "erased"  # the account is being (or was just) erased: there is nobody to remind


class Status(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"  # no device could take it, and retrying would not help
    RETRY = "retry"  # left for the queue's redelivery
    EXPIRED = "expired"  # older than its window: never sent


@dataclass(frozen=True)
class Outcome:
    status: Status
    reason: str | None = None
    devices_removed: int = 0
    error: str | None = None  # for bad data: the exception's type (never its message, which may quote data)


def bad_data(error: Exception) -> Outcome:
    return Outcome(Status.FAILED, BAD_DATA, error=type(error).__name__)


@dataclass
class BatchReport:
    outcomes: dict[str, list[Outcome]] = field(default_factory=dict)  # message id -> one per occurrence
    pushes: Counter[str] = field(default_factory=Counter)  # push outcome -> count
    unrecorded: int = 0  # completions that could not be written (lease lost, or the user erased)

    def add(self, message_id: str, outcome: Outcome) -> None:
        self.outcomes.setdefault(message_id, []).append(outcome)

    def needs_retry(self, message_id: str) -> bool:
        return any(outcome.status is Status.RETRY for outcome in self.outcomes.get(message_id, []))


@dataclass(frozen=True)
class Due:
    """An occurrence to deliver, with the queue message it came in."""

    message_id: str
    due: DueOccurrence


def decode_batch(messages: Sequence[tuple[str, str]], now: datetime, report: BatchReport) -> list[Due]:
    """The batch's live occurrences, one per notification id; the rest reported (malformed, expired,
    duplicated within the batch, or bad data)."""
    live = []
    seen: set[str] = set()
    for message_id, body in messages:
        try:
            occurrences = decode_message(body)
        except MalformedMessageError:
            report.add(message_id, Outcome(Status.RETRY, "malformed"))  # to the dead-letter queue, kept
            continue
        for due in occurrences:
            try:
                expired, notification_id = due.expired(now), due.notification_id
            except BAD_DATA_ERRORS as error:  # e.g. an occurrence without its offset
                report.add(message_id, bad_data(error))
                continue
            if expired:
                report.add(message_id, Outcome(Status.EXPIRED))
            elif notification_id in seen:  # two copies in one batch: one attempt is enough
                report.add(message_id, Outcome(Status.SKIPPED, Skip.DUPLICATE))
            else:
                seen.add(notification_id)
                live.append(Due(message_id, due))
    return live


def skip_reason(
    due: DueOccurrence,
    reminder: StoredReminder | None,
    profile: Profile,
    epoch: ErasureEpoch,
    has_devices: bool,
    now: datetime,
) -> Skip | None:
    if epoch.erasing(now):
        return Skip.ERASED
    if reminder is None or not reminder.enabled:
        return Skip.DISABLED
    settings = profile.settings
    # A pause stored before its range was enforced is read by pause_ends_at's documented rule, never a crash.
    pause_ends = pause_ends_at(settings.paused_until, now)
    if pause_ends is not None and due.occurrence < pause_ends:
        return Skip.PAUSED
    quiet = settings.quiet_hours
    zone = ZoneInfo(reminder.timezone)
    if quiet and in_quiet_hours(due.occurrence, clock_to_time(quiet.start), clock_to_time(quiet.end), zone):
        return Skip.QUIET_HOURS
    if paced_out(pacing_for(settings, profile.engagement), reminder, profile.engagement, due.occurrence):
        return Skip.PACING
    if not has_devices:
        return Skip.NO_DEVICE
    return None


def paced_out(pacing: Pacing, reminder: StoredReminder, engagement: Engagement, occurrence: datetime) -> bool:
    last = engagement.last_sent.get(reminder.reminder_id, reminder.last_sent_at)
    # A check-in comes every 4 weeks, already the gentlest cadence there is: pacing never thins it further.
    if pacing is Pacing.NORMAL or last is None or reminder.kind is ReminderKind.CHECK_IN:
        return False
    if pacing is Pacing.WEEKLY:
        return occurrence - last < timedelta(days=7)
    zone = ZoneInfo(reminder.timezone)
    previous = previous_occurrence(clock_to_time(reminder.local_time), reminder.days, zone, occurrence)
    return last >= previous  # the previous scheduled occurrence went out: rest this one


def attempt_ended(previous: NotificationState) -> bool:
    """An earlier attempt sent the occurrence, or failed it for good: this one is a duplicate."""
    return previous.record.status in (NotificationStatus.SENT, NotificationStatus.FAILED)


def attempt_in_progress(previous: NotificationState, now: datetime) -> bool:
    """An earlier attempt still holds a live lease: it may yet fail, so look again later."""
    return previous.record.status == NotificationStatus.SENDING and previous.lease_is_live(now)


def addressed_pushes(
    notification_id: str,
    reminder: StoredReminder,
    targets: Sequence[StoredDevice],
    previous: NotificationState | None,
    message: ComposedReminder,
) -> list[Push]:
    """One push per target device that does not have the notification yet, in the device's language."""
    # The notification id alone: no content id (catalog ids are slugs of their words), no reminder id (the
    # client names it), no kind. The app reads what it held through GET /v1/notifications/{id}.
    data = {"notification_id": notification_id}
    already = set(previous.record.delivered) if previous else set()
    pushes = []
    for device in targets:
        if device.device_id in already:
            continue
        language = device_language(device.locale)
        pushes.append(
            Push(
                notification_id=notification_id,
                device_id=device.device_id,
                # firebase-admin 7.7 deprecates Message.token for Message.fid: the FID when the device gave one.
                fid=device.fid,
                token=None if device.fid else device.token,
                title=message.title(language),
                body=message.body(language),
                data=data,
                kind=reminder.kind.value,
            )
        )
    return pushes


@dataclass(frozen=True)
class Settled:
    """What an attempt's push results make of one occurrence."""

    status: NotificationStatus
    delivered: list[str]  # device ids that have it, this attempt and earlier ones
    gone: list[str]  # device ids FCM no longer knows

    @property
    def outcome(self) -> Status:
        return {
            NotificationStatus.RETRY: Status.RETRY,
            NotificationStatus.SENT: Status.SENT,
            NotificationStatus.FAILED: Status.FAILED,
        }[self.status]


def settle(pushes: Sequence[Push], results: Mapping[str, SendResult], previous: NotificationState | None) -> Settled:
    """RETRY while any device's push may yet go through; else SENT when some device has it; else FAILED."""
    mine = {push.device_id: results[push.push_id] for push in pushes if push.push_id in results}
    already = previous.record.delivered if previous else []
    delivered = already + [device for device, r in mine.items() if r.outcome is PushOutcome.DELIVERED]
    gone = [device for device, r in mine.items() if r.outcome is PushOutcome.DEVICE_GONE]
    retry = any(r.outcome in (PushOutcome.RETRYABLE, PushOutcome.CREDENTIALS_REFUSED) for r in mine.values())
    status = NotificationStatus.RETRY if retry else NotificationStatus.SENT if delivered else NotificationStatus.FAILED
    return Settled(status, delivered, gone)


def after_sending(engagement: Engagement, reminder_id: str, occurrence: datetime) -> Engagement:
    """The user's engagement once this reminder's occurrence went out: its last-send time, the newest
    LAST_SENT_KEPT kept."""
    this_one = {reminder_id: occurrence}
    try:
        newest = dict(
            sorted({**engagement.last_sent, **this_one}.items(), key=lambda entry: entry[1])[-LAST_SENT_KEPT:]
        )
    except BAD_DATA_ERRORS:  # last-send times that cannot be compared (a naive one): this send starts them afresh
        newest = this_one
    return engagement.model_copy(update={"last_sent": newest})
