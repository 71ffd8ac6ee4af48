"""Devices, reminders, settings and notification records: requests, responses and stored forms."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from enum import StrEnum
from functools import cache
from typing import Annotated, Literal
from zoneinfo import available_timezones

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
)

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ResourceId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]
DEVICE_STALE_DAYS = 270  # a device not refreshed for this long is neither targeted nor kept
MAX_DEVICES_PER_USER = 10  # registering another evicts the oldest; a reminder's record stays small
DEFAULT_MAX_PER_DAY = 3


class Platform(StrEnum):
    IOS = "ios"
    ANDROID = "android"
    WEB = "web"


class ReminderKind(StrEnum):
    AFFIRMATION = "affirmation"
    PRACTICE = "practice"
    CHECK_IN = "check_in"  # the SCS-SF check-in, every CHECK_IN_EVERY_WEEKS weeks on one chosen day


CHECK_IN_EVERY_WEEKS = 4


class NotificationPreview(StrEnum):
    """How much of a reminder shows on the lock screen."""

    FULL = "full"  # the affirmation or practice, whoever wrote it
    OWN_HIDDEN = "own_hidden"  # catalog texts shown; the user's own words only once the app is open
    DISCREET = "discreet"  # a generic title and body: no affirmation or practice text at all


class Pacing(StrEnum):
    NORMAL = "normal"
    EVERY_OTHER_DAY = "every_other_day"
    WEEKLY = "weekly"


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _known_zone(name: str) -> str:
    if name not in _zones():
        raise ValueError("is not a known IANA time zone")
    return name


_CLOCK = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", re.ASCII)


def _clock(value: str) -> str:
    if not _CLOCK.match(value):
        raise ValueError("must be a 24-hour time HH:MM")
    return value


TimeZoneName = Annotated[str, Field(max_length=64), AfterValidator(_known_zone)]
ClockTime = Annotated[
    str,
    Field(min_length=5, max_length=5, examples=["08:30"], json_schema_extra={"pattern": _CLOCK.pattern}),
    AfterValidator(_clock),
]
Weekday = Annotated[str, Field(pattern="^(" + "|".join(WEEKDAYS) + ")$")]
Locale = Annotated[str, Field(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")]


def _text_only(value: object) -> object:
    """A date-time arrives as ISO 8601 text with its offset, never as a number of seconds."""
    if isinstance(value, int | float):
        raise ValueError("must be an ISO 8601 date-time with its offset, as text")
    return value


def clock_to_time(value: str) -> time:
    return time(int(value[:2]), int(value[3:]))


# --- devices ---


class DeviceRegistration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    platform: Platform
    token: Annotated[str, Field(min_length=8, max_length=4096)] | None = None
    fid: Annotated[str, Field(min_length=8, max_length=256)] | None = None
    timezone: TimeZoneName
    locale: Locale
    app_version: Annotated[str, Field(min_length=1, max_length=40)]


class Device(BaseModel):
    """A registered device as the API shows it: never the push token or FID themselves."""

    device_id: str
    platform: Platform
    timezone: str
    locale: str
    app_version: str
    has_token: bool
    has_fid: bool
    refreshed_at: datetime


class StoredDevice(BaseModel):
    device_id: str
    platform: Platform
    token: str | None
    fid: str | None
    timezone: str
    locale: str
    app_version: str
    refreshed_at: datetime

    def public(self) -> Device:
        return Device(
            device_id=self.device_id,
            platform=self.platform,
            timezone=self.timezone,
            locale=self.locale,
            app_version=self.app_version,
            has_token=bool(self.token),
            has_fid=bool(self.fid),
            refreshed_at=self.refreshed_at,
        )


class DeviceList(BaseModel):
    items: list[Device]


# --- reminders ---


class ReminderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: ReminderKind
    local_time: ClockTime
    days: Annotated[
        list[Weekday],
        Field(min_length=1, max_length=7, description="For a check_in reminder, exactly one: it fires every 4 weeks."),
    ] = list(WEEKDAYS)
    timezone: TimeZoneName | None = None
    enabled: StrictBool = True

    @field_validator("days")
    @classmethod
    def _one_day_for_a_check_in(cls, days: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("kind") is ReminderKind.CHECK_IN and len(set(days)) != 1:
            raise ValueError("a check_in reminder fires on exactly one day")
        return days


class _ReminderSchedule(BaseModel):
    reminder_id: str
    kind: ReminderKind
    local_time: str
    days: list[str]
    timezone: str
    enabled: bool
    next_fire_at: datetime | None = Field(default=None, description="The next time it fires, UTC; null while disabled.")


class StoredReminder(_ReminderSchedule):
    created_at: datetime
    last_sent_at: datetime | None = None
    # Every how many weeks it fires, counted in local weeks from the anchor's (the local date it first
    # fired or will first fire); a reminder stored before check-ins fires every week.
    every_weeks: int = 1
    anchor: date | None = None


class Reminder(_ReminderSchedule):
    """A reminder as the API shows it, with the pacing gentle pacing gives it now."""

    pacing: Pacing


class ReminderList(BaseModel):
    items: list[Reminder]


# --- settings ---


class QuietHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: ClockTime
    end: ClockTime


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    quiet_hours: QuietHours | None = None
    max_per_day: Annotated[StrictInt, Field(ge=1, le=24)] = DEFAULT_MAX_PER_DAY
    paused_until: Annotated[AwareDatetime, BeforeValidator(_text_only)] | None = None
    gentle_pacing: StrictBool = True
    notification_preview: NotificationPreview = NotificationPreview.OWN_HIDDEN
    timezone: Annotated[
        TimeZoneName | None,
        Field(description="IANA zone insights count days in; null: the first registered device's, else UTC."),
    ] = None


class Engagement(BaseModel):
    """How the user has been responding: what gentle pacing and content rotation read."""

    unopened_streak: int = 0
    recent_affirmations: list[str] = []  # newest last
    recent_affirmation_sources: list[str] = []  # "own" / "catalog", newest last
    recent_exercises: list[str] = []
    last_category: str | None = None
    # When each reminder last went out. Kept here, not on the reminder item, so a send never rewrites
    # the reminder's entry in the `due` index (whose partitions the tick's writes already load).
    last_sent: dict[str, datetime] = {}


# --- dispatch ---


class ScheduledTick(BaseModel):
    """The schedule's input: EventBridge Scheduler fills in <aws.scheduler.scheduled-time>."""

    scheduled_time: AwareDatetime


class ShardWork(BaseModel):
    """One worker's part of a tick: the reminders of one shard of the `due` index, due by the time."""

    model_config = ConfigDict(extra="forbid")

    scheduled_time: AwareDatetime
    shard: Annotated[StrictInt, Field(ge=0)]
    shards: Annotated[StrictInt, Field(ge=1)]


# --- notifications ---


class NotificationStatus(StrEnum):
    SENDING = "sending"  # claimed under a lease: another attempt may take over once it has expired
    RETRY = "retry"  # some device failed transiently: the next attempt resumes with the others
    SENT = "sent"  # at least one device has it (final)
    FAILED = "failed"  # no device could take it, and retrying would not help (final)


class NotificationRecord(BaseModel):
    notification_id: str
    reminder_id: str
    kind: ReminderKind
    occurrence: datetime
    status: str
    sent_at: datetime | None = None
    opened_at: datetime | None = None
    affirmation_id: str | None = None
    # Whose words the affirmation was: "own" (one of the user's) or "catalog"; None in records written
    # before it was kept (selfkind.domain.notifications reads those by the id).
    affirmation_source: Literal["own", "catalog"] | None = None
    exercise_id: str | None = None
    delivered: list[str] = Field(default=[], description="The devices that have it.")
