"""Devices, reminders, settings and opened notifications, as the account API manages them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from selfkind.domain.ports import DeviceStore, NotificationStore, ProfileStore, ReminderStore
from selfkind.domain.schedule import local_date, next_occurrence
from selfkind.models.exceptions import InvalidInputError, NotFoundError, RosterChangedError, ServiceBusyError
from selfkind.models.reminders import (
    CHECK_IN_EVERY_WEEKS,
    MAX_DEVICES_PER_USER,
    WEEKDAYS,
    Device,
    DeviceList,
    DeviceRegistration,
    Engagement,
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

EVERY_OTHER_DAY_AFTER = 3  # unopened notifications in a row
WEEKLY_AFTER = 7
_REGISTRATION_ATTEMPTS = 5


@dataclass(frozen=True)
class DeviceRoster:
    devices: list[StoredDevice]  # every stored device, stale ones too
    version: int


class DeviceRegistry(DeviceStore, Protocol):
    """The devices as registration sees them: the whole roster, replaced only as it was read."""

    def roster(self, user_id: str) -> DeviceRoster: ...
    def register(
        self, user_id: str, device: StoredDevice, roster: DeviceRoster, evicted: list[StoredDevice]
    ) -> None: ...


def pacing_for(settings: Settings, engagement: Engagement) -> Pacing:
    if not settings.gentle_pacing or engagement.unopened_streak < EVERY_OTHER_DAY_AFTER:
        return Pacing.NORMAL
    return Pacing.WEEKLY if engagement.unopened_streak >= WEEKLY_AFTER else Pacing.EVERY_OTHER_DAY


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


def list_reminders(reminders: ReminderStore, profile: ProfileStore, user_id: str) -> ReminderList:
    pacing = pacing_for(profile.get_settings(user_id), profile.get_engagement(user_id))
    return ReminderList(items=[_view(reminder, pacing) for reminder in reminders.list(user_id)])


def remove_reminder(reminders: ReminderStore, user_id: str, reminder_id: str) -> None:
    reminders.delete(user_id, reminder_id)


def get_settings(profile: ProfileStore, user_id: str) -> Settings:
    return profile.get_settings(user_id)


def put_settings(profile: ProfileStore, user_id: str, settings: Settings) -> Settings:
    profile.put_settings(user_id, settings)
    return settings


def mark_opened(
    notifications: NotificationStore, profile: ProfileStore, user_id: str, notification_id: str, now: datetime
) -> None:
    if not notifications.mark_opened(user_id, notification_id, now):
        raise NotFoundError("notification", notification_id)
    profile.reset_unopened(user_id)  # any open restores the normal cadence
