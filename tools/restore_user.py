"""Restores one user's data from a table restored by point-in-time recovery into the live table.

    .venv/bin/python tools/restore_user.py --from <restored table> --to <live table> --user <sub>           # the plan
    .venv/bin/python tools/restore_user.py --from <restored table> --to <live table> --user <sub> --apply   # do it

What it brings back (docs/operations.md#restore-one-users-data):
- Journal, affirmation, practice and check-in records the restored copy holds and the live table lost
  (absent, or a tombstone there). They are written as a push is, through the sync domain: new sequence
  numbers above the live head, so every device of the user pulls them at its next sync; the insights
  rollups and the erasure checks as for any push. A record the live table holds alive is newer, and
  kept.
- Reminders and settings the live table lost (put back as they were, only where absent).

What it never does: bring back data of a user erased after the restore point (it refuses: erasure
wins), overwrite anything the live table holds, or restore devices (the app registers them again at its
next start), notifications, day counts or idempotency keys (transient).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "shared"))

from selfkind.data import erasure
from selfkind.data.keys import (
    REMINDER_PREFIX,
    SETTINGS_SK,
    SYNC_HEAD_SK,
    SYNC_RECORD_PREFIX,
    user_pk,
)
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import sync
from selfkind.models.sync import RecordChange

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient

_COPIED_AS_THEY_WERE = (REMINDER_PREFIX, SETTINGS_SK)
_PUSH_CHUNK = 500  # records per push: the domain splits it into transactions


class RestoreRefusedError(Exception):
    """Restoring would undo an erasure, or one is running."""


@dataclass
class RestorePlan:
    records: list[RecordChange] = field(default_factory=list)  # pushed again, with new sequence numbers
    items: list[dict[str, Any]] = field(default_factory=list)  # reminders and settings put back as they were
    kept: int = 0  # records alive in the live table: newer than the restored copy, left alone

    def summary(self) -> str:
        return (
            f"{len(self.records)} record(s) to restore, {len(self.items)} reminder/settings item(s) to put back, "
            f"{self.kept} record(s) kept as the live table has them"
        )


def _partition(client: DynamoDBClient, table: str, user_id: str) -> dict[str, dict[str, Any]]:
    items: dict[str, dict[str, Any]] = {}
    request: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": user_pk(user_id)}},
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**request)
        items |= {item["sk"]["S"]: item for item in page.get("Items", [])}
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def plan(client: DynamoDBClient, source: str, target: str, user_id: str, now: datetime) -> RestorePlan:
    restored, live = _partition(client, source, user_id), _partition(client, target, user_id)
    was = erasure.epoch_from_item(restored.get(SYNC_HEAD_SK))
    now_epoch = erasure.epoch_from_item(live.get(SYNC_HEAD_SK))
    if now_epoch.erasing(now):
        raise RestoreRefusedError("An erasure of this user is running: try again in a minute.")
    if now_epoch.erasures > was.erasures:
        raise RestoreRefusedError("This user erased their account after the restore point: nothing is restored.")
    result = RestorePlan()
    for sk, item in sorted(restored.items()):
        if sk.startswith(SYNC_RECORD_PREFIX):
            if "data" not in item:
                continue  # a tombstone in the copy: nothing to bring back
            current = live.get(sk)
            if current is not None and "data" in current:
                result.kept += 1
                continue
            result.records.append(
                RecordChange(table=item["tbl"]["S"], record_id=item["rid"]["S"], data=item["data"]["S"])
            )
        elif sk.startswith(_COPIED_AS_THEY_WERE) and sk not in live:
            result.items.append(item)
    return result


def apply(client: DynamoDBClient, target: str, user_id: str, restore: RestorePlan, now: datetime) -> None:
    repository = SyncRepository(target, client)
    for start in range(0, len(restore.records), _PUSH_CHUNK):
        head = repository.read_head(user_id)
        # As a push from a device that has pulled everything: a record changed since is a conflict (409).
        sync.push(repository, user_id, head.seq, restore.records[start : start + _PUSH_CHUNK], now)
    for item in restore.items:  # only where still absent, and only while no erasure began
        put = {"Put": {"TableName": target, "Item": item, "ConditionExpression": "attribute_not_exists(sk)"}}
        erasure.guarded_write(client, target, user_id, [put])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--from", dest="source", required=True, help="the table restored from PITR")
    parser.add_argument("--to", dest="target", required=True, help="the live table")
    parser.add_argument("--user", required=True, help="the user's id (the JWT sub)")
    parser.add_argument("--apply", action="store_true", help="write; without it, only the plan is printed")
    args = parser.parse_args(argv)
    client = boto3.client("dynamodb")
    now = datetime.now(UTC)
    try:
        restore = plan(client, args.source, args.target, args.user, now)
    except RestoreRefusedError as refused:
        print(f"Refused: {refused}")
        return 2
    print(restore.summary())
    if args.apply:
        apply(client, args.target, args.user, restore, now)
        print("Restored.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
