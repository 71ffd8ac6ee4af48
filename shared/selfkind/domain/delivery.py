"""The sender's pass over one queue batch: load what it needs, decide, claim, push, record, report.

Nothing is claimed before the push service's credentials are loaded, and nothing claimed is lost:
- a claim is a lease; an attempt that dies after claiming leaves it to expire, and the queue's
  redelivery takes it over and sends (same notification id, same collapse key);
- any failure while pushing one message leaves that message retryable;
- a message is reported for redelivery while any of its occurrences still needs sending; an occurrence
  older than its window is never sent, only counted as expired;
- each occurrence is decided, composed and addressed inside its own error boundary: one whose data the
  sender cannot handle (BAD_DATA_ERRORS) is reported failed, reason `bad_data`, for its own message only,
  and the rest of the batch goes on.
A duplicate can only come from a crash between FCM accepting a push and the record of it: the device
then shows one, as both carry the same collapse key.

The decisions themselves are pure, in selfkind.domain.delivery_rules; what is read first, in
selfkind.domain.delivery_load.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from selfkind.domain.delivery_load import Loaded, load
from selfkind.domain.delivery_rules import (
    BAD_DATA,
    BAD_DATA_ERRORS,
    BatchReport,
    Due,
    Outcome,
    Settled,
    Skip,
    Status,
    addressed_pushes,
    after_sending,
    attempt_ended,
    attempt_in_progress,
    bad_data,
    decode_batch,
    settle,
    skip_reason,
)
from selfkind.domain.ports.delivery import Claim, ClaimRequest, Completion, NotificationState
from selfkind.domain.ports.lease import Lease
from selfkind.domain.ports.push import CredentialsUnavailableError, Push, PushGateway
from selfkind.domain.ports.stores import DeliveryStores
from selfkind.domain.reminder_content import ComposedReminder, ContentIds, compose_reminder
from selfkind.domain.schedule import local_date
from selfkind.models.exceptions import DependencyError
from selfkind.models.reminders import (
    MAX_DEVICES_PER_USER,
    Engagement,
    NotificationRecord,
    NotificationStatus,
    StoredDevice,
    StoredReminder,
)

__all__ = ["BAD_DATA", "BatchReport", "Status", "deliver_batch"]


@dataclass(frozen=True)
class _Candidate:
    """An occurrence that may go out: what it will say and to which devices, ready to be claimed."""

    item: Due
    reminder: StoredReminder
    targets: list[StoredDevice]
    previous: NotificationState | None
    request: ClaimRequest  # with the content ids chosen
    pushes: list[Push]

    @property
    def user_id(self) -> str:
        return self.item.due.user_id


@dataclass
class _Batch:
    stores: DeliveryStores
    gateway: PushGateway
    loaded: Loaded
    now: datetime
    lease: Lease
    report: BatchReport
    # Each user's engagement as the batch's content choices and sends move it on (the loaded one first).
    engagement: dict[str, Engagement] = field(default_factory=dict)


def deliver_batch(
    stores: DeliveryStores, gateway: PushGateway, messages: Sequence[tuple[str, str]], now: datetime, lease: Lease
) -> BatchReport:
    report = BatchReport()
    live = decode_batch(messages, now, report)
    if not live:
        return report
    try:
        gateway.prepare()
    except CredentialsUnavailableError:
        _retry_all(live, report, "credentials")  # nothing claimed: every occurrence comes back whole
        return report
    try:
        loaded = load(stores, live, now)
    except DependencyError as error:
        _retry_all(live, report, error.dependency)
        return report
    engagement = {user: profile.engagement for user, profile in loaded.profiles.items()}
    batch = _Batch(stores, gateway, loaded, now, lease, report, engagement)
    candidates: dict[str, _Candidate] = {}  # by notification id
    for item in live:
        # Decided, composed and addressed inside the occurrence's own boundary, all before anything is
        # claimed: bad data never leaves a claim behind.
        try:
            candidate = _candidate(batch, item)
        except BAD_DATA_ERRORS as error:
            report.add(item.message_id, bad_data(error))
            continue
        if candidate is not None:
            candidates[item.due.notification_id] = candidate
    if candidates:
        _claim_send_record(batch, candidates)
    return report


def _retry_all(items: Sequence[Due], report: BatchReport, reason: str) -> None:
    for item in items:
        report.add(item.message_id, Outcome(Status.RETRY, reason))


def _candidate(batch: _Batch, item: Due) -> _Candidate | None:
    """The occurrence's candidate for claiming, or None with its outcome reported."""
    due, loaded = item.due, batch.loaded
    if due.user_id in loaded.unreadable:
        batch.report.add(item.message_id, Outcome(Status.FAILED, BAD_DATA, error=loaded.unreadable[due.user_id]))
        return None
    reminder = loaded.reminders.get((due.user_id, due.reminder_id))
    previous = loaded.records.get((due.user_id, due.notification_id))
    profile, epoch = loaded.profiles[due.user_id], loaded.epochs[due.user_id]
    skip = skip_reason(due, reminder, profile, epoch, bool(loaded.devices[due.user_id]), batch.now)
    if skip is None and previous is not None:
        if attempt_ended(previous):
            skip = Skip.DUPLICATE
        elif attempt_in_progress(previous, batch.now):
            batch.report.add(item.message_id, Outcome(Status.RETRY, "busy"))
            return None
    if skip is not None:
        batch.report.add(item.message_id, Outcome(Status.SKIPPED, skip))
        return None
    assert reminder is not None
    targets = sorted(loaded.devices[due.user_id], key=lambda device: device.refreshed_at, reverse=True)
    targets = targets[:MAX_DEVICES_PER_USER]
    message = _compose(batch, item, reminder, previous)
    record = NotificationRecord(
        notification_id=due.notification_id,
        reminder_id=reminder.reminder_id,
        kind=reminder.kind,
        occurrence=due.occurrence,
        status=NotificationStatus.SENDING,
        affirmation_id=message.data.get("affirmation_id"),
        affirmation_source=message.data.get("affirmation_source"),
        exercise_id=message.data.get("exercise_id"),
    )
    day = local_date(due.occurrence, ZoneInfo(reminder.timezone)).isoformat()
    engagement = None
    if previous is None:  # the first attempt moves the user's last-send time on, with the day's count
        batch.engagement[due.user_id] = after_sending(
            batch.engagement[due.user_id], reminder.reminder_id, due.occurrence
        )
        engagement = batch.engagement[due.user_id]
    request = ClaimRequest(due.user_id, record, previous, day, profile.settings.max_per_day, epoch, engagement)
    pushes = addressed_pushes(due.notification_id, reminder, targets, previous, message)
    return _Candidate(item, reminder, targets, previous, request, pushes)


def _compose(
    batch: _Batch, item: Due, reminder: StoredReminder, previous: NotificationState | None
) -> ComposedReminder:
    """What the push says. A resumed attempt says what the first said, so every device of the occurrence
    reads the same; the user's rotation moves on with each choice the batch makes."""
    user, loaded = item.due.user_id, batch.loaded
    earlier = previous.record if previous else None
    composed = compose_reminder(
        reminder.kind,
        own=loaded.own_affirmations.get(user, []),
        engagement=batch.engagement[user],
        preview=loaded.profiles[user].settings.notification_preview,
        local_time=item.due.occurrence.astimezone(ZoneInfo(reminder.timezone)),
        same_as=ContentIds(earlier.affirmation_id, earlier.exercise_id) if earlier else None,
        practice_sums=loaded.practice_sums.get(user),
    )
    batch.engagement[user] = composed.engagement_after
    return composed


def _claim_send_record(batch: _Batch, candidates: Mapping[str, _Candidate]) -> None:
    report = batch.report
    try:
        claims = batch.stores.notifications.claim_many([c.request for c in candidates.values()], batch.lease, batch.now)
    except DependencyError as error:
        # Claims that did commit expire with the lease; the redelivery takes them over.
        _retry_all([c.item for c in candidates.values()], report, error.dependency)
        return
    not_claimed: dict[Claim, tuple[Status, str]] = {
        Claim.DAILY_CAP: (Status.SKIPPED, Skip.DAILY_CAP),
        Claim.ERASED: (Status.SKIPPED, Skip.ERASED),
        Claim.BUSY: (Status.RETRY, "busy"),
    }
    for notification_id, candidate in candidates.items():
        if claims[notification_id] in not_claimed:
            report.add(candidate.item.message_id, Outcome(*not_claimed[claims[notification_id]]))
    claimed = {nid: c for nid, c in candidates.items() if claims[nid] in (Claim.CLAIMED, Claim.RESUMED)}
    results = batch.gateway.send_all([push for candidate in claimed.values() for push in candidate.pushes])
    report.pushes.update(result.outcome.value for result in results.values())
    settled = {nid: settle(c.pushes, results, c.previous) for nid, c in claimed.items()}
    completions = [_completion(candidate, settled[nid]) for nid, candidate in claimed.items()]
    try:
        report.unrecorded += len(batch.stores.notifications.complete_many(completions, batch.lease, batch.now))
        recorded = True
    except DependencyError:
        recorded = False  # the pushes went out; only what still needs sending is retried
    for nid, candidate in claimed.items():
        outcome = settled[nid]
        _forget_devices(batch, candidate.user_id, outcome.gone)
        reason = None if recorded or outcome.outcome is not Status.RETRY else "dynamodb"
        report.add(candidate.item.message_id, Outcome(outcome.outcome, reason, devices_removed=len(outcome.gone)))


def _completion(candidate: _Candidate, settled: Settled) -> Completion:
    return Completion(
        candidate.user_id,
        candidate.request.record.notification_id,
        settled.status,
        settled.delivered[:MAX_DEVICES_PER_USER],
    )


def _forget_devices(batch: _Batch, user_id: str, device_ids: list[str]) -> None:
    for device_id in device_ids:
        with contextlib.suppress(DependencyError):  # FCM says so again next time
            batch.stores.devices.mark_removed(user_id, device_id)
