"""The notifications aggregate: one record per occurrence, claimed under a lease before anything is sent.

Item (pk = USER#<sub>, sk = NOTIF#<id>): doc (the record as JSON), status, delivered (device ids),
lease_owner and lease_until (while an attempt holds it), sent_at, opened_at, expires_at.

- The first claim writes the record (status sending) together with the user's count for that local
  day, in one transaction: an occurrence is counted once, and never past the cap.
- A claim is a lease, not a final state: once it has expired without the record saying sent (the
  attempt crashed or timed out), the next attempt takes it over and sends to the devices not reached.
- An attempt records its end only while the lease is still its own.
- Claims and completions carry the user's erasure epoch check (selfkind.data.erasure): a send racing
  `DELETE /v1/me` writes nothing once the erasure began.
Many claims and completions go in one transaction (a part per occurrence); DynamoDB refuses a
transaction naming an item twice, so the same user's occurrences go in successive rounds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository, iso_utc
from selfkind.data.keys import NOTIFICATION_PREFIX, day_count_sk, notification_sk, user_from_pk
from selfkind.data.profile_repository import engagement_sent_action
from selfkind.domain.ports.delivery import Claim, ClaimRequest, Completion, Lease, NotificationState
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.reminders import NotificationRecord, NotificationStatus

NOTIFICATION_RETENTION_DAYS = 90
DAY_COUNT_RETENTION_DAYS = 3
_STATE_ATTRIBUTES = {"delivered", "sent_at", "opened_at"}  # their own attributes; doc's status is overridden


def _record(item: dict[str, Any]) -> NotificationRecord:
    return NotificationRecord.model_validate_json(item["doc"]["S"]).model_copy(
        update={
            "status": item["status"]["S"],
            "delivered": [value["S"] for value in item.get("delivered", {"L": []})["L"]],
            "sent_at": _instant(item, "sent_at"),
            "opened_at": _instant(item, "opened_at"),
        }
    )


def _instant(item: dict[str, Any], name: str) -> datetime | None:
    value = item.get(name, {}).get("S")
    return datetime.fromisoformat(value) if value else None


def _state(item: dict[str, Any]) -> NotificationState:
    owner = item.get("lease_owner", {}).get("S")
    return NotificationState(record=_record(item), lease_owner=owner, lease_until=_instant(item, "lease_until"))


def _rounds[T](entries: Sequence[T], user_of: Any) -> Iterator[list[T]]:
    """Entries in rounds where each user appears at most once (the i-th of a user in round i)."""
    rounds: list[list[T]] = []
    seen: dict[str, int] = {}
    for entry in entries:
        user = user_of(entry)
        position = seen.get(user, 0)
        seen[user] = position + 1
        if position == len(rounds):
            rounds.append([])
        rounds[position].append(entry)
    yield from rounds


class NotificationRepository(Repository):
    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], NotificationState]:
        items = self._batch_get_items([self._key(user_id, notification_sk(nid)) for user_id, nid in keys])
        return {(user_from_pk(item["pk"]["S"]), _record(item).notification_id): _state(item) for item in items}

    def claim_many(self, requests: Sequence[ClaimRequest], lease: Lease, now: datetime) -> dict[str, Claim]:
        results: dict[str, Claim] = {}
        for batch in _rounds(requests, lambda request: request.user_id):
            parts = [self._claim_actions(request, lease, now) for request in batch]

            def refused(part: int, action: int, batch: list[ClaimRequest] = batch, parts: list[Any] = parts) -> None:
                # The record changed since it was read (another attempt), the day is full, or the user was
                # erased (the epoch check, always the last action).
                reason = (
                    Claim.ERASED if action == len(parts[part]) - 1 else Claim.BUSY if action == 0 else Claim.DAILY_CAP
                )
                results[batch[part].record.notification_id] = reason

            self._transact_each(parts, refused)
            for request in batch:
                results.setdefault(
                    request.record.notification_id, Claim.CLAIMED if request.previous is None else Claim.RESUMED
                )
        return results

    def _claim_actions(self, request: ClaimRequest, lease: Lease, now: datetime) -> list[dict[str, Any]]:
        key = self._key(request.user_id, notification_sk(request.record.notification_id))
        values: dict[str, Any] = {
            ":sending": {"S": NotificationStatus.SENDING.value},
            ":owner": {"S": lease.owner},
            ":until": {"S": iso_utc(lease.until)},
        }
        previous = request.previous
        if previous is None:
            expires_at = int((now + timedelta(days=NOTIFICATION_RETENTION_DAYS)).timestamp())
            values |= {
                ":doc": {"S": request.record.model_dump_json(exclude=_STATE_ATTRIBUTES)},
                ":none": {"L": []},
                ":expires": {"N": str(expires_at)},
            }
            claim = {
                "Update": {
                    "TableName": self._table_name,
                    "Key": key,
                    "UpdateExpression": "SET doc = :doc, #status = :sending, delivered = :none, "
                    "lease_owner = :owner, lease_until = :until, expires_at = :expires",
                    "ConditionExpression": "attribute_not_exists(pk)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values,
                }
            }
            return [claim, self._count_action(request, now), self._epoch_check(request.user_id, request.epoch, now)]
        # Taking over: only if nothing changed since it was read (the same status and the same lease).
        values[":seen_status"] = {"S": previous.record.status}
        condition = "#status = :seen_status AND "
        if previous.lease_owner is None:
            condition += "attribute_not_exists(lease_owner)"
        else:
            condition += "lease_owner = :seen_owner"
            values[":seen_owner"] = {"S": previous.lease_owner}
        return [
            {
                "Update": {
                    "TableName": self._table_name,
                    "Key": key,
                    "UpdateExpression": "SET #status = :sending, lease_owner = :owner, lease_until = :until",
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values,
                }
            },
            self._epoch_check(request.user_id, request.epoch, now),
        ]

    def _epoch_check(self, user_id: str, epoch: ErasureEpoch, now: datetime) -> dict[str, Any]:
        return erasure.condition_check(self._table_name, user_id, epoch, now)

    def _count_action(self, request: ClaimRequest, now: datetime) -> dict[str, Any]:
        return {
            "Update": {
                "TableName": self._table_name,
                "Key": self._key(request.user_id, day_count_sk(request.local_day)),
                "UpdateExpression": "ADD sent :one SET expires_at = :expires",
                "ConditionExpression": "attribute_not_exists(sent) OR sent < :max",
                "ExpressionAttributeValues": {
                    ":one": {"N": "1"},
                    ":max": {"N": str(request.max_per_day)},
                    ":expires": {"N": str(int((now + timedelta(days=DAY_COUNT_RETENTION_DAYS)).timestamp()))},
                },
            }
        }

    def complete_many(self, completions: Sequence[Completion], lease: Lease, now: datetime) -> set[str]:
        lost: set[str] = set()
        for batch in _rounds(completions, lambda completion: completion.user_id):
            parts = [self._complete_actions(completion, lease, now) for completion in batch]

            def refused(part: int, _action: int, batch: list[Completion] = batch) -> None:
                lost.add(batch[part].notification_id)

            self._transact_each(parts, refused)
        return lost

    def _complete_actions(self, completion: Completion, lease: Lease, now: datetime) -> list[dict[str, Any]]:
        actions: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self._table_name,
                    "Key": self._key(completion.user_id, notification_sk(completion.notification_id)),
                    "UpdateExpression": "SET #status = :status, delivered = :delivered, sent_at = :now "
                    "REMOVE lease_owner, lease_until",
                    "ConditionExpression": "lease_owner = :owner",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":status": {"S": completion.status.value},
                        ":delivered": {"L": [{"S": device_id} for device_id in completion.delivered]},
                        ":now": {"S": now.isoformat()},
                        ":owner": {"S": lease.owner},
                    },
                }
            }
        ]
        if completion.engagement is not None:
            actions.append(engagement_sent_action(self._table_name, completion.user_id, completion.engagement))
        actions.append(self._epoch_check(completion.user_id, completion.epoch, now))
        return actions

    def mark_opened(self, user_id: str, notification_id: str, now: datetime) -> bool:
        """False when the user has no such notification."""
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=self._key(user_id, notification_sk(notification_id)),
                UpdateExpression="SET opened_at = if_not_exists(opened_at, :now)",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues={":now": {"S": now.isoformat()}},
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def get(self, user_id: str, notification_id: str) -> NotificationRecord | None:
        """Read strongly consistently: the app asks as soon as the push arrives."""
        response = self.client.get_item(
            TableName=self._table_name, Key=self._key(user_id, notification_sk(notification_id)), ConsistentRead=True
        )
        item = response.get("Item")
        # Without its record: what a status write leaves after an erasure deleted the notification (see list).
        return _record(item) if item and "doc" in item else None

    def list(self, user_id: str) -> list[NotificationRecord]:
        # An item without its record is what an unconditional status write leaves when it lands after an
        # erasure deleted the notification: no notification of the user's, so not shown.
        return [_record(item) for item in self._items_with_prefix(user_id, NOTIFICATION_PREFIX) if "doc" in item]
