"""The erasure epoch: how `DELETE /v1/me` wins every race with the user's other requests.

The epoch lives on the user's sync head item (pk USER#<sub>, sk SYNC#HEAD), which every sync request
reads anyway, as three attributes:
  erasures       how many times the account was erased (absent: never)
  erased_seq     the sync sequence number the last erasure took; records at or below it are erased
  erasing_until  while an erasure runs, when its lease ends (epoch seconds); removed when it is done

An erasure (1) bumps the epoch and takes a lease (`begin`), (2) deletes every other item of the user,
page by page, and (3) ends the lease (`finish`). The user's delivery item (sk DELIVERY) mirrors the
epoch (erasures, erasing_until): `begin` writes both in one transaction, replacing the delivery item
with the epoch alone (its day counts and the engagement go), and step (2) keeps it as it keeps the head, so the reminder
sender's claim, one conditional write on that small item, fails for an epoch read before the erasure.
Every other write of the user is a transaction that carries `condition_check(...)`: "the epoch is still
the one I read, and no erasure is running". So:
  - a write committed before (1) exists when (2) lists the partition, and (2) deletes it;
  - a write committed after (1) fails its condition: it was read under the old epoch, or the lease runs;
  - nothing new can be written during (2), so (2) never deletes a write made after the erasure.
A user with reminders but no sync yet has no head: the check passes while the item does not exist and
no erasure happened (absent `erasures`), and fails once an erasure created the item.

How a request uses it:
  epoch = read_epoch(client, table, user_id)          # first, before reading anything it decides on
  if epoch.erasing(now): refuse (503, Retry-After)     # optional: the check below fails anyway
  client.transact_write_items(TransactItems=[...its writes..., condition_check(table, user_id, epoch, now)])
  on TransactionCanceledException, `epoch_check_failed(error, index_of_the_check)` says whether the
  account was erased meanwhile (then drop the work: the user's data is gone).
`guarded_write` does all of that for a request that writes once.

The reminder sender (selfkind.domain.delivery) reads its batch's epochs first (`EpochReader`), before
the reminders, settings, engagement, devices and own affirmations it decides on, and skips a user whose
erasure runs. Its claim's count (with the engagement) is conditioned on the delivery item's mirror of
the epoch it read, so an erasure that began in between refuses it, and the claim's record is deleted
again; its completion is conditioned on the record's lease, which an erased record no longer has; a
take-over is a transaction carrying the check (selfkind.data.notification_repository). Nothing is
recreated. Own affirmations are read above `epoch.erased_seq`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from selfkind.data.base import Repository, error_code
from selfkind.data.keys import DELIVERY_SK, SYNC_HEAD_SK, user_from_pk, user_pk
from selfkind.domain.sequence import INITIAL_SEQ
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.exceptions import AccountErasedError, ErasureInProgressError, ServiceBusyError

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

# Longer than any function's timeout, so an erasure that crashed holds writes back for at most this long.
ERASURE_LEASE_SECONDS = 120
_BEGIN_ATTEMPTS = 8
_EPOCH_ATTRIBUTES = "erasures, erased_seq, erasing_until"
HeadUpdate = tuple[str, dict[str, Any]]  # an UpdateExpression of the head item and its values


def _key(user_id: str) -> dict[str, Any]:
    return {"pk": {"S": user_pk(user_id)}, "sk": {"S": SYNC_HEAD_SK}}


def epoch_from_item(item: dict[str, Any] | None) -> ErasureEpoch:
    """The epoch held by a sync head item (or by its absence)."""
    item = item or {}
    return ErasureEpoch(
        erasures=int(item.get("erasures", {}).get("N", "0")),
        erased_seq=int(item.get("erased_seq", {}).get("N", "0")),
        erasing_until=float(item.get("erasing_until", {}).get("N", "0")),
    )


def read_epoch(client: DynamoDBClient, table_name: str, user_id: str) -> ErasureEpoch:
    """One strongly consistent read of the three attributes (1 read unit)."""
    response = client.get_item(
        TableName=table_name, Key=_key(user_id), ConsistentRead=True, ProjectionExpression=_EPOCH_ATTRIBUTES
    )
    return epoch_from_item(response.get("Item"))


def unchanged_expression(epoch: ErasureEpoch, now: datetime) -> tuple[str, dict[str, Any]]:
    """The condition "this epoch is still current and no erasure runs", on the head item."""
    if epoch.erasures == 0:
        return "attribute_not_exists(erasures)", {}
    return (
        "erasures = :erasures AND (attribute_not_exists(erasing_until) OR erasing_until < :now)",
        {":erasures": {"N": str(epoch.erasures)}, ":now": {"N": str(now.timestamp())}},
    )


def condition_check(table_name: str, user_id: str, epoch: ErasureEpoch, now: datetime) -> dict[str, Any]:
    """The ConditionCheck transaction item every write of the user carries (see the module's docstring)."""
    expression, values = unchanged_expression(epoch, now)
    check: dict[str, Any] = {"TableName": table_name, "Key": _key(user_id), "ConditionExpression": expression}
    if values:
        check["ExpressionAttributeValues"] = values
    return {"ConditionCheck": check}


def cancellation_reasons(error: ClientError) -> list[str]:
    """The reason code of each item of a cancelled transaction ("None" where the item was fine)."""
    if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
        return []
    return [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]


def epoch_check_failed(error: ClientError, check_index: int) -> bool:
    """Whether a cancelled transaction failed on its epoch check: the account was erased meanwhile."""
    reasons = cancellation_reasons(error)
    return len(reasons) > check_index and reasons[check_index] == "ConditionalCheckFailed"


def head_update(
    table_name: str, user_id: str, epoch: ErasureEpoch, now: datetime, update: HeadUpdate
) -> dict[str, Any]:
    """The epoch check as an Update of the head (a transaction names an item once): for a write that also
    changes the head, such as the user's zone (selfkind.data.rollup_repository)."""
    expression, values = unchanged_expression(epoch, now)
    update_expression, update_values = update
    action: dict[str, Any] = {
        "TableName": table_name,
        "Key": _key(user_id),
        "UpdateExpression": update_expression,
        "ConditionExpression": expression,
    }
    if values or update_values:
        action["ExpressionAttributeValues"] = {**values, **update_values}
    return {"Update": action}


def guarded_write(
    client: DynamoDBClient,
    table_name: str,
    user_id: str,
    items: list[dict[str, Any]],
    head: HeadUpdate | None = None,
) -> None:
    """Writes `items` in one transaction, only if no erasure of the user began since the epoch was read;
    `head` (an update expression and its values) changes the head item in the same transaction.

    ErasureInProgressError (503) while an erasure runs; AccountErasedError (409) when one began between the
    read and the write. Any other failure is the caller's to interpret (ClientError, reasons in order).
    """
    now = datetime.now(UTC)
    epoch = read_epoch(client, table_name, user_id)
    if epoch.erasing(now):
        raise ErasureInProgressError(epoch.retry_after_seconds(now))
    check = (
        head_update(table_name, user_id, epoch, now, head) if head else condition_check(table_name, user_id, epoch, now)
    )
    try:
        client.transact_write_items(TransactItems=[*items, check])  # type: ignore[list-item]
    except ClientError as error:
        if epoch_check_failed(error, len(items)):
            raise AccountErasedError from error
        raise


def begin(client: DynamoDBClient, table_name: str, user_id: str, now: datetime) -> ErasureEpoch:
    """Step 1: the next epoch, with a lease. The sync sequence takes one number for the erasure, so every
    `last_pulled_at` issued before it is below `erased_seq` (and every one issued after is not)."""
    for _ in range(_BEGIN_ATTEMPTS):
        item = client.get_item(TableName=table_name, Key=_key(user_id), ConsistentRead=True).get("Item")
        current = epoch_from_item(item)
        old_seq = int(item["head_seq"]["N"]) if item and "head_seq" in item else None
        epoch = ErasureEpoch(
            erasures=current.erasures + 1,
            erased_seq=(old_seq or INITIAL_SEQ) + 1,
            erasing_until=now.timestamp() + ERASURE_LEASE_SECONDS,
        )
        values: dict[str, Any] = {
            ":seq": {"N": str(epoch.erased_seq)},
            ":erasures": {"N": str(epoch.erasures)},
            ":until": {"N": str(epoch.erasing_until)},
            ":days": {"S": json.dumps({})},
        }
        if old_seq is None:
            condition = "attribute_not_exists(head_seq)"
        else:
            condition = "head_seq = :old"
            values[":old"] = {"N": str(old_seq)}
        head = {
            "Update": {
                "TableName": table_name,
                "Key": _key(user_id),
                "UpdateExpression": (
                    "SET head_seq = :seq, erased_seq = :seq, erasures = :erasures, erasing_until = :until,"
                    " day_seqs = :days REMOVE tz_set, tz_device"  # the user's zone goes with the account
                ),
                "ConditionExpression": condition,
                "ExpressionAttributeValues": values,
            }
        }
        mirror = {
            "Put": {
                "TableName": table_name,
                "Item": {
                    **delivery_key(user_id),
                    "erasures": {"N": str(epoch.erasures)},
                    "erasing_until": {"N": str(epoch.erasing_until)},
                },
            }
        }
        try:
            client.transact_write_items(TransactItems=[head, mirror])  # type: ignore[list-item]
        except ClientError as error:
            if cancellation_reasons(error)[:1] != ["ConditionalCheckFailed"]:
                raise
            continue  # a push moved the head meanwhile: read it again
        return epoch
    raise ServiceBusyError("The journal is busy syncing; try erasing again.", retry_after_seconds=1)


def finish(client: DynamoDBClient, table_name: str, user_id: str, epoch: ErasureEpoch) -> None:
    """Step 3: ends the lease (unless a later erasure took over, which ends its own), on the head and on
    its mirror in the delivery item."""
    for key in (_key(user_id), delivery_key(user_id)):
        try:
            client.update_item(
                TableName=table_name,
                Key=key,
                UpdateExpression="REMOVE erasing_until",
                ConditionExpression="erasures = :erasures",
                ExpressionAttributeValues={":erasures": {"N": str(epoch.erasures)}},
            )
        except ClientError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise


def delivery_key(user_id: str) -> dict[str, Any]:
    return {"pk": {"S": user_pk(user_id)}, "sk": {"S": DELIVERY_SK}}


def delivery_unchanged(epoch: ErasureEpoch, now: datetime) -> tuple[str, dict[str, Any]]:
    """The condition "this epoch is still current and no erasure runs", on the delivery item's mirror. A
    user's delivery item without the mirror was written before any erasure since the epoch was read:
    every erasure writes it (`begin`)."""
    return (
        "(attribute_not_exists(erasures) OR erasures = :erasures) "
        "AND (attribute_not_exists(erasing_until) OR erasing_until < :now)",
        {":erasures": {"N": str(epoch.erasures)}, ":now": {"N": str(now.timestamp())}},
    )


class EpochReader(Repository):
    """Many users' epochs in as few requests as DynamoDB allows (the reminder sender's batches)."""

    def get_many(self, user_ids: Sequence[str]) -> dict[str, ErasureEpoch]:
        items = self._batch_get_items([_key(user_id) for user_id in user_ids])
        found = {user_from_pk(item["pk"]["S"]): item for item in items}
        return {user_id: epoch_from_item(found.get(user_id)) for user_id in user_ids}
