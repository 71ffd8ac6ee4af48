"""The reminder queue: due occurrences from the tick's workers to the sender."""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from selfkind.aws_errors import is_transient
from selfkind.models.exceptions import DependencyError
from selfkind.once import built_once

if TYPE_CHECKING:
    from types_boto3_sqs import SQSClient

_SQS_BATCH = 10  # entries per SendMessageBatch
_ATTEMPTS = 3


@built_once
def sqs_client() -> SQSClient:
    # The tick's workers send from up to 16 threads: keep a connection for each.
    return boto3.client("sqs", config=Config(retries={"mode": "standard", "max_attempts": 4}, max_pool_connections=32))


class SqsQueue:
    def __init__(self, queue_url: str, client: SQSClient | None = None) -> None:
        self._queue_url = queue_url
        self._client = client

    @property
    def client(self) -> SQSClient:
        return self._client or sqs_client()

    def send_all(self, bodies: list[str]) -> None:
        """Every body accepted, or DependencyError (the caller then treats the whole list as not sent)."""
        for start in range(0, len(bodies), _SQS_BATCH):
            entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + _SQS_BATCH])]
            for _attempt in range(_ATTEMPTS):
                try:
                    response = self.client.send_message_batch(QueueUrl=self._queue_url, Entries=entries)  # type: ignore[arg-type]
                except (ClientError, BotoCoreError) as error:
                    raise DependencyError("sqs", "send_message_batch", transient=is_transient(error)) from error
                failed = response.get("Failed", [])
                if any(item.get("SenderFault") for item in failed):  # refused (a KMS key, a size): no retry helps
                    raise DependencyError("sqs", "send_message_batch", transient=False)
                entries = [entry for entry in entries if entry["Id"] in {item["Id"] for item in failed}]
                if not entries:
                    break
            if entries:
                raise DependencyError("sqs", "send_message_batch")
