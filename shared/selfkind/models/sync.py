"""The synced tables, as the WatermelonDB sync protocol carries them.

Each synced table is a pydantic model of its columns. Values are strict (no "3" for 3) so a client bug
is a 400 naming the column, not silently stored data. Unknown columns, `_status` and `_changed` are
ignored and never stored.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
)

from selfkind.models.erasure import ErasureEpoch
from selfkind.models.record_id import RecordId

# Bounds on each member of the union, so the JSON Schema carries them (on the union they would not).
Millis = Annotated[StrictInt, Field(ge=0, le=10**14)] | Annotated[StrictFloat, Field(ge=0, le=1e14)]
Seconds = Annotated[StrictInt, Field(ge=0, le=86_400)] | Annotated[StrictFloat, Field(ge=0, le=86_400)]
Feeling = Annotated[StrictInt, Field(ge=1, le=5)]

MAX_RECORDS_PER_PUSH = 1000
MAX_RECORD_BYTES = 64 * 1024
PULL_PAGE_BUDGET_BYTES = 3_500_000  # each page stays well below 4 MB (Lambda answers up to 6 MB)
TOMBSTONE_DAYS = 90


class _Columns(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class JournalEntryColumns(_Columns):
    kind: Annotated[StrictStr, Field(min_length=1, max_length=40)]
    title: Annotated[StrictStr, Field(max_length=300)] | None = None
    body: Annotated[StrictStr, Field(max_length=60_000)]
    mood: Feeling | None = None
    exercise_id: Annotated[StrictStr, Field(max_length=100)] | None = None
    # Schema version 2: the journaling prompt the entry answers (GET /v1/prompts), if any.
    prompt_id: Annotated[StrictStr, Field(max_length=100)] | None = None
    created_at: Millis
    updated_at: Millis


class AffirmationColumns(_Columns):
    text: Annotated[StrictStr, Field(min_length=1, max_length=1_000)]
    is_active: StrictBool
    created_at: Millis
    updated_at: Millis


class PracticeSessionColumns(_Columns):
    exercise_id: Annotated[StrictStr, Field(min_length=1, max_length=100)]
    started_at: Millis
    duration_s: Seconds
    feeling_before: Feeling | None = None
    feeling_after: Feeling | None = None
    note: Annotated[StrictStr, Field(max_length=10_000)] | None = None
    created_at: Millis
    updated_at: Millis


class CheckInColumns(_Columns):
    """A self-compassion check-in (schema version 2): the SCS-SF answers, one digit 1-5 per item in order."""

    instrument: Literal["scs-sf"]
    answers: Annotated[StrictStr, Field(pattern=r"^[1-5]{12}$", description="12 digits 1-5, in item order.")]
    taken_at: Millis


SYNCED_TABLES: dict[str, type[_Columns]] = {  # in pull order
    "journal_entries": JournalEntryColumns,
    "affirmations": AffirmationColumns,
    "practice_sessions": PracticeSessionColumns,
    "check_ins": CheckInColumns,
}
LATEST_SCHEMA_VERSION = 2
# Columns added after version 1, by table: stored only when set, so a version-1 record keeps the exact
# stored form it had (re-sending it is still no change); sent as null to clients that have them (to
# WatermelonDB an absent column means "keep yours"); and kept as stored when a push leaves them out (a
# version-1 client sends every column it knows, so absent means "this client lacks the column").
LATER_COLUMNS: dict[str, frozenset[str]] = {"journal_entries": frozenset({"prompt_id"})}
LATER_COLUMNS_SINCE = 2
# The tables a client of each schema version has: one on version 1 never receives check_ins.
TABLES_BY_SCHEMA_VERSION: dict[int, tuple[str, ...]] = {
    1: ("journal_entries", "affirmations", "practice_sessions"),
    2: ("journal_entries", "affirmations", "practice_sessions", "check_ins"),
}


def tables_for_schema(schema_version: int) -> tuple[str, ...]:
    """A client newer than the server gets every table the server has (it ignores none it knows)."""
    return TABLES_BY_SCHEMA_VERSION[min(schema_version, LATEST_SCHEMA_VERSION)]


class MigrationColumns(BaseModel):
    model_config = ConfigDict(extra="ignore")

    table: StrictStr
    columns: list[StrictStr]


class Migration(BaseModel):
    """WatermelonDB's `migration` pull parameter: what the client's schema gained since `from`."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: Annotated[StrictInt, Field(alias="from", ge=1)]
    tables: list[StrictStr] = []
    columns: list[MigrationColumns] = []

    def tables_to_resend(self) -> set[str]:
        return ({*self.tables} | {item.table for item in self.columns}) & SYNCED_TABLES.keys()


class JournalEntryRecord(JournalEntryColumns):
    id: RecordId


class AffirmationRecord(AffirmationColumns):
    id: RecordId


class PracticeSessionRecord(PracticeSessionColumns):
    id: RecordId


class CheckInRecord(CheckInColumns):
    id: RecordId


class JournalEntryChanges(BaseModel):
    created: list[JournalEntryRecord] = []
    updated: list[JournalEntryRecord] = []
    deleted: list[RecordId] = []


class AffirmationChanges(BaseModel):
    created: list[AffirmationRecord] = []
    updated: list[AffirmationRecord] = []
    deleted: list[RecordId] = []


class PracticeSessionChanges(BaseModel):
    created: list[PracticeSessionRecord] = []
    updated: list[PracticeSessionRecord] = []
    deleted: list[RecordId] = []


class CheckInChanges(BaseModel):
    created: list[CheckInRecord] = []
    updated: list[CheckInRecord] = []
    deleted: list[RecordId] = []


class PushChanges(BaseModel):
    """The pushed changes of each synced table; a table the API does not sync is a 400 listing those it does."""

    model_config = ConfigDict(extra="forbid")

    journal_entries: JournalEntryChanges | None = None
    affirmations: AffirmationChanges | None = None
    practice_sessions: PracticeSessionChanges | None = None
    check_ins: CheckInChanges | None = None


class PushBody(BaseModel):
    """A WatermelonDB push: the one validator of a push body (records are the tables' models, strict)."""

    changes: PushChanges


class PushResult(BaseModel):
    """An empty object once every change is applied."""


class PullChanges(BaseModel):
    journal_entries: JournalEntryChanges
    affirmations: AffirmationChanges
    practice_sessions: PracticeSessionChanges
    check_ins: CheckInChanges | None = Field(default=None, description="From schema_version 2 on.")


class SyncPullResponse(BaseModel):
    changes: PullChanges
    timestamp: int = Field(description="Pass it back as last_pulled_at; always positive.")
    has_more: bool = Field(description="True when the page was cut for size: pull again from timestamp.")
    experimentalStrategy: str | None = Field(
        default=None, description="`replacement` when the client must replace its data with this set."
    )


class RecordChange(BaseModel):
    """One validated record of a push: its columns as JSON (with id), or a deletion."""

    model_config = ConfigDict(frozen=True)

    table: str
    record_id: str
    data: str | None  # None: deleted
    # Later columns (LATER_COLUMNS) the pushed record left out: they keep their stored values.
    absent_columns: frozenset[str] = frozenset()

    @property
    def deleted(self) -> bool:
        return self.data is None


class StoredRecord(BaseModel):
    """A record as the store holds it: a live record or a tombstone."""

    model_config = ConfigDict(frozen=True)

    table: str
    record_id: str
    seq: int
    created_seq: int
    created_base: int  # the last_pulled_at of the push that created it
    data: str | None  # None: tombstone
    # What it added to the insights rollups, as selfkind.domain.rollups wrote it; None: nothing (or a
    # record stored before rollups existed).
    rollup: str | None = None

    @property
    def deleted(self) -> bool:
        return self.data is None


@dataclass(frozen=True)
class SyncedColumns:
    """A live record's columns, parsed from the stored JSON: what the domain reads of a user's writing."""

    table: str
    record_id: str
    columns: dict[str, Any]


def columns_of(records: Iterable[StoredRecord]) -> Iterator[SyncedColumns]:
    """The live records' columns. Every stored record is a JSON object (pushes are validated); one that is
    not (corrupt) is left out rather than failing whoever reads the rest."""
    for record in records:
        if record.data is None:
            continue
        try:
            columns = json.loads(record.data)
        except ValueError:
            continue
        if isinstance(columns, dict):
            yield SyncedColumns(record.table, record.record_id, columns)


class SyncHead(BaseModel):
    """The user's committed sequence and, per day, the last sequence written (to age tombstones); and the
    erasure epoch, which lives on the same item."""

    model_config = ConfigDict(frozen=True)

    seq: int
    exists: bool
    day_seqs: dict[str, int] = {}
    epoch: ErasureEpoch = ErasureEpoch()
    timezone: str = "UTC"  # the zone new records are rolled up in (selfkind.domain.rollups)
