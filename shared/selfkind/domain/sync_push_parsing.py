"""Turning a push body into validated record changes, or a 400/413 naming table, record and column."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError

from selfkind.models.exceptions import InputIssue, InvalidInputError, PayloadTooLargeError
from selfkind.models.sync import (
    MAX_PUSH_BODY_BYTES,
    MAX_RECORD_BYTES,
    MAX_RECORDS_PER_PUSH,
    SYNCED_TABLES,
    RecordChange,
    RecordId,
)

_MAX_ISSUES = 20
_record_id = TypeAdapter(RecordId)


def canonical_record_json(record_id: str, columns: dict[str, Any]) -> str:
    """The one serialization of a record: equal content gives equal strings (used to spot re-sends)."""
    return json.dumps({"id": record_id, **columns}, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _issue(field: str, message: str) -> InputIssue:
    return InputIssue(location="body", field=field, message=message)


def _valid_id(value: Any) -> bool:
    try:
        _record_id.validate_python(value, strict=True)
    except ValidationError:
        return False
    return True


def _parse_record(table: str, kind: str, index: int, record: Any, issues: list[InputIssue]) -> RecordChange | None:
    where = f"changes.{table}.{kind}[{index}]"
    if not isinstance(record, dict):
        issues.append(_issue(where, "must be an object"))
        return None
    record_id = record.get("id")
    if not _valid_id(record_id):
        issues.append(_issue(f"{where}.id", "is missing or not an id (1-64 of A-Z a-z 0-9 _ -)"))
        return None
    where = f"changes.{table}.{kind}[{record_id}]"
    if len(json.dumps(record, ensure_ascii=False).encode()) > MAX_RECORD_BYTES:
        raise PayloadTooLargeError(f"Record {table}/{record_id} is over {MAX_RECORD_BYTES // 1024} KB.")
    try:
        columns = SYNCED_TABLES[table].model_validate(record)
    except ValidationError as error:
        for item in error.errors(include_input=False, include_url=False):
            column = ".".join(str(part) for part in item["loc"])
            issues.append(_issue(f"{where}.{column}", item["msg"]))
        return None
    record_id = str(record_id)
    return RecordChange(table=table, record_id=record_id, data=canonical_record_json(record_id, columns.model_dump()))


def _parse_table(table: str, changes: Any, issues: list[InputIssue]) -> list[RecordChange]:
    if not isinstance(changes, dict):
        issues.append(_issue(f"changes.{table}", "must be an object with created, updated and deleted"))
        return []
    parsed: list[RecordChange] = []
    for kind in ("created", "updated"):
        records = changes.get(kind, [])
        if not isinstance(records, list):
            issues.append(_issue(f"changes.{table}.{kind}", "must be a list"))
            continue
        for index, record in enumerate(records):
            change = _parse_record(table, kind, index, record, issues)
            if change:
                parsed.append(change)
    deleted = changes.get("deleted", [])
    if not isinstance(deleted, list):
        issues.append(_issue(f"changes.{table}.deleted", "must be a list of ids"))
        return parsed
    for index, record_id in enumerate(deleted):
        if _valid_id(record_id):
            parsed.append(RecordChange(table=table, record_id=record_id, data=None))
        else:
            issues.append(_issue(f"changes.{table}.deleted[{index}]", "is not an id"))
    return parsed


def _count(changes: dict[str, Any]) -> int:
    return sum(
        len(value)
        for table_changes in changes.values()
        if isinstance(table_changes, dict)
        for value in table_changes.values()
        if isinstance(value, list)
    )


def parse_push(body: str | None) -> list[RecordChange]:
    """All of a push's changes, validated; nothing is returned (so nothing written) if any is wrong.

    Within a table, a record appearing more than once keeps its last change (created, updated, deleted).
    """
    if body is not None and len(body.encode()) > MAX_PUSH_BODY_BYTES:
        raise PayloadTooLargeError(f"The body is over {MAX_PUSH_BODY_BYTES // (1024 * 1024)} MB.")
    try:
        document = json.loads(body or "")
    except json.JSONDecodeError as error:
        raise InvalidInputError.single("body", "", "is not valid JSON") from error
    changes = document.get("changes") if isinstance(document, dict) else None
    if not isinstance(changes, dict):
        raise InvalidInputError.single("body", "changes", "is required: an object keyed by table")
    unknown = [table for table in changes if table not in SYNCED_TABLES]
    if unknown:
        raise InvalidInputError([_issue(f"changes.{table}", "is not a synced table") for table in unknown])
    if _count(changes) > MAX_RECORDS_PER_PUSH:
        raise PayloadTooLargeError(f"A push holds at most {MAX_RECORDS_PER_PUSH} records; send the rest next.")
    issues: list[InputIssue] = []
    parsed = [
        change for table, table_changes in changes.items() for change in _parse_table(table, table_changes, issues)
    ]
    if issues:
        raise InvalidInputError(issues[:_MAX_ISSUES])
    last_change = {(change.table, change.record_id): change for change in parsed}
    return list(last_change.values())
