"""In-memory fakes of the reminder domain's ports, with the semantics the DynamoDB, SQS and FCM
adapters have (conditions, leases, partial failures), and faults switched on by the tests.

The adapters' own behaviour is tested against moto and the FCM stand-in; these make the domain's rules
fast to test, including crashes and outages no real dependency can be made to have on cue.
"""

from __future__ import annotations

import builtins
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from selfkind.domain.occurrence import DueOccurrence, decode_message
from selfkind.domain.ports.account import Profile
from selfkind.domain.ports.delivery import Claim, ClaimRequest, Completion, NotificationState
from selfkind.domain.ports.lease import Lease
from selfkind.domain.ports.push import CredentialsUnavailableError, Push, PushOutcome, SendResult
from selfkind.domain.ports.tick import Advance, DueReminder, ShardGrant
from selfkind.domain.rollups import WeekRollup
from selfkind.domain.tick import shard_of
from selfkind.domain.wheel import slot_of
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.exceptions import DependencyError
from selfkind.models.reminders import (
    Engagement,
    NotificationRecord,
    ReminderKind,
    Settings,
    StoredDevice,
    StoredReminder,
)
from selfkind.models.sync import StoredRecord, SyncedColumns, columns_of


class Crash(BaseException):
    """The invocation dies here (a timeout or an out-of-memory kill): nothing after it runs."""


@dataclass
class Faults:
    """Operations that fail: name -> how many more times (a large number: for as long as it is set)."""

    failing: Counter[str] = field(default_factory=Counter)
    crashing: Counter[str] = field(default_factory=Counter)
    refusing: set[str] = field(default_factory=set)  # failing operations whose error is not transient

    def check(self, operation: str, dependency: str = "dynamodb") -> None:
        if self.crashing[operation] > 0:
            self.crashing[operation] -= 1
            raise Crash(operation)
        if self.failing[operation] > 0:
            self.failing[operation] -= 1
            raise DependencyError(dependency, operation, transient=operation not in self.refusing)

    def fail(self, operation: str, times: int = 1_000_000, *, transient: bool = True) -> None:
        """`transient=False`: access denied, a disabled KMS key, the service down."""
        self.failing[operation] = times
        if transient:
            self.refusing.discard(operation)
        else:
            self.refusing.add(operation)

    def crash(self, operation: str, times: int = 1) -> None:
        self.crashing[operation] = times

    def heal(self) -> None:
        self.failing.clear()
        self.crashing.clear()
        self.refusing.clear()


class FakeReminders:
    """The reminders aggregate, its `wheel` index (crc32 % shards, as the repository writes it, under the
    slot of its stored anchor) and the old `due` index (reminders put with `put_legacy`)."""

    def __init__(self, faults: Faults, shards: int, page_size: int = 250) -> None:
        self.faults = faults
        self.shards = shards
        self.page_size = page_size
        self.items: dict[tuple[str, str], StoredReminder] = {}
        self.shard_of: dict[tuple[str, str], int] = {}
        self.slot: dict[tuple[str, str], str] = {}  # where each waits in the wheel
        self.legacy: set[tuple[str, str]] = set()  # still in the old `due` index
        self.reads: Counter[tuple[str, str]] = Counter()  # how often each was read from an index
        self.writes: Counter[tuple[str, str]] = Counter()  # how often the tick wrote each
        self.on_page: Callable[[], None] = lambda: None  # runs before each page is returned
        self._lock = threading.Lock()

    def put(self, user_id: str, reminder: StoredReminder) -> None:
        key = (user_id, reminder.reminder_id)
        with self._lock:
            self.items[key] = reminder
            self.shard_of[key] = shard_of(user_id, reminder.reminder_id, self.shards)
            self.legacy.discard(key)
            self.slot.pop(key, None)
            if reminder.enabled and reminder.next_fire_at is not None:
                self.slot[key] = slot_of(reminder.next_fire_at)

    def put_legacy(self, user_id: str, reminder: StoredReminder) -> None:
        """As the repository wrote it before the wheel: in the `due` index under its next occurrence."""
        key = (user_id, reminder.reminder_id)
        self.put(user_id, reminder)
        with self._lock:
            self.slot.pop(key, None)
            if reminder.enabled and reminder.next_fire_at is not None:
                self.legacy.add(key)

    def get(self, user_id: str, reminder_id: str) -> StoredReminder | None:
        return self.items.get((user_id, reminder_id))

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredReminder]:
        self.faults.check("reminders.get_many")
        return {key: self.items[key] for key in keys if key in self.items}

    def list(self, user_id: str) -> list[StoredReminder]:
        return [reminder for (user, _), reminder in self.items.items() if user == user_id]

    def delete(self, user_id: str, reminder_id: str) -> None:
        key = (user_id, reminder_id)
        self.items.pop(key, None)
        self.slot.pop(key, None)
        self.legacy.discard(key)

    def _legacy_due(self, shard_value: int, now: datetime) -> builtins.list[tuple[datetime, str, StoredReminder]]:
        return sorted(
            (
                (reminder.next_fire_at, user, reminder)
                for (user, rid), reminder in self.items.items()
                if (user, rid) in self.legacy
                and self.shard_of[(user, rid)] == shard_value
                and reminder.next_fire_at is not None
                and reminder.next_fire_at <= now
            ),
            key=lambda entry: (entry[0], entry[1], entry[2].reminder_id),
        )

    def _in_slot(self, shard_value: int, first: str, last: str) -> builtins.list[tuple[str, StoredReminder]]:
        return sorted(
            (
                (user, reminder)
                for (user, rid), reminder in self.items.items()
                if first <= self.slot.get((user, rid), "~") <= last and self.shard_of[(user, rid)] == shard_value
            ),
            key=lambda entry: (self.slot[(entry[0], entry[1].reminder_id)], entry[0], entry[1].reminder_id),
        )

    def any_due(self, shard_value: int, now: datetime) -> bool:
        self.faults.check("index.query")
        with self._lock:
            return bool(self._in_slot(shard_value, slot_of(now), slot_of(now)) or self._legacy_due(shard_value, now))

    def slot_pages(self, shard_value: int, first_slot: str, last_slot: str) -> Iterator[builtins.list[DueReminder]]:
        with self._lock:
            waiting = self._in_slot(shard_value, first_slot, last_slot)
        yield from self._paged([DueReminder(user, reminder) for user, reminder in waiting])

    def due_pages(self, shard_value: int, now: datetime) -> Iterator[builtins.list[DueReminder]]:
        with self._lock:
            due = self._legacy_due(shard_value, now)
        yield from self._paged([DueReminder(user, reminder) for _, user, reminder in due])

    def _paged(self, dues: builtins.list[DueReminder]) -> Iterator[builtins.list[DueReminder]]:
        for start in range(0, len(dues), self.page_size):
            self.faults.check("index.query")
            self.on_page()
            page = dues[start : start + self.page_size]
            self.reads.update((d.user_id, d.reminder.reminder_id) for d in page)
            yield page

    def advance(self, moves: Sequence[Advance]) -> builtins.list[Advance]:
        self.faults.check("index.advance")
        moved_elsewhere = []
        with self._lock:
            for move in moves:
                key = (move.user_id, move.reminder_id)
                current = self.items.get(key)
                if current is None or current.next_fire_at != move.expected:
                    moved_elsewhere.append(move)
                    continue
                self.items[key] = current.model_copy(update={"next_fire_at": move.following})
                self.shard_of[key] = shard_of(move.user_id, move.reminder_id, self.shards)
                self.slot[key] = slot_of(move.following)
                self.legacy.discard(key)
                self.writes[key] += 1
        return moved_elsewhere


class FakeLeases:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.items: dict[str, dict[str, datetime | str]] = {}
        self._lock = threading.Lock()

    def pending(self, shard_key: str) -> datetime | None:
        self.faults.check("leases.pending")
        value = self.items.get(shard_key, {}).get("pending")
        assert value is None or isinstance(value, datetime)
        return value

    def request(self, shard_key: str, tick: datetime) -> None:
        self.faults.check("leases.request")
        with self._lock:
            item = self.items.setdefault(shard_key, {})
            requested, pending = item.get("requested"), item.get("pending")
            if requested is None or requested < tick:  # type: ignore[operator]
                item["requested"] = tick
            if pending is None or pending > tick:  # type: ignore[operator]
                item["pending"] = tick

    def acquire(self, shard_key: str, owner: str, until: datetime, now: datetime) -> ShardGrant | None:
        with self._lock:
            item = self.items.setdefault(shard_key, {})
            holder, held_until = item.get("owner"), item.get("until")
            if holder is not None and holder != owner and held_until is not None and held_until >= now:  # type: ignore[operator]
                return None
            item["owner"], item["until"] = owner, until
            requested, pending = item["requested"], item.get("pending")
            assert isinstance(requested, datetime)
            assert pending is None or isinstance(pending, datetime)
            return ShardGrant(requested, pending)

    def release(
        self, shard_key: str, owner: str, done: datetime | None, resume_at: datetime | None = None
    ) -> datetime | None:
        with self._lock:
            item = self.items[shard_key]
            if item.get("owner") != owner:
                return None
            requested = item["requested"]
            assert isinstance(requested, datetime)
            if done is not None and requested > done:
                item["pending"] = done.replace(second=0, microsecond=0) + timedelta(minutes=1)
                return requested
            if done is not None:
                item.pop("pending", None)
            elif resume_at is not None:
                item["pending"] = resume_at
            item.pop("owner", None)
            item.pop("until", None)
            return None


class FakeQueue:
    """SQS: every accepted body, in order; a message may be received more than once."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.bodies: list[str] = []
        self._lock = threading.Lock()

    def send_all(self, bodies: list[str]) -> None:
        self.faults.check("queue.send", "sqs")
        with self._lock:
            self.bodies += bodies

    def occurrences(self) -> list[DueOccurrence]:
        return [due for body in self.bodies for due in decode_message(body)]

    def take_all(self) -> list[tuple[str, str]]:
        with self._lock:
            taken, self.bodies = self.bodies, []
        return [(f"m{index}", body) for index, body in enumerate(taken)]


class FakeDevices:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.items: dict[str, dict[str, StoredDevice]] = {}
        self.removed: dict[str, dict[str, StoredDevice]] = {}  # kept 30 days, restorable

    def put(self, user_id: str, device: StoredDevice) -> None:
        self.removed.get(user_id, {}).pop(device.device_id, None)  # a registration restores it
        self.items.setdefault(user_id, {})[device.device_id] = device

    def list(self, user_id: str, now: datetime) -> list[StoredDevice]:
        self.faults.check("devices.list")
        return list(self.items.get(user_id, {}).values())

    def delete(self, user_id: str, device_id: str) -> None:
        self.faults.check("devices.delete")
        self.items.get(user_id, {}).pop(device_id, None)

    def mark_removed(self, user_id: str, device_id: str) -> None:
        self.faults.check("devices.delete")
        device = self.items.get(user_id, {}).pop(device_id, None)
        if device is not None:
            self.removed.setdefault(user_id, {})[device_id] = device


class FakeProfiles:
    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.settings: dict[str, Settings] = {}
        self.engagement: dict[str, Engagement] = {}
        self.documents: dict[str, str] = {}  # settings stored as JSON, parsed on read as the repository does

    def get_settings(self, user_id: str) -> Settings:
        if user_id in self.documents:
            return Settings.model_validate_json(self.documents[user_id])
        return self.settings.get(user_id, Settings())

    def put_settings(self, user_id: str, settings: Settings) -> None:
        self.settings[user_id] = settings

    def get_engagement(self, user_id: str) -> Engagement:
        return self.engagement.get(user_id, Engagement())

    def get_many(self, user_ids: Sequence[str]) -> dict[str, Profile]:
        self.faults.check("profiles.get_many")
        return {user: Profile(self.get_settings(user), self.get_engagement(user)) for user in user_ids}

    def reset_unopened(self, user_id: str) -> None:
        self.engagement[user_id] = self.get_engagement(user_id).model_copy(update={"unopened_streak": 0})


class FakeNotifications:
    """Claims and completions with the repository's conditions: a record is created once, taken over
    only as it was read, completed only under its own lease; the day's count is kept with the claim."""

    def __init__(self, faults: Faults, profiles: FakeProfiles, epochs: FakeEpochs) -> None:
        self.faults = faults
        self.profiles = profiles
        self.epochs = epochs
        self.states: dict[tuple[str, str], NotificationState] = {}
        self.day_counts: Counter[tuple[str, str]] = Counter()
        self.claimed_under: dict[tuple[str, str], ErasureEpoch] = {}  # an erasure since deletes the record
        self._lock = threading.Lock()

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], NotificationState]:
        self.faults.check("notifications.get_many")
        return {key: self.states[key] for key in keys if key in self.states}

    def claim_many(self, requests: Sequence[ClaimRequest], lease: Lease, now: datetime) -> dict[str, Claim]:
        self.faults.check("notifications.claim")
        results = {}
        with self._lock:
            for request in requests:
                key = (request.user_id, request.record.notification_id)
                current = self.states.get(key)
                leased = NotificationState(request.record, lease.owner, lease.until)
                if self.epochs.current(request.user_id) != request.epoch:
                    results[key[1]] = Claim.ERASED
                    continue
                if request.previous is None:
                    if current is not None:
                        results[key[1]] = Claim.BUSY
                    elif self.day_counts[(request.user_id, request.local_day)] >= request.max_per_day:
                        results[key[1]] = Claim.DAILY_CAP
                    else:
                        self.day_counts[(request.user_id, request.local_day)] += 1
                        self.states[key] = leased
                        self.claimed_under[key] = request.epoch
                        results[key[1]] = Claim.CLAIMED
                        if request.engagement is not None:  # written with the day's count
                            streak = self.profiles.get_engagement(request.user_id).unopened_streak
                            self.profiles.engagement[request.user_id] = request.engagement.model_copy(
                                update={"unopened_streak": streak + 1}
                            )
                    continue
                seen = request.previous
                unchanged = (
                    current is not None
                    and current.record.status == seen.record.status
                    and current.lease_owner == seen.lease_owner
                )
                if not unchanged:
                    results[key[1]] = Claim.BUSY
                    continue
                assert current is not None
                self.states[key] = NotificationState(
                    current.record.model_copy(update={"status": "sending"}), lease.owner, lease.until
                )
                results[key[1]] = Claim.RESUMED
        self.faults.check("after_claim")  # a crash here: claimed, nothing sent yet
        return results

    def complete_many(self, completions: Sequence[Completion], lease: Lease, now: datetime) -> set[str]:
        self.faults.check("notifications.complete")
        lost = set()
        with self._lock:
            for completion in completions:
                key = (completion.user_id, completion.notification_id)
                current = self.states.get(key)
                claimed_under = self.claimed_under.get(key)
                erased = claimed_under is not None and self.epochs.current(completion.user_id) != claimed_under
                if current is None or current.lease_owner != lease.owner or erased:
                    lost.add(completion.notification_id)
                    continue
                record = current.record.model_copy(
                    update={"status": completion.status, "delivered": completion.delivered, "sent_at": now}
                )
                self.states[key] = NotificationState(record)
        return lost

    def mark_opened(self, user_id: str, notification_id: str, now: datetime) -> bool:
        return (user_id, notification_id) in self.states

    def list(self, user_id: str) -> list[NotificationRecord]:
        return [state.record for (user, _), state in self.states.items() if user == user_id]

    def get(self, user_id: str, notification_id: str) -> NotificationRecord | None:
        state = self.states.get((user_id, notification_id))
        return state.record if state else None

    def expire_leases(self) -> None:
        """Every live lease ends, as if its holder died long ago."""
        with self._lock:
            for key, state in self.states.items():
                if state.lease_owner is not None:
                    self.states[key] = NotificationState(
                        state.record, state.lease_owner, datetime(2000, 1, 1, tzinfo=UTC)
                    )


class FakeSync:
    def __init__(self) -> None:
        self.records: dict[str, list[StoredRecord]] = {}

    def live_columns(
        self, user_id: str, table: str | None = None, after_seq: int | None = None
    ) -> Iterator[SyncedColumns]:
        above = after_seq or 0
        mine = [r for r in self.records.get(user_id, []) if table in (None, r.table) and r.seq > above]
        yield from columns_of(mine)


class FakePracticeSums:
    """Users' all-time practice sums, as the sync's rollups hold them (tests/sync_fakes.py keeps them)."""

    def __init__(self) -> None:
        self.sums: dict[str, WeekRollup] = {}

    def read_all_time(self, user_ids: Sequence[str]) -> dict[str, WeekRollup]:
        return {user_id: self.sums.get(user_id, WeekRollup()) for user_id in user_ids}


class FakeEpochs:
    """Users' erasure epochs; an erasure bumps one (the sender's writes then fail their check)."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.epochs: dict[str, ErasureEpoch] = {}

    def get_many(self, user_ids: Sequence[str]) -> dict[str, ErasureEpoch]:
        self.faults.check("epochs.get_many")
        return {user: self.epochs.get(user, ErasureEpoch()) for user in user_ids}

    def current(self, user_id: str) -> ErasureEpoch:
        return self.epochs.get(user_id, ErasureEpoch())

    def erase(self, user_id: str) -> None:
        epoch = self.current(user_id)
        self.epochs[user_id] = epoch.model_copy(update={"erasures": epoch.erasures + 1})


class FakePushGateway:
    """FCM as the firebase adapter reports it. Targets starting `gone-` are unregistered, `flaky-` fail
    transiently once, `broken-` every time. Results come back in reverse order: they are matched by id."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults
        self.accepted: list[Push] = []
        self._flaked: set[str] = set()
        self._lock = threading.Lock()

    def prepare(self) -> None:
        if self.faults.failing["credentials"] > 0:
            raise CredentialsUnavailableError("RefreshError")

    def send_all(self, pushes: Sequence[Push]) -> Mapping[str, SendResult]:
        results = {}
        for push in reversed(pushes):
            results[push.push_id] = self._send(push)
        self.faults.check("after_fcm_accepted")  # a crash here: FCM has them, the record does not
        return results

    def _send(self, push: Push) -> SendResult:
        target = push.fid or push.token or ""
        if self.faults.failing["fcm"] > 0:
            return SendResult(PushOutcome.RETRYABLE, "UNAVAILABLE")
        if self.faults.failing["wrong_credentials"] > 0:  # another project's key: every push refused
            return SendResult(PushOutcome.CREDENTIALS_REFUSED, "SENDER_ID_MISMATCH")
        if target.startswith("gone-"):
            return SendResult(PushOutcome.DEVICE_GONE, "NOT_FOUND")
        if target.startswith("broken-"):
            return SendResult(PushOutcome.RETRYABLE, "INTERNAL")
        with self._lock:
            if target.startswith("flaky-") and target not in self._flaked:
                self._flaked.add(target)
                return SendResult(PushOutcome.RETRYABLE, "UNAVAILABLE")
            self.accepted.append(push)
        return SendResult(PushOutcome.DELIVERED)

    def per_notification(self) -> Counter[str]:
        return Counter(push.notification_id for push in self.accepted)


def reminder(
    reminder_id: str, due_at: datetime, *, local_time: str = "09:00", zone: str = "America/New_York"
) -> StoredReminder:
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    return StoredReminder(
        reminder_id=reminder_id,
        kind=ReminderKind.AFFIRMATION,
        local_time=local_time,
        days=days,
        timezone=zone,
        enabled=True,
        created_at=due_at - timedelta(days=1),
        next_fire_at=due_at,
    )


def device(device_id: str, target: str, refreshed_at: datetime, locale: str = "en-US") -> StoredDevice:
    return StoredDevice(
        device_id=device_id,
        platform="android",
        token=None,
        fid=target,
        timezone="America/New_York",
        locale=locale,
        app_version="1.0",
        refreshed_at=refreshed_at,
    )
