"""FCM v1 request validation: the official discovery document's schema, as Google's JSON parser reads
it, and FCM's own rules beyond it (exactly one target, no reserved data keys)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from datetime import datetime
from importlib.resources import files
from typing import Any, Final

from devstack.fcm.answers import Violation

_DURATION: Final = re.compile(r"-?\d+(\.\d{1,9})?s")
_TIMESTAMP: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")
_INTEGER: Final = re.compile(r"-?\d+")
_INTEGER_RANGES: Final = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
_TARGETS: Final = ("token", "topic", "condition", "fid")


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@functools.cache
def fcm_discovery_document() -> dict[str, Any]:
    """The FCM v1 discovery document google-api-python-client ships (read in place, never copied)."""
    path = files("googleapiclient") / "discovery_cache" / "documents" / "fcm.v1.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


class SchemaValidator:
    """Checks a JSON value against a discovery-document schema the way Google's JSON parser does."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._schemas: dict[str, dict[str, Any]] = dict(document["schemas"])
        # proto3 JSON accepts each field under its lowerCamel name and its proto (snake_case) name;
        # firebase-admin sends mostly the latter (e.g. "collapse_key", "validate_only").
        self._names: dict[str, dict[str, str]] = {
            schema_name: {
                alias: field for field in schema.get("properties", {}) for alias in (field, _snake_case(field))
            }
            for schema_name, schema in self._schemas.items()
        }

    def validate(self, value: Any, schema_name: str) -> tuple[Any, list[Violation]]:
        """The value with fields under their lowerCamel names, and every violation found."""
        violations: list[Violation] = []
        normalized = self._value(value, {"$ref": schema_name}, "", "", violations)
        return normalized, violations

    def _value(self, value: Any, schema: Mapping[str, Any], path: str, name: str, out: list[Violation]) -> Any:
        if "$ref" in schema:
            return self._message(value, schema["$ref"], path, name, out)
        kind = schema.get("type")
        if kind == "any":
            return value
        if kind == "array":
            if not isinstance(value, list):
                out.append((path, f"Invalid value at '{path}' (repeated), {_literal(value)}"))
                return value
            return [self._value(item, schema["items"], f"{path}[{i}]", name, out) for i, item in enumerate(value)]
        if kind == "object":
            if "additionalProperties" in schema:
                return self._map(value, schema["additionalProperties"], path, name, out)
            if not isinstance(value, dict):
                out.append((path, f"Invalid value at '{path}' (type.googleapis.com/google.protobuf.Struct)"))
            return value
        if isinstance(value, list):
            out.append((path, self._not_repeating(path, name)))
            return value
        problem = self._scalar_problem(value, schema)
        if problem:
            out.append((path, f"Invalid value at '{path}' ({problem}), {_literal(value)}"))
        return value

    def _message(self, value: Any, schema_name: str, path: str, name: str, out: list[Violation]) -> Any:
        if isinstance(value, list):
            out.append((path, self._not_repeating(path, name)))
            return value
        if not isinstance(value, dict):
            type_url = f"type.googleapis.com/google.firebase.fcm.v1.{schema_name}"
            out.append((path, f"Invalid value at '{path}' ({type_url}), {_literal(value)}"))
            return value
        properties = self._schemas[schema_name].get("properties", {})
        names = self._names[schema_name]
        normalized: dict[str, Any] = {}
        for key, item in value.items():
            field = names.get(key)
            if field is None:
                where = f" at '{path}'" if path else ""
                out.append(
                    (
                        path or None,
                        f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.',
                    )
                )
            elif item is not None:  # proto3 JSON: null means "not set"
                normalized[field] = self._value(item, properties[field], _join(path, key), key, out)
        return normalized

    def _map(self, value: Any, values: Mapping[str, Any], path: str, name: str, out: list[Violation]) -> Any:
        if isinstance(value, list):
            out.append((path, self._not_repeating(path, name)))
            return value
        if not isinstance(value, dict):
            out.append((path, f"Invalid value at '{path}' (map), {_literal(value)}"))
            return value
        return {
            key: self._value(item, values, f"{path}[{i}].value", name, out)
            for i, (key, item) in enumerate(value.items())
        }

    @staticmethod
    def _not_repeating(path: str, name: str) -> str:
        parent = path.rpartition(".")[0]
        where = f" at '{parent}'" if parent else ""
        return (
            f'Invalid JSON payload received. Unknown name "{name}"{where}: '
            "Proto field is not repeating, cannot start list."
        )

    @staticmethod
    def _scalar_problem(value: Any, schema: Mapping[str, Any]) -> str | None:
        """The type Google would name in the error, or None when the value parses."""
        kind, fmt = schema.get("type"), schema.get("format")
        if kind == "boolean":
            return None if isinstance(value, bool) else "TYPE_BOOL"
        if kind == "integer":
            low, high = _INTEGER_RANGES.get(fmt or "int32", _INTEGER_RANGES["int64"])
            number: int | None = None
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif isinstance(value, float) and value.is_integer():
                number = int(value)
            elif isinstance(value, str) and _INTEGER.fullmatch(value):
                number = int(value)  # 64-bit integers travel as strings in proto3 JSON
            ok = number is not None and low <= number <= high
            return None if ok else f"TYPE_{(fmt or 'int64').upper()}"
        if kind == "number":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return None
            if isinstance(value, str):
                try:
                    float(value)
                except ValueError:
                    pass
                else:
                    return None
            return f"TYPE_{(fmt or 'double').upper()}"
        text = value if isinstance(value, str) else None
        if "enum" in schema:
            # Google's parser takes enum names in any case: firebase-admin sends android priority "high".
            return None if text is not None and text.upper() in schema["enum"] else "TYPE_ENUM"
        if fmt == "google-duration":
            ok = text is not None and _DURATION.fullmatch(text) is not None
            return None if ok else "type.googleapis.com/google.protobuf.Duration"
        if fmt == "google-datetime":
            ok = text is not None and _is_timestamp(text)
            return None if ok else "type.googleapis.com/google.protobuf.Timestamp"
        return None if text is not None else "TYPE_STRING"


def _is_timestamp(value: str) -> bool:
    if not _TIMESTAMP.fullmatch(value):
        return False
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")  # only the calendar is checked: no zone needed
    except ValueError:
        return False
    return True


def fcm_rule_violations(message: Mapping[str, Any]) -> list[Violation]:
    """FCM's checks beyond the schema: exactly one target, no reserved data keys."""
    targets = [target for target in _TARGETS if target in message]
    if not targets:
        return [("message", "Recipient of the message is not set.")]
    if len(targets) > 1:
        return [
            (
                "message",
                f"Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set '{targets[1]}'",
            )
        ]
    violations: list[Violation] = []
    for where, data in (
        ("message.data", message.get("data")),
        ("message.android.data", _android_data(message)),
    ):
        for key in data or {}:
            if key == "from" or key.startswith(("google.", "gcm.")):
                violations.append((where, f'Invalid data payload key "{key}": it is a reserved word.'))
    return violations


def _android_data(message: Mapping[str, Any]) -> Mapping[str, Any] | None:
    android = message.get("android")
    return android.get("data") if isinstance(android, dict) else None
