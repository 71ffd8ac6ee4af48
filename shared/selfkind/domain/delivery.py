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
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from selfkind.domain.occurrence import DueOccurrence, MalformedMessageError, decode_message
from selfkind.domain.pacing import pacing_for
from selfkind.domain.ports.account import DeviceStore, Profile
from selfkind.domain.ports.delivery import (
    Claim,
    ClaimRequest,
    Completion,
    Lease,
    NotificationState,
    SyncedRecords,
)
from selfkind.domain.ports.push import CredentialsUnavailableError, Push, PushGateway, PushOutcome, SendResult
from selfkind.domain.ports.stores import DeliveryStores
from selfkind.domain.reminder_content import (
    ComposedReminder,
    ContentIds,
    OwnAffirmation,
    compose_reminder,
    device_language,
)
from selfkind.domain.reminders import pause_ends_at
from selfkind.domain.rollups import WeekRollup
from selfkind.domain.schedule import in_quiet_hours, local_date, previous_occurrence
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.exceptions import DependencyError
from selfkind.models.reminders import (
    MAX_DEVICES_PER_USER,
    Engagement,
    NotificationRecord,
    NotificationStatus,
    Pacing,
    ReminderKind,
    StoredDevice,
    StoredReminder,
    clock_to_time,
)

_LOAD_CONCURRENCY = 16

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


BAD_DATA = "bad_data"


@dataclass(frozen=True)
class Outcome:
    status: Status
    reason: str | None = None
    devices_removed: int = 0
    error: str | None = None  # for bad data: the exception's type (never its message, which may quote data)


def _bad_data(error: Exception) -> Outcome:
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
class _Due:
    message_id: str
    due: DueOccurrence


@dataclass(frozen=True)
class _Candidate:
    item: _Due
    reminder: StoredReminder
    targets: list[StoredDevice]
    previous: NotificationState | None
    request: ClaimRequest


@dataclass(frozen=True)
class _Prepared:
    """A candidate with what it will say and to which devices, ready to be claimed."""

    candidate: _Candidate
    request: ClaimRequest  # with the content ids chosen
    pushes: list[Push]

    @property
    def notification_id(self) -> str:
        return self.request.record.notification_id


def deliver_batch(
    stores: DeliveryStores, gateway: PushGateway, messages: Sequence[tuple[str, str]], now: datetime, lease: Lease
) -> BatchReport:
    report = BatchReport()
    live = _decode(messages, now, report)
    if not live:
        return report
    try:
        gateway.prepare()
    except CredentialsUnavailableError:
        _retry_all(live, report, "credentials")  # nothing claimed: every occurrence comes back whole
        return report
    try:
        loaded = _load(stores, live, now)
    except DependencyError as error:
        _retry_all(live, report, error.dependency)
        return report
    candidates = []
    for item in live:
        try:
            candidate = _decide(item, loaded, now, report)
        except BAD_DATA_ERRORS as error:
            report.add(item.message_id, _bad_data(error))
            continue
        if candidate is not None:
            candidates.append(candidate)
    _claim_send_record(stores, gateway, _prepare(candidates, loaded, report), loaded, now, lease, report)
    return report


def _decode(messages: Sequence[tuple[str, str]], now: datetime, report: BatchReport) -> list[_Due]:
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
                report.add(message_id, _bad_data(error))
                continue
            if expired:
                report.add(message_id, Outcome(Status.EXPIRED))
            elif notification_id in seen:  # two copies in one batch: one attempt is enough
                report.add(message_id, Outcome(Status.SKIPPED, Skip.DUPLICATE))
            else:
                seen.add(notification_id)
                live.append(_Due(message_id, due))
    return live


def _retry_all(items: Sequence[_Due], report: BatchReport, reason: str) -> None:
    for item in items:
        report.add(item.message_id, Outcome(Status.RETRY, reason))


@dataclass
class _Loaded:
    epochs: dict[str, ErasureEpoch]
    reminders: dict[tuple[str, str], StoredReminder]
    profiles: dict[str, Profile]
    records: dict[tuple[str, str], NotificationState]
    devices: dict[str, list[StoredDevice]]
    own_affirmations: dict[str, list[OwnAffirmation]]
    practice_sums: dict[str, WeekRollup] = field(default_factory=dict)
    engagement: dict[str, Engagement] = field(default_factory=dict)  # as it evolves through the batch
    unreadable: dict[str, str] = field(default_factory=dict)  # user -> the error their stored data raised


def _load(stores: DeliveryStores, live: Sequence[_Due], now: datetime) -> _Loaded:
    users = sorted({item.due.user_id for item in live})
    # The epochs first: an erasure that begins after this read cancels every write decided on what follows.
    epochs = stores.epochs.get_many(users)
    unreadable: dict[str, str] = {}
    reminder_keys = sorted({(i.due.user_id, i.due.reminder_id) for i in live})
    reminders = _each_readable(stores.reminders.get_many, reminder_keys, lambda key: key[0], unreadable)
    affirmation_users = sorted(
        {user for (user, _), reminder in reminders.items() if reminder.kind is ReminderKind.AFFIRMATION}
    )
    practice_users = sorted(
        {user for (user, _), reminder in reminders.items() if reminder.kind is ReminderKind.PRACTICE}
    )

    def devices_of(user: str) -> list[StoredDevice]:
        try:
            return stores.devices.list(user, now)
        except BAD_DATA_ERRORS as error:
            unreadable[user] = type(error).__name__
            return []

    with ThreadPoolExecutor(_LOAD_CONCURRENCY, thread_name_prefix="load") as pool:
        devices = pool.map(devices_of, users)
        own = pool.map(lambda user: _own_affirmations(stores.sync, user, epochs[user]), affirmation_users)
        loaded = _Loaded(
            epochs=epochs,
            reminders=reminders,
            profiles=_each_readable(stores.profile.get_many, users, lambda user: user, unreadable),
            records=stores.notifications.get_many(sorted({(i.due.user_id, i.due.notification_id) for i in live})),
            devices=dict(zip(users, devices, strict=True)),
            own_affirmations=dict(zip(affirmation_users, own, strict=True)),
            practice_sums=_each_readable(stores.rollups.read_all_time, practice_users, lambda user: user, unreadable)
            if practice_users
            else {},
        )
    loaded.unreadable = unreadable
    loaded.engagement = {user: profile.engagement for user, profile in loaded.profiles.items()}
    return loaded


def _each_readable[K, V](
    read_many: Callable[[Sequence[K]], dict[K, V]],
    keys: Sequence[K],
    user_of: Callable[[K], str],
    unreadable: dict[str, str],
) -> dict[K, V]:
    """read_many(keys) in one go; when a stored item among them cannot be read (a document that no longer
    validates, say), key by key: the users whose data cannot be read go into `unreadable` (with the error's
    type), and only their occurrences fail."""
    try:
        return read_many(keys)
    except BAD_DATA_ERRORS:
        found: dict[K, V] = {}
        for key in keys:
            try:
                found |= read_many([key])
            except BAD_DATA_ERRORS as error:
                unreadable[user_of(key)] = type(error).__name__
        return found


def _own_affirmations(sync: SyncedRecords, user_id: str, epoch: ErasureEpoch) -> list[OwnAffirmation]:
    own = []
    for record in sync.records_of_table(user_id, "affirmations", after_seq=epoch.erased_seq):
        if record.data is None:
            continue
        try:
            columns = json.loads(record.data)
        except ValueError:  # one unreadable record never holds up the batch: it is left out
            continue
        if not isinstance(columns, dict):
            continue
        text = columns.get("text")
        if columns.get("is_active") and isinstance(text, str) and text:
            own.append(OwnAffirmation(affirmation_id=record.record_id, text=text))
    return own


def _decide(item: _Due, loaded: _Loaded, now: datetime, report: BatchReport) -> _Candidate | None:
    """The occurrence's candidate for claiming, or None with its outcome reported."""
    due = item.due
    if due.user_id in loaded.unreadable:
        report.add(item.message_id, Outcome(Status.FAILED, BAD_DATA, error=loaded.unreadable[due.user_id]))
        return None
    reminder = loaded.reminders.get((due.user_id, due.reminder_id))
    skip = _skip_reason(due, reminder, loaded, now)
    previous = loaded.records.get((due.user_id, due.notification_id))
    if skip is None and previous is not None:
        if previous.record.status in (NotificationStatus.SENT, NotificationStatus.FAILED):
            skip = Skip.DUPLICATE
        elif previous.record.status == NotificationStatus.SENDING and previous.lease_is_live(now):
            report.add(item.message_id, Outcome(Status.RETRY, "busy"))  # its holder may yet fail: look again
            return None
    if skip is not None:
        report.add(item.message_id, Outcome(Status.SKIPPED, skip))
        return None
    assert reminder is not None
    targets = sorted(loaded.devices[due.user_id], key=lambda device: device.refreshed_at, reverse=True)
    record = NotificationRecord(
        notification_id=due.notification_id,
        reminder_id=reminder.reminder_id,
        kind=reminder.kind,
        occurrence=due.occurrence,
        status=NotificationStatus.SENDING,
        **_content_ids(previous),
    )
    settings = loaded.profiles[due.user_id].settings
    day = local_date(due.occurrence, ZoneInfo(reminder.timezone)).isoformat()
    request = ClaimRequest(due.user_id, record, previous, day, settings.max_per_day, loaded.epochs[due.user_id])
    return _Candidate(item, reminder, targets[:MAX_DEVICES_PER_USER], previous, request)


def _skip_reason(due: DueOccurrence, reminder: StoredReminder | None, loaded: _Loaded, now: datetime) -> Skip | None:
    if loaded.epochs[due.user_id].erasing(now):
        return Skip.ERASED
    if reminder is None or not reminder.enabled:
        return Skip.DISABLED
    profile = loaded.profiles[due.user_id]
    settings = profile.settings
    # A pause stored before its range was enforced is read by pause_ends_at's documented rule, never a crash.
    pause_ends = pause_ends_at(settings.paused_until, now)
    if pause_ends is not None and due.occurrence < pause_ends:
        return Skip.PAUSED
    quiet = settings.quiet_hours
    zone = ZoneInfo(reminder.timezone)
    if quiet and in_quiet_hours(due.occurrence, clock_to_time(quiet.start), clock_to_time(quiet.end), zone):
        return Skip.QUIET_HOURS
    if _paced_out(pacing_for(settings, profile.engagement), reminder, profile.engagement, due.occurrence):
        return Skip.PACING
    if not loaded.devices[due.user_id]:
        return Skip.NO_DEVICE
    return None


def _paced_out(pacing: Pacing, reminder: StoredReminder, engagement: Engagement, occurrence: datetime) -> bool:
    last = engagement.last_sent.get(reminder.reminder_id, reminder.last_sent_at)
    # A check-in comes every 4 weeks, already the gentlest cadence there is: pacing never thins it further.
    if pacing is Pacing.NORMAL or last is None or reminder.kind is ReminderKind.CHECK_IN:
        return False
    if pacing is Pacing.WEEKLY:
        return occurrence - last < timedelta(days=7)
    zone = ZoneInfo(reminder.timezone)
    previous = previous_occurrence(clock_to_time(reminder.local_time), reminder.days, zone, occurrence)
    return last >= previous  # the previous scheduled occurrence went out: rest this one


def _content_ids(previous: NotificationState | None) -> dict[str, str | None]:
    """A resumed attempt says what the first said, so every device of the occurrence reads the same."""
    if previous is None:
        return {}
    return {
        "affirmation_id": previous.record.affirmation_id,
        "affirmation_source": previous.record.affirmation_source,
        "exercise_id": previous.record.exercise_id,
    }


def _prepare(candidates: list[_Candidate], loaded: _Loaded, report: BatchReport) -> list[_Prepared]:
    """What each candidate says and to which devices, each inside its own error boundary: all of it is
    decided before anything is claimed, so bad data never leaves a claim behind."""
    prepared = []
    for candidate in candidates:
        try:
            message = _compose(candidate, loaded)
            pushes = _pushes(candidate, message)
        except BAD_DATA_ERRORS as error:
            report.add(candidate.item.message_id, _bad_data(error))
            continue
        prepared.append(_Prepared(candidate, _with_content(candidate.request, message.data), pushes))
    return prepared


def _claim_send_record(
    stores: DeliveryStores,
    gateway: PushGateway,
    prepared: list[_Prepared],
    loaded: _Loaded,
    now: datetime,
    lease: Lease,
    report: BatchReport,
) -> None:
    if not prepared:
        return
    try:
        claims = stores.notifications.claim_many([p.request for p in prepared], lease, now)
    except DependencyError as error:
        # Claims that did commit expire with the lease; the redelivery takes them over.
        _retry_all([p.candidate.item for p in prepared], report, error.dependency)
        return
    claimed = [p for p in prepared if claims[p.notification_id] in (Claim.CLAIMED, Claim.RESUMED)]
    for each in prepared:
        claim = claims[each.notification_id]
        if claim is Claim.DAILY_CAP:
            report.add(each.candidate.item.message_id, Outcome(Status.SKIPPED, Skip.DAILY_CAP))
        elif claim is Claim.ERASED:
            report.add(each.candidate.item.message_id, Outcome(Status.SKIPPED, Skip.ERASED))
        elif claim is Claim.BUSY:
            report.add(each.candidate.item.message_id, Outcome(Status.RETRY, "busy"))
    pushes = {p.notification_id: p.pushes for p in claimed}
    results = gateway.send_all([push for mine in pushes.values() for push in mine])
    report.pushes.update(result.outcome.value for result in results.values())
    _record(stores, [p.candidate for p in claimed], claims, pushes, results, loaded, now, lease, report)


def _with_content(request: ClaimRequest, data: Mapping[str, str]) -> ClaimRequest:
    record = request.record.model_copy(
        update={
            "affirmation_id": data.get("affirmation_id"),
            "affirmation_source": data.get("affirmation_source"),
            "exercise_id": data.get("exercise_id"),
        }
    )
    return ClaimRequest(
        request.user_id, record, request.previous, request.local_day, request.max_per_day, request.epoch
    )


def _compose(candidate: _Candidate, loaded: _Loaded) -> ComposedReminder:
    """What the push says; the user's rotation in `loaded` moves on as the batch's choices are made."""
    reminder, due = candidate.reminder, candidate.item.due
    user = due.user_id
    previous = candidate.previous.record if candidate.previous else None
    composed = compose_reminder(
        reminder.kind,
        own=loaded.own_affirmations.get(user, []),
        engagement=loaded.engagement[user],
        preview=loaded.profiles[user].settings.notification_preview,
        local_time=due.occurrence.astimezone(ZoneInfo(reminder.timezone)),
        same_as=ContentIds(previous.affirmation_id, previous.exercise_id) if previous else None,
        practice_sums=loaded.practice_sums.get(user),
    )
    loaded.engagement[user] = composed.engagement_after
    return composed


def _pushes(candidate: _Candidate, message: ComposedReminder) -> list[Push]:
    nid = candidate.request.record.notification_id
    kind = candidate.reminder.kind.value
    # The notification id alone: no content id (catalog ids are slugs of their words), no reminder id (the
    # client names it), no kind. The app reads what it held through GET /v1/notifications/{id}.
    data = {"notification_id": nid}
    already = set(candidate.previous.record.delivered) if candidate.previous else set()
    pushes = []
    for device in candidate.targets:
        if device.device_id in already:
            continue
        language = device_language(device.locale)
        pushes.append(
            Push(
                notification_id=nid,
                device_id=device.device_id,
                # firebase-admin 7.7 deprecates Message.token for Message.fid: the FID when the device gave one.
                fid=device.fid,
                token=None if device.fid else device.token,
                title=message.title(language),
                body=message.body(language),
                data=data,
                kind=kind,
            )
        )
    return pushes


def _record(
    stores: DeliveryStores,
    claimed: list[_Candidate],
    claims: Mapping[str, Claim],
    pushes: Mapping[str, list[Push]],
    results: Mapping[str, SendResult],
    loaded: _Loaded,
    now: datetime,
    lease: Lease,
    report: BatchReport,
) -> None:
    completions, outcomes = [], []
    for candidate in claimed:
        nid = candidate.request.record.notification_id
        mine = {push.device_id: results[push.push_id] for push in pushes.get(nid, []) if push.push_id in results}
        already = candidate.previous.record.delivered if candidate.previous else []
        delivered = already + [d for d, r in mine.items() if r.outcome is PushOutcome.DELIVERED]
        gone = [d for d, r in mine.items() if r.outcome is PushOutcome.DEVICE_GONE]
        retry = any(r.outcome in (PushOutcome.RETRYABLE, PushOutcome.CREDENTIALS_REFUSED) for r in mine.values())
        status = (
            NotificationStatus.RETRY if retry else NotificationStatus.SENT if delivered else NotificationStatus.FAILED
        )
        first = claims[nid] is Claim.CLAIMED
        engagement = _sent_engagement(loaded, candidate) if first and (delivered or retry) else None
        user = candidate.item.due.user_id
        completions.append(
            Completion(user, nid, status, delivered[:MAX_DEVICES_PER_USER], engagement, loaded.epochs[user])
        )
        outcomes.append((candidate, status, gone))
    try:
        report.unrecorded += len(stores.notifications.complete_many(completions, lease, now))
        recorded = True
    except DependencyError:
        recorded = False  # the pushes went out; only what still needs sending is retried
    for candidate, status, gone in outcomes:
        _forget_devices(stores.devices, candidate.item.due.user_id, gone)
        outcome = {
            NotificationStatus.RETRY: Status.RETRY,
            NotificationStatus.SENT: Status.SENT,
            NotificationStatus.FAILED: Status.FAILED,
        }[status]
        reason = None if recorded or outcome is not Status.RETRY else "dynamodb"
        report.add(candidate.item.message_id, Outcome(outcome, reason, devices_removed=len(gone)))


def _sent_engagement(loaded: _Loaded, candidate: _Candidate) -> Engagement:
    user = candidate.item.due.user_id
    engagement = loaded.engagement[user]
    this_one = {candidate.reminder.reminder_id: candidate.item.due.occurrence}
    try:
        newest = dict(
            sorted({**engagement.last_sent, **this_one}.items(), key=lambda entry: entry[1])[-_LAST_SENT_KEPT:]
        )
    except BAD_DATA_ERRORS:  # last-send times that cannot be compared (a naive one): this send starts them afresh
        newest = this_one
    loaded.engagement[user] = engagement.model_copy(update={"last_sent": newest})
    return loaded.engagement[user]


_LAST_SENT_KEPT = 50  # reminders whose last send is remembered (a user's reminders, with room)


def _forget_devices(devices: DeviceStore, user_id: str, device_ids: list[str]) -> None:
    for device_id in device_ids:
        with contextlib.suppress(DependencyError):  # FCM says so again next time
            devices.mark_removed(user_id, device_id)
