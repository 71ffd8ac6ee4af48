"""`POST /_local/tick`: what EventBridge Scheduler and the SQS event source do, on demand.

Runs the scheduler function with the input the schedule would send at that time, then drains the queue
through the sender function in batches, as Lambda's SQS poller would: a message is deleted once its
batch succeeded, and stays (until its visibility timeout) when reported as a batch item failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from devstack.events import scheduler_event, sqs_event

SCHEDULER = "ReminderSchedulerFunction"
SENDER = "ReminderSenderFunction"


class Invocable(Protocol):
    def invoke(self, event: dict[str, Any]) -> Any: ...


@dataclass
class LocalTicker:
    pools: Mapping[str, Invocable]
    sqs: Any
    queue_url: str
    queue_arn: str

    def tick(self, scheduled_time: str) -> dict[str, int]:
        scheduled = self.pools[SCHEDULER].invoke(scheduler_event(scheduled_time))
        totals: Counter[str] = Counter()
        while True:
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["ApproximateReceiveCount"]
            ).get("Messages", [])
            if not received:
                break
            batch = [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "receiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                }
                for m in received
            ]
            result = self.pools[SENDER].invoke(sqs_event(batch, self.queue_arn))
            totals.update(result.get("outcomes", {}))
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
            for message in batch:
                if message["messageId"] not in failed:
                    self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["receiptHandle"])
        return {
            "due": int(scheduled["due"]),
            "sent": totals["sent"],
            "failed": totals["failed"],
            "skipped": totals["skipped"],
        }
