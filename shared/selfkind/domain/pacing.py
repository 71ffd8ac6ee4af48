"""Gentle pacing: reminders thin out while a person leaves them unopened, and come back to their
normal cadence as soon as the person is back (opens a notification, or syncs: selfkind.domain.presence)."""

from __future__ import annotations

from selfkind.models.reminders import Engagement, Pacing, Settings

EVERY_OTHER_DAY_AFTER = 3  # unopened notifications in a row
WEEKLY_AFTER = 7


def pacing_for(settings: Settings, engagement: Engagement) -> Pacing:
    if not settings.gentle_pacing or engagement.unopened_streak < EVERY_OTHER_DAY_AFTER:
        return Pacing.NORMAL
    return Pacing.WEEKLY if engagement.unopened_streak >= WEEKLY_AFTER else Pacing.EVERY_OTHER_DAY
