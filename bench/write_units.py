"""Counts the DynamoDB write request units a client's requests would consume, from the requests it actually
makes (against moto, which keeps no capacity accounts), by DynamoDB's published rules:

- an item's size is the sum of its attribute names' and values' sizes: strings their UTF-8 bytes, numbers
  1 byte per two significant digits plus 1, lists and maps 3 bytes plus 1 per element, booleans and nulls
  1 (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html);
- a standard write costs 1 unit per KB of the larger of the item before and after it; a transactional one
  2 per KB (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html);
- a secondary index the item is in (its key attributes present) costs 1 unit per KB of the index entry
  when the item changes, and a put and a delete (2 writes) when its key changes
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.Writes); this table's
  indexes all project every attribute, so an entry is the item;
- a transaction's ConditionCheck is counted as a transactional write of the checked item (2 per KB): an
  upper bound, as the docs do not price it separately;
- a read costs 1 read unit per 4 KB when strongly consistent, half when eventually consistent (a query's
  items summed before rounding) (the same pages).

The meter reads each written item before and after the request with a client of its own (not counted),
so it is for a benchmark's one measured pass, never for a timed one.
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import boto3

_KB = 1024
_READ_UNIT = 4 * _KB
_TRANSACTIONAL = 2


def attribute_size(value: dict[str, Any]) -> int:
    ((kind, content),) = value.items()
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        digits = Decimal(content).normalize().as_tuple().digits
        return math.ceil(len(digits) / 2) + 1
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(attribute_size(element) + 1 for element in content)
    if kind == "M":
        return 3 + sum(len(name.encode()) + attribute_size(element) + 1 for name, element in content.items())
    if kind in ("SS", "NS", "BS"):
        return sum(attribute_size({kind[0]: element}) for element in content)
    raise ValueError(f"unknown attribute type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + attribute_size(value) for name, value in item.items())


def _units(size: int) -> int:
    return max(1, math.ceil(size / _KB))


def _consistent(operation: str, params: dict[str, Any]) -> bool:
    if operation == "BatchGetItem":
        return all(request.get("ConsistentRead", False) for request in params["RequestItems"].values())
    return bool(params.get("ConsistentRead", False))


@dataclass(frozen=True)
class _Index:
    name: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class _Write:
    key: dict[str, Any]
    transactional: bool
    check_only: bool = False


class WriteUnitMeter:
    """Register on a client; `units` then holds the write units of its requests, by operation, and
    `index_units` those of the secondary indexes (their share of `units`). Requests are counted by
    bench.dynamodb_counter."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._reader = boto3.client("dynamodb", region_name=client.meta.region_name)
        description = self._reader.describe_table(TableName=table_name)["Table"]
        self._table_key = tuple(element["AttributeName"] for element in description["KeySchema"])
        self._indexes = [
            _Index(index["IndexName"], tuple(element["AttributeName"] for element in index["KeySchema"]))
            for index in description.get("GlobalSecondaryIndexes", []) + description.get("LocalSecondaryIndexes", [])
        ]
        self._table_name = table_name
        self.units: Counter[str] = Counter()
        self.index_units: Counter[str] = Counter()
        self.read_units: defaultdict[str, float] = defaultdict(float)
        self._before: dict[int, list[tuple[_Write, dict[str, Any] | None]]] = {}
        self._lock = threading.Lock()
        client.meta.events.register("before-parameter-build.dynamodb", self._before_call)
        client.meta.events.register("after-call.dynamodb", self._after_call)

    @property
    def total(self) -> int:
        return sum(self.units.values())

    def reset(self) -> None:
        self.units.clear()
        self.index_units.clear()
        self.read_units.clear()

    def _writes(self, operation: str, params: dict[str, Any]) -> list[_Write]:
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            key = params.get("Key") or {name: params["Item"][name] for name in self._table_key}
            return [_Write(key, transactional=False)]
        if operation == "TransactWriteItems":
            writes = []
            for action in params["TransactItems"]:
                ((kind, body),) = action.items()
                key = body.get("Key") or {name: body["Item"][name] for name in self._table_key}
                writes.append(_Write(key, transactional=True, check_only=kind == "ConditionCheck"))
            return writes
        if operation == "BatchWriteItem":
            writes = []
            for requests in params["RequestItems"].values():
                for request in requests:
                    if "PutRequest" in request:
                        item = request["PutRequest"]["Item"]
                        writes.append(_Write({name: item[name] for name in self._table_key}, transactional=False))
                    else:
                        writes.append(_Write(request["DeleteRequest"]["Key"], transactional=False))
            return writes
        return []

    def _image(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._reader.get_item(
            TableName=self._table_name, Key=key, ConsistentRead=True
        ).get("Item")
        return item

    def _before_call(self, model: Any, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if model.name in ("GetItem", "BatchGetItem", "Query", "Scan"):
            context["read_units_consistent"] = _consistent(model.name, params)
            return
        writes = self._writes(model.name, params)
        if not writes:
            return
        context["write_units_request"] = id(context)
        images = [(write, self._image(write.key)) for write in writes]
        with self._lock:
            self._before[id(context)] = images

    def _after_call(self, model: Any, context: dict[str, Any], parsed: dict[str, Any], **_: Any) -> None:
        if "read_units_consistent" in context:
            factor = 1.0 if context["read_units_consistent"] else 0.5
            if model.name == "GetItem":
                sizes = [item_size(parsed.get("Item"))] if parsed.get("Item") else []
                units = sum(factor * math.ceil(size / _READ_UNIT) for size in sizes)
            elif model.name == "BatchGetItem":
                items = [item for found in parsed.get("Responses", {}).values() for item in found]
                units = sum(factor * max(1, math.ceil(item_size(item) / _READ_UNIT)) for item in items)
            else:
                units = factor * max(
                    1, math.ceil(sum(item_size(item) for item in parsed.get("Items", [])) / _READ_UNIT)
                )
            with self._lock:
                self.read_units[model.name] += units
            return
        request = context.get("write_units_request")
        if request is None:
            return
        with self._lock:
            befores = self._before.pop(request, [])
        for write, before in befores:
            after = before if write.check_only else self._image(write.key)
            factor = _TRANSACTIONAL if write.transactional else 1
            base = factor * _units(max(item_size(before), item_size(after)))
            index = 0 if write.check_only else sum(self._index_units(entry, before, after) for entry in self._indexes)
            with self._lock:
                self.units[model.name] += base + index
                self.index_units[model.name] += index

    @staticmethod
    def _index_units(index: _Index, before: dict[str, Any] | None, after: dict[str, Any] | None) -> int:
        def entry(item: dict[str, Any] | None) -> tuple[Any, ...] | None:
            if not item or any(name not in item for name in index.keys):
                return None
            return tuple(str(item[name]) for name in index.keys)

        old, new = entry(before), entry(after)
        if old is None and new is None:
            return 0
        if old is None:
            return _units(item_size(after))
        if new is None:
            return _units(item_size(before))
        if old != new:
            return _units(item_size(before)) + _units(item_size(after))
        return _units(item_size(after)) if before != after else 0
