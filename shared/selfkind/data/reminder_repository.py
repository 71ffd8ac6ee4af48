"""The reminders aggregate, and the sparse `wheel` index the tick reads (selfkind.domain.wheel).

An enabled reminder carries wheel_shard, wheel_slot (the UTC "HH:MM" of the occurrence it waits for) and
wheel_from (that occurrence, ISO 8601 UTC: it may be sent from then on); the index is keyed on the
first two, so a tick reads one minute's slot. A disabled reminder has none of them and is not in it.
wheel_shard is crc32(user/reminder) % shards, written as two digits: the tick reads all 100 values
(selfkind.domain.tick), so the shard count can change without stranding a reminder.

Reminders written before the wheel carry due_shard and due_at (their next occurrence) in the old `due`
index instead; the tick drains it: each leaves it for the wheel, in one conditional write, as it fires.
Either way the stored anchor (due_at, else wheel_from) is the reminder's next_fire_at as read.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from selfkind.data import erasure
from selfkind.data.base import Repository, iso_utc, stored_instant
from selfkind.data.keys import DUE_INDEX, REMINDER_PREFIX, WHEEL_INDEX, reminder_sk, user_from_pk, user_pk
from selfkind.domain.ports.tick import Advance, DueReminder, SweptReminder
from selfkind.domain.tick import MAX_SHARD_VALUES, shard_of
from selfkind.domain.wheel import slot_of
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


def _slot_query(shard_value: int, first_slot: str, last_slot: str) -> dict[str, Any]:
    """The wheel's entries of one shard value in a range of slots."""
    return {
        "IndexName": WHEEL_INDEX,
        "KeyConditionExpression": "wheel_shard = :shard AND wheel_slot BETWEEN :first AND :last",
        "ExpressionAttributeValues": {
            ":shard": {"S": f"{shard_value:02d}"},
            ":first": {"S": first_slot},
            ":last": {"S": last_slot},
        },
    }


def _reminder(item: dict[str, Any]) -> StoredReminder:
    reminder = StoredReminder.model_validate_json(item["doc"]["S"])
    return reminder.model_copy(
        update={
            # The old index's anchor, else the wheel's.
            "next_fire_at": stored_instant(item, "due_at") or stored_instant(item, "wheel_from"),
            # Written before sends were kept with the engagement.
            "last_sent_at": stored_instant(item, "last_sent_at"),
        }
    )


def reminder_item(user_id: str, reminder: StoredReminder, shards: int) -> dict[str, Any]:
    """The stored form: the settings as JSON, and the wheel's attributes while enabled."""
    item: dict[str, Any] = {
        "pk": {"S": user_pk(user_id)},
        "sk": {"S": reminder_sk(reminder.reminder_id)},
        "doc": {"S": reminder.model_dump_json(exclude={"next_fire_at", "last_sent_at"})},
    }
    if reminder.enabled and reminder.next_fire_at:
        item["wheel_shard"] = {"S": due_shard(user_id, reminder.reminder_id, shards)}
        item["wheel_slot"] = {"S": slot_of(reminder.next_fire_at)}
        item["wheel_from"] = {"S": iso_utc(reminder.next_fire_at)}
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
        for query in (_slot_query(shard_value, slot_of(now), slot_of(now)), _due_query(shard_value, now)):
            page = self.client.query(TableName=self._table_name, **query, ProjectionExpression="pk", Limit=1)
            if page.get("Items"):
                return True
        return False

    def slot_pages(self, shard_value: int, first_slot: str, last_slot: str) -> Iterator[builtins.list[DueReminder]]:
        for page in self._query_pages(**_slot_query(shard_value, first_slot, last_slot)):
            yield [DueReminder(user_from_pk(item["pk"]["S"]), _reminder(item)) for item in page]

    def due_pages(self, shard_value: int, now: datetime) -> Iterator[builtins.list[DueReminder]]:
        """The reminders of one shard value still in the old index, due at or before now."""
        for page in self._query_pages(**_due_query(shard_value, now)):
            yield [DueReminder(user_from_pk(item["pk"]["S"]), _reminder(item)) for item in page]

    def enabled_pages(self) -> Iterator[builtins.list[SweptReminder]]:
        """Every enabled reminder of the table, a page of the scan at a time (the one-off sweep's read)."""
        for page in self._scan_pages(
            FilterExpression="begins_with(sk, :reminder) "
            "AND (attribute_exists(wheel_from) OR attribute_exists(due_at))",
            ExpressionAttributeValues={":reminder": {"S": REMINDER_PREFIX}},
        ):
            yield [SweptReminder(user_from_pk(item["pk"]["S"]), _reminder(item), "due_at" in item) for item in page]

    def advance(self, moves: Sequence[Advance]) -> builtins.list[Advance]:
        """Sets each reminder down in its new slot (out of the old index, if it was there), unless something
        else moved it since it was read (returned). Rare: an offset change, a reminder from the old index."""
        moved_elsewhere: builtins.list[Advance] = []
        parts = [[self._advance_action(move)] for move in moves]
        self._transact_each(parts, lambda part, _action: moved_elsewhere.append(moves[part]))
        return moved_elsewhere

    def _advance_action(self, move: Advance) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": self._key(move.user_id, reminder_sk(move.reminder_id)),
                "UpdateExpression": "SET wheel_from = :following, wheel_slot = :slot, wheel_shard = :shard "
                "REMOVE due_at, due_shard",
                "ConditionExpression": "due_at = :expected "
                "OR (attribute_not_exists(due_at) AND wheel_from = :expected)",
                "ExpressionAttributeValues": {
                    ":following": {"S": iso_utc(move.following)},
                    ":slot": {"S": slot_of(move.following)},
                    ":expected": {"S": iso_utc(move.expected)},
                    ":shard": {"S": due_shard(move.user_id, move.reminder_id, self._shards)},
                },
            }
        }
