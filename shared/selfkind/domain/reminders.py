"""Devices, reminders, settings and opened notifications, as the account API manages them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from selfkind.domain.pacing import pacing_for
from selfkind.domain.ports.account import DeviceRegistry, DeviceStore, ProfileStore, ReminderStore
from selfkind.domain.ports.delivery import NotificationStore
from selfkind.domain.ports.presence import UnopenedStreakStore
from selfkind.domain.presence import user_returned
from selfkind.domain.schedule import local_date, next_occurrence
from selfkind.domain.wheel import upcoming
from selfkind.models.exceptions import InvalidInputError, NotFoundError, RosterChangedError, ServiceBusyError
from selfkind.models.reminders import (
    CHECK_IN_EVERY_WEEKS,
    MAX_DEVICES_PER_USER,
    WEEKDAYS,
    Device,
    DeviceList,
    DeviceRegistration,
    Pacing,
    Reminder,
    ReminderKind,
    ReminderList,
    ReminderRequest,
    Settings,
    StoredDevice,
    StoredReminder,
    clock_to_time,
)

_REGISTRATION_ATTEMPTS = 5
# Every instant a user sends that the reminder pipeline reads (today `paused_until`) lies in
# [now - INSTANT_EARLIEST_BEHIND, now + INSTANT_LATEST_AHEAD] when it is saved.
INSTANT_EARLIEST_BEHIND = timedelta(days=1)
INSTANT_LATEST_AHEAD = timedelta(days=365)


def devices_to_evict(
    stored: list[StoredDevice], device_id: str, limit: int = MAX_DEVICES_PER_USER
) -> list[StoredDevice]:
    """The devices to remove so that registering `device_id` leaves at most `limit`: the ones refreshed
    longest ago. Registering a device again only refreshes it."""
    others = [device for device in stored if device.device_id != device_id]
    excess = len(others) + 1 - limit
    return sorted(others, key=lambda device: device.refreshed_at)[: max(0, excess)]


def register_device(
    devices: DeviceRegistry, user_id: str, device_id: str, registration: DeviceRegistration, now: datetime
) -> Device:
    if not registration.token and not registration.fid:
        raise InvalidInputError.single("body", "token", "at least one of token or fid is required")
    device = StoredDevice(device_id=device_id, refreshed_at=now, **registration.model_dump())
    for _ in range(_REGISTRATION_ATTEMPTS):
        roster = devices.roster(user_id)
        try:
            devices.register(user_id, device, roster, devices_to_evict(roster.devices, device_id))
        except RosterChangedError:
            continue  # another registration of this user committed first: read the devices again
        return device.public()
    raise ServiceBusyError("The devices are being registered from elsewhere; try again shortly.", 1)


def list_devices(devices: DeviceStore, user_id: str, now: datetime) -> DeviceList:
    return DeviceList(items=[device.public() for device in devices.list(user_id, now)])


def remove_device(devices: DeviceStore, user_id: str, device_id: str) -> None:
    devices.delete(user_id, device_id)


def _view(reminder: StoredReminder, pacing: Pacing) -> Reminder:
    return Reminder(pacing=pacing, **reminder.model_dump(include=set(Reminder.model_fields) - {"pacing"}))


def put_reminder(
    reminders: ReminderStore,
    devices: DeviceStore,
    profile: ProfileStore,
    user_id: str,
    reminder_id: str,
    request: ReminderRequest,
    now: datetime,
) -> Reminder:
    timezone = request.timezone or _latest_device_zone(devices, user_id, now)
    existing = reminders.get(user_id, reminder_id)
    days = sorted(set(request.days), key=WEEKDAYS.index)
    every_weeks, anchor = _cadence(request, days, existing, timezone, now)
    local_time = clock_to_time(request.local_time)
    reminder = StoredReminder(
        reminder_id=reminder_id,
        kind=request.kind,
        local_time=request.local_time,
        days=days,
        timezone=timezone,
        enabled=request.enabled,
        next_fire_at=next_occurrence(local_time, days, ZoneInfo(timezone), now, every_weeks, anchor)
        if request.enabled
        else None,
        last_sent_at=existing.last_sent_at if existing else None,
        created_at=existing.created_at if existing else now,
        every_weeks=every_weeks,
        anchor=anchor,
    )
    reminders.put(user_id, reminder)
    return _view(reminder, pacing_for(profile.get_settings(user_id), profile.get_engagement(user_id)))


def _cadence(
    request: ReminderRequest, days: list[str], existing: StoredReminder | None, timezone: str, now: datetime
) -> tuple[int, date | None]:
    """Every week; a check-in every 4 weeks, from the first of its day after it is set up (a check-in
    saved again on the same day and zone keeps its rhythm)."""
    if request.kind is not ReminderKind.CHECK_IN:
        return 1, None
    if (
        existing
        and existing.anchor
        and existing.kind is request.kind
        and (existing.days, existing.timezone)
        == (
            days,
            timezone,
        )
    ):
        return CHECK_IN_EVERY_WEEKS, existing.anchor
    zone = ZoneInfo(timezone)
    first = next_occurrence(clock_to_time(request.local_time), days, zone, now)
    return CHECK_IN_EVERY_WEEKS, local_date(first, zone)


def _latest_device_zone(devices: DeviceStore, user_id: str, now: datetime) -> str:
    registered = devices.list(user_id, now)
    if not registered:
        raise InvalidInputError.single("body", "timezone", "is required until a device is registered")
    return max(registered, key=lambda device: device.refreshed_at).timezone


def list_reminders(reminders: ReminderStore, profile: ProfileStore, user_id: str, now: datetime) -> ReminderList:
    pacing = pacing_for(profile.get_settings(user_id), profile.get_engagement(user_id))
    return ReminderList(items=[_view(_as_of(reminder, now), pacing) for reminder in reminders.list(user_id)])


def _as_of(reminder: StoredReminder, now: datetime) -> StoredReminder:
    """The stored anchor is where the reminder waits in the wheel (selfkind.domain.wheel): once that
    occurrence has passed, the next one is computed, not stored (a send writes nothing to the reminder)."""
    if reminder.enabled and reminder.next_fire_at is not None and reminder.next_fire_at <= now:
        return reminder.model_copy(update={"next_fire_at": upcoming(reminder, now)})
    return reminder


def remove_reminder(reminders: ReminderStore, user_id: str, reminder_id: str) -> None:
    reminders.delete(user_id, reminder_id)


def user_instant(value: datetime, now: datetime, *, field: str) -> datetime:
    """A user-supplied instant the reminder pipeline reads, in UTC; a 400 naming `field` (never its value)
    unless it lies from now minus one day to now plus 365 days. Checked here, against the caller's clock,
    not in the model: the range moves with now."""
    earliest, latest = now - INSTANT_EARLIEST_BEHIND, now + INSTANT_LATEST_AHEAD
    problem = InvalidInputError.single(
        "body", field, "must be an instant from one day ago to 365 days ahead, with its offset"
    )
    try:
        instant = value.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00: before the first instant a datetime holds in UTC
        raise problem from None
    if not earliest <= instant <= latest:
        raise problem
    return instant


def pause_ends_at(paused_until: datetime | None, now: datetime) -> datetime | None:
    """When a stored pause ends, read safely whatever was stored (values saved before the range was
    enforced included). The rule, the same for the sender and for GET /v1/me/settings:
    - one more than a day before now, or too early to convert to UTC at all, is a pause that is over:
      None (not paused);
    - one beyond now + 365 days, or too late to convert to UTC at all, is still a pause: it ends at
      now + 365 days (read again each time, so it lasts until the user changes it);
    - anything else ends when it says, in UTC.
    """
    if paused_until is None:
        return None
    latest = now + INSTANT_LATEST_AHEAD
    try:
        ends = paused_until.astimezone(UTC)
    except OverflowError:  # out of datetime's range in UTC: year 1 or year 9999 with its offset
        return latest if paused_until.year > now.year else None
    if ends < now - INSTANT_EARLIEST_BEHIND:
        return None
    return min(ends, latest)


def get_settings(profile: ProfileStore, user_id: str, now: datetime) -> Settings:
    """The settings as they act now: a stored pause is shown by pause_ends_at's rule, so what is read can
    always be saved again."""
    settings = profile.get_settings(user_id)
    if settings.paused_until is None:
        return settings
    return settings.model_copy(update={"paused_until": pause_ends_at(settings.paused_until, now)})


def put_settings(profile: ProfileStore, user_id: str, settings: Settings, now: datetime) -> Settings:
    if settings.paused_until is not None:
        paused_until = user_instant(settings.paused_until, now, field="paused_until")
        settings = settings.model_copy(update={"paused_until": paused_until})
    profile.put_settings(user_id, settings)
    return settings


def mark_opened(
    notifications: NotificationStore, streak: UnopenedStreakStore, user_id: str, notification_id: str, now: datetime
) -> None:
    if not notifications.mark_opened(user_id, notification_id, now):
        raise NotFoundError("notification", notification_id)
    user_returned(streak, user_id)
