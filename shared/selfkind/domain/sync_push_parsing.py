"""Turning a validated push body into record changes, within the push's limits (413 past them)."""

from __future__ import annotations

import json
from typing import Any

from selfkind.models.exceptions import PayloadTooLargeError
from selfkind.models.sync import (
    LATER_COLUMNS,
    MAX_RECORD_BYTES,
    MAX_RECORDS_PER_PUSH,
    SYNCED_TABLES,
    PushBody,
    RecordChange,
)


def canonical_record_json(record_id: str, columns: dict[str, Any]) -> str:
    """The one serialization of a record: equal content gives equal strings (used to spot re-sends)."""
    return json.dumps({"id": record_id, **columns}, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def record_changes(body: PushBody) -> list[RecordChange]:
    """Every change of a push (validated by PushBody), as stored; nothing when any is over a limit.

    Within a table, a record appearing more than once keeps its last change (created, updated, deleted).
    """
    tables = [(table, changes) for table in SYNCED_TABLES if (changes := getattr(body.changes, table)) is not None]
    if sum(len(c.created) + len(c.updated) + len(c.deleted) for _, c in tables) > MAX_RECORDS_PER_PUSH:
        raise PayloadTooLargeError(f"A push holds at most {MAX_RECORDS_PER_PUSH} records; send the rest next.")
    parsed: list[RecordChange] = []
    for table, table_changes in tables:
        for record in [*table_changes.created, *table_changes.updated]:
            later = LATER_COLUMNS.get(table, frozenset())
            columns = record.model_dump(exclude={"id"})
            data = canonical_record_json(
                record.id, {k: v for k, v in columns.items() if v is not None or k not in later}
            )
            if len(data.encode()) > MAX_RECORD_BYTES:
                raise PayloadTooLargeError(f"A record is over {MAX_RECORD_BYTES // 1024} KB (in {table}).")
            absent = later - record.model_fields_set
            parsed.append(RecordChange(table=table, record_id=record.id, data=data, absent_columns=absent))
        parsed += [RecordChange(table=table, record_id=record_id, data=None) for record_id in table_changes.deleted]
    last_change = {(change.table, change.record_id): change for change in parsed}
    return list(last_change.values())
