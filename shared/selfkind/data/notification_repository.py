"""The notifications aggregate: one record per occurrence, claimed before anything is sent.

The claim is a conditional put of the record together with the user's count for that local day, in one
transaction: an occurrence is sent at most once however often ticks repeat, and never past the cap.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from selfkind.data.base import Repository
from selfkind.data.keys import NOTIFICATION_PREFIX, day_count_sk, notification_sk
from selfkind.domain.ports import Claim
from selfkind.models.reminders import NotificationRecord

NOTIFICATION_RETENTION_DAYS = 90


def _record(item: dict[str, Any]) -> NotificationRecord:
    return NotificationRecord.model_validate_json(item["doc"]["S"]).model_copy(
        update={"status": item["status"]["S"], "opened_at": _opened(item)}
    )


def _opened(item: dict[str, Any]) -> datetime | None:
    value = item.get("opened_at", {}).get("S")
    return datetime.fromisoformat(value) if value else None


class NotificationRepository(Repository):
    def claim(
        self, user_id: str, record: NotificationRecord, local_day: str, max_per_day: int, now: datetime
    ) -> tuple[Claim, list[str]]:
        """Claims the occurrence; returns the outcome and the devices an earlier attempt already reached."""
        expires_at = str(int((now + timedelta(days=NOTIFICATION_RETENTION_DAYS)).timestamp()))
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table_name,
                            "Item": {
                                **self._key(user_id, notification_sk(record.notification_id)),
                                "doc": {"S": record.model_dump_json()},
                                "status": {"S": "sending"},
                                "delivered": {"L": []},
                                "expires_at": {"N": expires_at},
                            },
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table_name,
                            "Key": self._key(user_id, day_count_sk(local_day)),
                            "UpdateExpression": "ADD sent :one SET expires_at = :expires",
                            "ConditionExpression": "attribute_not_exists(sent) OR sent < :max",
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":max": {"N": str(max_per_day)},
                                ":expires": {"N": str(int((now + timedelta(days=3)).timestamp()))},
                            },
                        }
                    },
                ]
            )
        except ClientError as error:
            if error.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]
            if reasons and reasons[0] == "ConditionalCheckFailed":
                return self._resume(user_id, record.notification_id)
            if len(reasons) > 1 and reasons[1] == "ConditionalCheckFailed":
                return Claim.DAILY_CAP, []
            raise
        return Claim.CLAIMED, []

    def _resume(self, user_id: str, notification_id: str) -> tuple[Claim, list[str]]:
        try:
            response = self.client.update_item(
                TableName=self._table_name,
                Key=self._key(user_id, notification_sk(notification_id)),
                UpdateExpression="SET #status = :sending",
                ConditionExpression="#status = :retry",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":sending": {"S": "sending"}, ":retry": {"S": "retry"}},
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return Claim.DUPLICATE, []
            raise
        delivered = [value["S"] for value in response["Attributes"].get("delivered", {"L": []})["L"]]
        return Claim.RESUMED, delivered

    def finish(self, user_id: str, notification_id: str, status: str, delivered: list[str], sent_at: datetime) -> None:
        """sent (some device got it), retry (transient failures: the next attempt resumes) or failed."""
        self.client.update_item(
            TableName=self._table_name,
            Key=self._key(user_id, notification_sk(notification_id)),
            UpdateExpression="SET #status = :status, delivered = :delivered, sent_at = :sent_at",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":status": {"S": status},
                ":delivered": {"L": [{"S": device_id} for device_id in delivered]},
                ":sent_at": {"S": sent_at.isoformat()},
            },
        )

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

    def list(self, user_id: str) -> list[NotificationRecord]:
        # An item without its record is what an unconditional status write leaves when it lands after an
        # erasure deleted the notification: no notification of the user's, so not shown.
        return [_record(item) for item in self._items_with_prefix(user_id, NOTIFICATION_PREFIX) if "doc" in item]
