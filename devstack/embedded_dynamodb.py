"""moto's DynamoDB made safe for concurrent requests, as the real service is.

moto is not safe under concurrency. A transaction deep-copies every table it names (once per item, so a
99-record push on a table of a few thousand items takes seconds) and, when it is cancelled, puts that
copy back: a write another request committed in between is lost, and sequence numbers are reused. Here
(1) DynamoDB requests run one at a time (moto is pure Python, so this costs no parallelism it had), and
(2) a transaction saves only the items it touches and, when cancelled, restores only those.
moto's own transaction logic (conditions, cancellation reasons) is unchanged.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_moto_transact_write_items = DynamoDBBackend.transact_write_items


# The services whose moto backends are not safe under concurrent requests, by their JSON protocol's
# X-Amz-Target prefix. SQS too: two pollers receiving at once could both be handed the same message,
# which the real service never does within its visibility timeout.
_SERIALISED_TARGETS = ("DynamoDB_", "AmazonSQS.")


class SerialisedRequests:
    """A WSGI wrapper: one DynamoDB request at a time, and one SQS request at a time (each service its
    own turn); other services pass through."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._locks = {target: threading.Lock() for target in _SERIALISED_TARGETS}

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        target = str(environ.get("HTTP_X_AMZ_TARGET", ""))
        lock = next((self._locks[prefix] for prefix in _SERIALISED_TARGETS if target.startswith(prefix)), None)
        if lock is None:
            return self._app(environ, start_response)
        with lock:
            return list(self._app(environ, start_response))  # the whole answer, before the next request


class _TablesAsTheyAre:
    """Stands in for the `copy` module inside moto's DynamoDB models: tables are not copied any more
    (transactions save their own items instead); everything else is copied as before."""

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    copy = staticmethod(copy.copy)


def _touched_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    saved = []
    for entry in transact_items:
        operation_type, operation = next(iter(entry.items()))
        table = backend.tables.get(operation.get("TableName", ""))
        if table is None:
            continue  # moto reports it
        if operation_type == "Put":
            key_names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
            key = {name: operation["Item"][name] for name in key_names if name in operation.get("Item", {})}
        else:
            key = operation.get("Key", {})
        try:
            hash_key, range_key = backend.get_keys_value(table, key)
        except Exception:  # noqa: BLE001, S112 (a malformed key: moto itself answers ValidationException)
            continue
        saved.append((table, hash_key, range_key, copy.deepcopy(table.get_item(hash_key, range_key))))
    return saved


def _restore(table: Table, hash_key: Any, range_key: Any, item: Any) -> None:
    if range_key is None:
        if item is None:
            table.items.pop(hash_key, None)
        else:
            table.items[hash_key] = item
    elif item is None:
        table.items.get(hash_key, {}).pop(range_key, None)
    else:
        table.items[hash_key][range_key] = item


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    saved = _touched_items(self, transact_items)
    try:
        _moto_transact_write_items(self, transact_items)
    except Exception:
        for table, hash_key, range_key, item in reversed(saved):
            _restore(table, hash_key, range_key, item)
        raise


def install() -> None:
    """Item-level transaction rollback in this process's moto (call before serving)."""
    dynamodb_models.copy = _TablesAsTheyAre  # type: ignore[attr-defined,assignment]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]
