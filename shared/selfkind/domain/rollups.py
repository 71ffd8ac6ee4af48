"""Insights rollups: per user and local week, the sums that insights are read from.

Each synced record contributes to one week, the Monday-based week of its own time in the user's zone:
  practice_sessions (started_at)  per practice: sessions on each weekday, milliseconds practised, and
                                  the sum and count of feeling shifts (after - before, where both exist)
  journal_entries (created_at)    entries, and the sum and count of moods
  check_ins (taken_at)            the check-in itself (its time and answers), under its record id
  affirmations                    nothing

Practice sums also go to one all-time item (`ALL_TIME`), which practice reminders read to learn what
helps a person without reading their weeks.

A push moves each record's contribution from its stored version to its new one inside the push's own
transaction (sums by ADD, check-ins by SET and REMOVE), so at every committed sequence number the rollups
equal the sum of the live records' contributions: `rebuild` computes that from the records alone.

What a record added is stored with it (`Contribution.to_json`), so taking it away never depends on
anything that may have changed since: the user's zone (a change applies to records pushed from then on)
or the catalog (practice ids outside it are summed under `other`, which bounds a week's size).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from selfkind.models.sync import StoredRecord

OTHER_PRACTICE = "other"  # practice ids the catalog does not have are summed together
# The key of the all-time practice sums among the weeks (no week starts on it: date.min is a Monday, but
# no record's time is in year 1).
ALL_TIME = date.min
ENTRIES, MOOD_SUM, MOOD_N = "entries", "mood_sum", "mood_n"
WeekStart = date


def practice_counter(practice: str, name: str) -> str:
    """`d0`..`d6` sessions on Monday..Sunday, `ms` milliseconds, `ss`/`sn` feeling shift sum and count."""
    return f"x:{practice}:{name}"


def parse_practice_counter(name: str) -> tuple[str, str] | None:
    if not name.startswith("x:"):
        return None
    practice, _, counter = name[2:].rpartition(":")
    return practice, counter


@dataclass(frozen=True)
class Contribution:
    """What one record adds to its week."""

    week: WeekStart
    timezone: str
    counters: Mapping[str, int] = field(default_factory=dict)
    check_in: tuple[str, str] | None = None  # (record id, "<taken_at ms>:<answers>")

    def to_json(self) -> str:
        doc: dict[str, object] = {"w": self.week.isoformat(), "tz": self.timezone, "n": dict(self.counters)}
        if self.check_in:
            doc["c"] = list(self.check_in)
        return json.dumps(doc, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Contribution:
        doc = json.loads(text)
        check_in = doc.get("c")
        return cls(
            week=date.fromisoformat(doc["w"]),
            timezone=doc["tz"],
            counters={name: int(value) for name, value in doc["n"].items()},
            check_in=(str(check_in[0]), str(check_in[1])) if check_in else None,
        )


@dataclass
class WeekChange:
    """How one week's rollup item changes: sums added (negative to take away), check-ins set and removed."""

    add: dict[str, int] = field(default_factory=dict)
    put_check_ins: dict[str, str] = field(default_factory=dict)
    remove_check_ins: set[str] = field(default_factory=set)

    def is_empty(self) -> bool:
        return not any(self.add.values()) and not self.put_check_ins and not self.remove_check_ins


@dataclass
class WeekRollup:
    """One week's sums and check-ins, as stored."""

    counters: dict[str, int] = field(default_factory=dict)
    check_ins: dict[str, str] = field(default_factory=dict)

    def normalized(self) -> WeekRollup:
        return WeekRollup({k: v for k, v in self.counters.items() if v}, dict(self.check_ins))


RollupChange = dict[WeekStart, WeekChange]
Rollups = dict[WeekStart, WeekRollup]


def week_start(moment_ms: float, timezone: str) -> tuple[WeekStart, int]:
    """The Monday of the local week of an instant, and its weekday (0 Monday .. 6 Sunday)."""
    local = datetime.fromtimestamp(moment_ms / 1000, ZoneInfo(timezone)).date()
    return local - timedelta(days=local.weekday()), local.weekday()


def practice_key(exercise_id: str) -> str:
    # Imported here, not above: the content package loads every content model, which the sync function's
    # cold start should not pay for before a push that holds a practice session.
    from selfkind.content.catalog import exercise_ids

    return exercise_id if exercise_id in exercise_ids() else OTHER_PRACTICE


def contribution(table: str, data: str | None, timezone: str) -> Contribution | None:
    """What a record's columns add to the rollups (None for a deletion, or a table insights do not read)."""
    if data is None or table not in _READERS:
        return None
    return _READERS[table](json.loads(data), timezone)


def _practice_session(columns: dict[str, object], timezone: str) -> Contribution:
    week, weekday = week_start(_number(columns["started_at"]), timezone)
    practice = practice_key(str(columns["exercise_id"]))
    counters = {
        practice_counter(practice, f"d{weekday}"): 1,
        practice_counter(practice, "ms"): round(_number(columns["duration_s"]) * 1000),
    }
    before, after = columns.get("feeling_before"), columns.get("feeling_after")
    if isinstance(before, int) and isinstance(after, int):
        counters[practice_counter(practice, "ss")] = after - before
        counters[practice_counter(practice, "sn")] = 1
    return Contribution(week, timezone, counters)


def _journal_entry(columns: dict[str, object], timezone: str) -> Contribution:
    week, _ = week_start(_number(columns["created_at"]), timezone)
    counters = {ENTRIES: 1}
    mood = columns.get("mood")
    if isinstance(mood, int):
        counters |= {MOOD_SUM: mood, MOOD_N: 1}
    return Contribution(week, timezone, counters)


def _check_in(columns: dict[str, object], timezone: str) -> Contribution:
    taken_at = _number(columns["taken_at"])
    week, _ = week_start(taken_at, timezone)
    return Contribution(week, timezone, {}, (str(columns["id"]), f"{int(taken_at)}:{columns['answers']}"))


def _number(value: object) -> float:
    if not isinstance(value, int | float):
        raise TypeError("a validated record holds numbers here")
    return value


_READERS = {
    "practice_sessions": _practice_session,
    "journal_entries": _journal_entry,
    "check_ins": _check_in,
}


def stored_contribution(record: StoredRecord | None) -> Contribution | None:
    """What a stored version added (nothing for a tombstone, or a record from before rollups)."""
    if record is None or record.rollup is None:
        return None
    return Contribution.from_json(record.rollup)


def add_contribution(change: RollupChange, part: Contribution | None, sign: int) -> None:
    """Adds (sign 1) or takes away (sign -1) one record's contribution; taking away comes first."""
    if part is None:
        return
    week = change.setdefault(part.week, WeekChange())
    for name, value in part.counters.items():
        week.add[name] = week.add.get(name, 0) + sign * value
    practice = {name: value for name, value in part.counters.items() if name.startswith("x:")}
    if practice:
        all_time = change.setdefault(ALL_TIME, WeekChange())
        for name, value in practice.items():
            all_time.add[name] = all_time.add.get(name, 0) + sign * value
    if part.check_in:
        record_id, stored = part.check_in
        if sign > 0:
            week.remove_check_ins.discard(record_id)
            week.put_check_ins[record_id] = stored
        else:
            week.remove_check_ins.add(record_id)


def without_empty(change: RollupChange) -> RollupChange:
    for week in change.values():
        week.add = {name: value for name, value in week.add.items() if value}
    return {week: item for week, item in change.items() if not item.is_empty()}


def weeks_touched(old: StoredRecord | None, new: Contribution | None) -> set[WeekStart]:
    """The rollup items a change of this record writes: its weeks, and the all-time sums for a practice."""
    parts = [part for part in (stored_contribution(old), new) if part is not None]
    touched = {part.week for part in parts}
    if any(name.startswith("x:") for part in parts for name in part.counters):
        touched.add(ALL_TIME)
    return touched


def apply(rollups: Rollups, change: RollupChange) -> None:
    """Applies a change as DynamoDB does (ADD, SET, REMOVE): the in-memory stores and the proofs use it."""
    for week, item in change.items():
        current = rollups.setdefault(week, WeekRollup())
        for name, value in item.add.items():
            current.counters[name] = current.counters.get(name, 0) + value
        for record_id in item.remove_check_ins:
            current.check_ins.pop(record_id, None)
        current.check_ins.update(item.put_check_ins)


def normalized(rollups: Mapping[WeekStart, WeekRollup]) -> Rollups:
    """Zero sums and empty weeks dropped: two rollups that read the same compare equal."""
    result = {week: item.normalized() for week, item in rollups.items()}
    return {week: item for week, item in result.items() if item.counters or item.check_ins}


def rebuild(records: Iterable[StoredRecord]) -> Rollups:
    """The rollups recomputed from the records alone: each live record's columns, in the zone it was
    rolled up in (records stored before rollups existed were never rolled up, and count nothing)."""
    rollups: Rollups = {}
    for record in records:
        stored = stored_contribution(record)
        if record.deleted or stored is None:
            continue
        change: RollupChange = {}
        add_contribution(change, contribution(record.table, record.data, stored.timezone), 1)
        apply(rollups, change)
    return normalized(rollups)
