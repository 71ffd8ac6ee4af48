"""The notifications aggregate: one record per occurrence, claimed under a lease before anything is sent.

Item (pk = USER#<sub>, sk = NOTIF#<id>): doc (the record as JSON), status, delivered (device ids),
lease_owner and lease_until (while an attempt holds it), sent_at, opened_at, expires_at, erasures (the
erasure epoch it was claimed under).

A first claim is two single-item conditional writes, 1 write unit each (a transaction would cost 2 per
item, and the epoch's check 2 more):
  1. the record, only if there is none (another attempt's copy of the occurrence finds it: BUSY);
  2. the user's delivery item (selfkind.data.delivery_repository): the day's count and the user's
     engagement after the send, only under the cap, and only while the epoch mirrored there is the one
     read (else ERASED). If it refuses, the record of step 1 is deleted again: nothing of the claim stays.
  Step 1 before step 2: an occurrence copied onto the queue twice is counted once. A record step 1 leaves
  behind (the attempt died between the steps) is taken over after its lease, like any other; one an
  erasure caught between them is never shown (its `erasures` is older than the epoch's: `list`, `get`)
  and expires with its TTL.
- A claim is a lease, not a final state: once it has expired without the record saying sent (the
  attempt crashed or timed out), the next attempt takes it over and sends to the devices not reached.
  Taking over is rare and stays a transaction with the epoch's check.
- An attempt records its end only while the lease is still its own: one write on the record (it cannot
  recreate a record an erasure deleted: the lease condition fails on a missing item).
The writes of a batch go out on a small pool of threads: single-item writes cannot be batched with
conditions.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from selfkind.data import erasure
from selfkind.data.base import Repository, error_code, iso_utc, stored_instant
from selfkind.data.delivery_repository import DeliveryRepository
from selfkind.data.keys import NOTIFICATION_PREFIX, notification_sk, user_from_pk
from selfkind.domain.ports.delivery import Claim, ClaimRequest, Completion, NotificationState
from selfkind.domain.ports.lease import Lease
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.exceptions import DependencyError
from selfkind.models.reminders import NotificationRecord, NotificationStatus

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

NOTIFICATION_RETENTION_DAYS = 90
_WRITERS = 16  # single-item writes in flight for one batch
_STATE_ATTRIBUTES = {"delivered", "sent_at", "opened_at"}  # their own attributes; doc's status is overridden


def _record(item: dict[str, Any]) -> NotificationRecord:
    return NotificationRecord.model_validate_json(item["doc"]["S"]).model_copy(
        update={
            "status": item["status"]["S"],
            "delivered": [value["S"] for value in item.get("delivered", {"L": []})["L"]],
            "sent_at": stored_instant(item, "sent_at"),
            "opened_at": stored_instant(item, "opened_at"),
        }
    )


def _state(item: dict[str, Any]) -> NotificationState:
    owner = item.get("lease_owner", {}).get("S")
    return NotificationState(record=_record(item), lease_owner=owner, lease_until=stored_instant(item, "lease_until"))


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
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        super().__init__(table_name, client)
        self._deliveries = DeliveryRepository(table_name, client)

    def get_many(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], NotificationState]:
        items = self._batch_get_items([self._key(user_id, notification_sk(nid)) for user_id, nid in keys])
        return {(user_from_pk(item["pk"]["S"]), _record(item).notification_id): _state(item) for item in items}

    def claim_many(self, requests: Sequence[ClaimRequest], lease: Lease, now: datetime) -> dict[str, Claim]:
        # Users in parallel; one user's first claims in order, each engagement building on the last.
        by_user: dict[str, list[ClaimRequest]] = {}
        for request in requests:
            if request.previous is None:
                by_user.setdefault(request.user_id, []).append(request)
        results: dict[str, Claim] = {}
        for claimed in self._each(list(by_user.values()), lambda mine: self._claim_in_order(mine, lease, now)):
            results |= claimed
        results |= self._take_over([r for r in requests if r.previous is not None], lease, now)
        return results

    def _claim_in_order(self, requests: Sequence[ClaimRequest], lease: Lease, now: datetime) -> dict[str, Claim]:
        return {request.record.notification_id: self._claim_first(request, lease, now) for request in requests}

    def _each[T, R](self, entries: Sequence[T], write: Callable[[T], R]) -> list[R]:
        if len(entries) <= 1:
            return [write(entry) for entry in entries]
        with ThreadPoolExecutor(min(_WRITERS, len(entries)), thread_name_prefix="notify") as pool:
            return list(pool.map(write, entries))

    def _claim_first(self, request: ClaimRequest, lease: Lease, now: datetime) -> Claim:
        key = self._key(request.user_id, notification_sk(request.record.notification_id))
        expires_at = int((now + timedelta(days=NOTIFICATION_RETENTION_DAYS)).timestamp())
        item = {
            **key,
            "doc": {"S": request.record.model_dump_json(exclude=_STATE_ATTRIBUTES)},
            "status": {"S": NotificationStatus.SENDING.value},
            "delivered": {"L": []},
            "lease_owner": {"S": lease.owner},
            "lease_until": {"S": iso_utc(lease.until)},
            "expires_at": {"N": str(expires_at)},
            "erasures": {"N": str(request.epoch.erasures)},
        }
        try:
            self.client.put_item(TableName=self._table_name, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return Claim.BUSY  # another attempt's copy claimed it since it was read
        try:
            refused = self._deliveries.count(request, now)
        except DependencyError:
            # Not counted (throttled past the retries, say): the record goes too, so the redelivery claims
            # it afresh; if that fails as well, it is taken over once its lease ends.
            with contextlib.suppress(DependencyError):
                self._forget(key, lease)
            raise
        if refused is None:
            return Claim.CLAIMED
        self._forget(key, lease)  # nothing of a refused claim stays
        return refused

    def _forget(self, key: dict[str, Any], lease: Lease) -> None:
        try:
            self.client.delete_item(
                TableName=self._table_name,
                Key=key,
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeValues={":owner": {"S": lease.owner}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise  # gone already: the erasure deleted it

    def _take_over(self, requests: Sequence[ClaimRequest], lease: Lease, now: datetime) -> dict[str, Claim]:
        results: dict[str, Claim] = {}
        for batch in _rounds(requests, lambda request: request.user_id):
            parts = [self._take_over_actions(request, lease, now) for request in batch]

            def refused(part: int, action: int, batch: list[ClaimRequest] = batch) -> None:
                # The record changed since it was read (another attempt), or the user was erased.
                results[batch[part].record.notification_id] = Claim.ERASED if action == 1 else Claim.BUSY

            self._transact_each(parts, refused)
            for request in batch:
                results.setdefault(request.record.notification_id, Claim.RESUMED)
        return results

    def _take_over_actions(self, request: ClaimRequest, lease: Lease, now: datetime) -> list[dict[str, Any]]:
        """Only if nothing changed since it was read (the same status and the same lease)."""
        previous = request.previous
        assert previous is not None
        values: dict[str, Any] = {
            ":sending": {"S": NotificationStatus.SENDING.value},
            ":owner": {"S": lease.owner},
            ":until": {"S": iso_utc(lease.until)},
            ":seen_status": {"S": previous.record.status},
        }
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
                    "Key": self._key(request.user_id, notification_sk(request.record.notification_id)),
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

    def complete_many(self, completions: Sequence[Completion], lease: Lease, now: datetime) -> set[str]:
        recorded = self._each(completions, lambda completion: self._complete(completion, lease, now))
        return {c.notification_id for c, done in zip(completions, recorded, strict=True) if not done}

    def _complete(self, completion: Completion, lease: Lease, now: datetime) -> bool:
        """False when the record could not be written: the lease was lost, or an erasure deleted it."""
        try:
            self.client.update_item(
                TableName=self._table_name,
                Key=self._key(completion.user_id, notification_sk(completion.notification_id)),
                UpdateExpression="SET #status = :status, delivered = :delivered, sent_at = :now "
                "REMOVE lease_owner, lease_until",
                ConditionExpression="lease_owner = :owner",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":status": {"S": completion.status.value},
                    ":delivered": {"L": [{"S": device_id} for device_id in completion.delivered]},
                    ":now": {"S": now.isoformat()},
                    ":owner": {"S": lease.owner},
                },
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            return False
        return True

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
        if not item or not self._shown(item, self._erasures(user_id)):
            return None
        return _record(item)

    def list(self, user_id: str) -> list[NotificationRecord]:
        erasures = self._erasures(user_id)
        return [
            _record(item)
            for item in self._items_with_prefix(user_id, NOTIFICATION_PREFIX)
            if self._shown(item, erasures)
        ]

    def _erasures(self, user_id: str) -> int:
        return erasure.read_epoch(self.client, self._table_name, user_id).erasures

    @staticmethod
    def _shown(item: dict[str, Any], erasures: int) -> bool:
        """Not shown: an item without its record, what an unconditional status write leaves when it lands
        after an erasure deleted the notification; and a record claimed under an epoch an erasure has
        since ended, one the erasure caught between the claim's two writes (see the module's docstring)."""
        claimed_under = int(item.get("erasures", {}).get("N", str(erasures)))
        return "doc" in item and claimed_under >= erasures
