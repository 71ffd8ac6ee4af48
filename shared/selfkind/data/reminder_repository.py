"""The reminders aggregate, and the sparse `due` index the scheduler reads.

An enabled reminder carries due_shard and due_at (its next occurrence, ISO 8601 UTC); the index is
keyed on them, so a tick reads only what is due. A disabled reminder has neither and is not in it.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository
from selfkind.data.keys import DUE_INDEX, DUE_SHARDS, REMINDER_PREFIX, reminder_sk, user_from_pk, user_pk
from selfkind.models.reminders import StoredReminder


def _iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shard(user_id: str, reminder_id: str) -> str:
    return f"{zlib.crc32(f'{user_id}/{reminder_id}'.encode()) % DUE_SHARDS:02d}"


def _reminder(item: dict[str, Any]) -> StoredReminder:
    reminder = StoredReminder.model_validate_json(item["doc"]["S"])
    due_at = item.get("due_at", {}).get("S")
    last_sent = item.get("last_sent_at", {}).get("S")
    return reminder.model_copy(
        update={
            "next_fire_at": datetime.fromisoformat(due_at) if due_at else None,
            "last_sent_at": datetime.fromisoformat(last_sent) if last_sent else None,
        }
    )


def reminder_item(user_id: str, reminder: StoredReminder) -> dict[str, Any]:
    """The stored form: the settings as JSON, and the index attributes while enabled."""
    item: dict[str, Any] = {
        "pk": {"S": user_pk(user_id)},
        "sk": {"S": reminder_sk(reminder.reminder_id)},
        "doc": {"S": reminder.model_dump_json(exclude={"next_fire_at", "last_sent_at"})},
    }
    if reminder.enabled and reminder.next_fire_at:
        item["due_shard"] = {"S": _shard(user_id, reminder.reminder_id)}
        item["due_at"] = {"S": _iso(reminder.next_fire_at)}
    if reminder.last_sent_at:
        item["last_sent_at"] = {"S": _iso(reminder.last_sent_at)}
    return item


class ReminderRepository(Repository):
    def put(self, user_id: str, reminder: StoredReminder) -> None:
        """Only while no erasure of the user began since this write started (selfkind.data.erasure)."""
        item = {"Put": {"TableName": self._table_name, "Item": reminder_item(user_id, reminder)}}
        erasure.guarded_write(self.client, self._table_name, user_id, [item])

    def get(self, user_id: str, reminder_id: str) -> StoredReminder | None:
        response = self.client.get_item(
            TableName=self._table_name, Key=self._key(user_id, reminder_sk(reminder_id)), ConsistentRead=True
        )
        return _reminder(response["Item"]) if "Item" in response else None

    def list(self, user_id: str) -> list[StoredReminder]:
        return [_reminder(item) for item in self._items_with_prefix(user_id, REMINDER_PREFIX)]

    def delete(self, user_id: str, reminder_id: str) -> None:
        self.client.delete_item(TableName=self._table_name, Key=self._key(user_id, reminder_sk(reminder_id)))

    def due(self, now: datetime) -> Iterator[tuple[str, StoredReminder]]:
        """Every enabled reminder whose next occurrence is at or before now, however long ago."""
        for shard in range(DUE_SHARDS):
            for item in self._query_all(
                IndexName=DUE_INDEX,
                KeyConditionExpression="due_shard = :shard AND due_at <= :now",
                ExpressionAttributeValues={":shard": {"S": f"{shard:02d}"}, ":now": {"S": _iso(now)}},
            ):
                yield user_from_pk(item["pk"]["S"]), _reminder(item)

    def advance(self, user_id: str, reminder_id: str, expected: datetime, following: datetime) -> bool:
        """Moves the next occurrence on, unless another tick already did (False)."""
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=self._key(user_id, reminder_sk(reminder_id)),
                UpdateExpression="SET due_at = :following",
                ConditionExpression="due_at = :expected",
                ExpressionAttributeValues={
                    ":following": {"S": _iso(following)},
                    ":expected": {"S": _iso(expected)},
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def mark_sent(self, user_id: str, reminder_id: str, occurrence: datetime) -> None:
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=self._key(user_id, reminder_sk(reminder_id)),
                UpdateExpression="SET last_sent_at = :occurrence",
                ConditionExpression="attribute_exists(pk)",  # never resurrect a deleted reminder
                ExpressionAttributeValues={":occurrence": {"S": _iso(occurrence)}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
