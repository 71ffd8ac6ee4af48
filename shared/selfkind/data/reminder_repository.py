"""The reminders aggregate, and the sparse `due` index the tick reads.

An enabled reminder carries due_shard and due_at (its next occurrence, ISO 8601 UTC); the index is
keyed on them, so a tick reads only what is due. A disabled reminder has neither and is not in it.
due_shard is crc32(user/reminder) % shards, written as two digits: the tick reads all 100 values
(selfkind.domain.tick), so the shard count can change without stranding a reminder, and each advance
rewrites due_shard, moving reminders into the current layout as they fire.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from selfkind.data import erasure
from selfkind.data.base import Repository, iso_utc
from selfkind.data.keys import DUE_INDEX, REMINDER_PREFIX, reminder_sk, user_from_pk, user_pk
from selfkind.domain.ports.tick import Advance, DueReminder
from selfkind.domain.tick import MAX_SHARD_VALUES, shard_of
from selfkind.models.reminders import StoredReminder

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient


def due_shard(user_id: str, reminder_id: str, shards: int) -> str:
    """The shard value as the index stores it: two digits."""
    return f"{shard_of(user_id, reminder_id, shards):02d}"


def _due_query(shard_value: int, now: datetime) -> dict[str, Any]:
    """The `due` index's entries of one shard value due at or before now."""
    return {
        "IndexName": DUE_INDEX,
        "KeyConditionExpression": "due_shard = :shard AND due_at <= :now",
        "ExpressionAttributeValues": {":shard": {"S": f"{shard_value:02d}"}, ":now": {"S": iso_utc(now)}},
    }


def _reminder(item: dict[str, Any]) -> StoredReminder:
    reminder = StoredReminder.model_validate_json(item["doc"]["S"])
    due_at = item.get("due_at", {}).get("S")
    last_sent = item.get("last_sent_at", {}).get("S")  # written before sends were kept with engagement
    return reminder.model_copy(
        update={
            "next_fire_at": datetime.fromisoformat(due_at) if due_at else None,
            "last_sent_at": datetime.fromisoformat(last_sent) if last_sent else None,
        }
    )


def reminder_item(user_id: str, reminder: StoredReminder, shards: int) -> dict[str, Any]:
    """The stored form: the settings as JSON, and the index attributes while enabled."""
    item: dict[str, Any] = {
        "pk": {"S": user_pk(user_id)},
        "sk": {"S": reminder_sk(reminder.reminder_id)},
        "doc": {"S": reminder.model_dump_json(exclude={"next_fire_at", "last_sent_at"})},
    }
    if reminder.enabled and reminder.next_fire_at:
        item["due_shard"] = {"S": due_shard(user_id, reminder.reminder_id, shards)}
        item["due_at"] = {"S": iso_utc(reminder.next_fire_at)}
    if reminder.last_sent_at:
        item["last_sent_at"] = {"S": iso_utc(reminder.last_sent_at)}
    return item


class ReminderRepository(Repository):
    def __init__(self, table_name: str, client: DynamoDBClient | None = None, *, shards: int) -> None:
        super().__init__(table_name, client)
        if not 1 <= shards <= MAX_SHARD_VALUES:
            raise ValueError(f"shards must be between 1 and {MAX_SHARD_VALUES}")
        self._shards = shards

    def put(self, user_id: str, reminder: StoredReminder) -> None:
        """Only while no erasure of the user began since this write started (selfkind.data.erasure)."""
        item = {"Put": {"TableName": self._table_name, "Item": reminder_item(user_id, reminder, self._shards)}}
        erasure.guarded_write(self.client, self._table_name, user_id, [item])

    def get(self, user_id: str, reminder_id: str) -> StoredReminder | None:
        response = self.client.get_item(
            TableName=self._table_name, Key=self._key(user_id, reminder_sk(reminder_id)), ConsistentRead=True
        )
        return _reminder(response["Item"]) if "Item" in response else None

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], StoredReminder]:
        """(user id, reminder id) -> the reminder, for those that exist."""
        items = self._batch_get_items([self._key(user_id, reminder_sk(reminder_id)) for user_id, reminder_id in keys])
        found = {}
        for item in items:
            reminder = _reminder(item)
            found[(user_from_pk(item["pk"]["S"]), reminder.reminder_id)] = reminder
        return found

    def list(self, user_id: str) -> list[StoredReminder]:
        return [_reminder(item) for item in self._items_with_prefix(user_id, REMINDER_PREFIX)]

    def delete(self, user_id: str, reminder_id: str) -> None:
        self.client.delete_item(TableName=self._table_name, Key=self._key(user_id, reminder_sk(reminder_id)))

    def any_due(self, shard_value: int, now: datetime) -> bool:
        page = self.client.query(
            TableName=self._table_name, **_due_query(shard_value, now), ProjectionExpression="pk", Limit=1
        )
        return bool(page.get("Items"))

    def due_pages(self, shard_value: int, now: datetime) -> Iterator[builtins.list[DueReminder]]:
        """The enabled reminders of one shard value whose next occurrence is at or before now."""
        for page in self._query_pages(**_due_query(shard_value, now)):
            yield [DueReminder(user_from_pk(item["pk"]["S"]), _reminder(item)) for item in page]

    def advance(self, moves: Sequence[Advance]) -> builtins.list[Advance]:
        """Moves each reminder on, unless something else moved it since it was read (returned)."""
        moved_elsewhere: builtins.list[Advance] = []
        parts = [[self._advance_action(move)] for move in moves]
        self._transact_each(parts, lambda part, _action: moved_elsewhere.append(moves[part]))
        return moved_elsewhere

    def _advance_action(self, move: Advance) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": self._key(move.user_id, reminder_sk(move.reminder_id)),
                "UpdateExpression": "SET due_at = :following, due_shard = :shard",
                "ConditionExpression": "due_at = :expected",
                "ExpressionAttributeValues": {
                    ":following": {"S": iso_utc(move.following)},
                    ":expected": {"S": iso_utc(move.expected)},
                    ":shard": {"S": due_shard(move.user_id, move.reminder_id, self._shards)},
                },
            }
        }
