"""Which practices fit the hour: the one rule reminders and suggestions share."""

from __future__ import annotations

from datetime import time

from selfkind.models.catalog import SuitableTime

MORNING_STARTS, MORNING_ENDS = time(5, 0), time(12, 0)  # 05:00-11:59: morning or any
EVENING_STARTS, EVENING_ENDS = time(17, 0), time(5, 0)  # 17:00-04:59: evening or any


def suitable_times_at(local: time) -> frozenset[SuitableTime]:
    """05:00-11:59 morning or any; 17:00-04:59 evening or any; otherwise any."""
    if MORNING_STARTS <= local < MORNING_ENDS:
        return frozenset({SuitableTime.MORNING, SuitableTime.ANY})
    if local >= EVENING_STARTS or local < EVENING_ENDS:
        return frozenset({SuitableTime.EVENING, SuitableTime.ANY})
    return frozenset({SuitableTime.ANY})
