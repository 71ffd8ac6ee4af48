"""A pull, as the WatermelonDB sync protocol carries it: the query's parameters in, a page out, with
the records spliced in as the stored JSON strings (never re-parsed)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError

from selfkind.models.exceptions import InvalidInputError
from selfkind.models.sync import LATER_COLUMNS, LATER_COLUMNS_SINCE, LATEST_SCHEMA_VERSION, Migration, tables_for_schema


class PullRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    last_pulled_at: int | None
    schema_version: int
    migration: Migration | None = None


class PullPage(BaseModel):
    """What a pull returns, with the records as raw JSON strings (spliced, never re-parsed)."""

    created: dict[str, list[str]]
    updated: dict[str, list[str]]
    deleted: dict[str, list[str]]
    timestamp: int
    has_more: bool
    replacement: bool
    schema_version: int = LATEST_SCHEMA_VERSION

    @property
    def tables(self) -> tuple[str, ...]:
        return tables_for_schema(self.schema_version)

    def to_json(self) -> str:
        tables = []
        complete = _with_later_columns if self.schema_version >= LATER_COLUMNS_SINCE else _as_stored
        for table in self.tables:
            created = ",".join(complete(table, data) for data in self.created.get(table, []))
            updated = ",".join(complete(table, data) for data in self.updated.get(table, []))
            deleted = ",".join(_json_string(record_id) for record_id in self.deleted.get(table, []))
            tables.append(f'"{table}":{{"created":[{created}],"updated":[{updated}],"deleted":[{deleted}]}}')
        strategy = ',"experimentalStrategy":"replacement"' if self.replacement else ""
        more = "true" if self.has_more else "false"
        return f'{{"changes":{{{",".join(tables)}}},"timestamp":{self.timestamp},"has_more":{more}{strategy}}}'


def _as_stored(_table: str, data: str) -> str:
    return data


def _with_later_columns(table: str, data: str) -> str:
    """The record with each later column it lacks as null. Spliced into the stored JSON (an object, keys
    sorted): inside a JSON string a quote is always escaped, so `"name":` only ever matches a key."""
    missing = [name for name in sorted(LATER_COLUMNS.get(table, ())) if f'"{name}":' not in data]
    if not missing:
        return data
    return data[:-1] + "".join(f',"{name}":null' for name in missing) + "}"


def _json_string(value: str) -> str:
    # Record ids match RecordId's pattern, so they need no escaping.
    return f'"{value}"'


def parse_pull_query(
    user_id: str, last_pulled_at: str | None, schema_version: int, migration: str | None
) -> PullRequest:
    """The pull's query parameters; `last_pulled_at` may be absent or the string `null` on a first sync."""
    last: int | None = None
    if last_pulled_at not in (None, "", "null"):
        try:
            last = int(last_pulled_at or 0)
        except ValueError:
            last = -1
        if last < 0:
            raise InvalidInputError.single("query", "last_pulled_at", "must be a non-negative integer or null")
    parsed_migration = None
    if migration not in (None, "", "null"):
        try:
            parsed_migration = Migration.model_validate_json(migration or "")
        except ValidationError as error:
            raise InvalidInputError.single("query", "migration", "must be WatermelonDB's migration JSON") from error
    return PullRequest(user_id=user_id, last_pulled_at=last, schema_version=schema_version, migration=parsed_migration)
