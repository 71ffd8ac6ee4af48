"""`POST /_local/tick`: what EventBridge Scheduler, Lambda's asynchronous invocations and the SQS event
source do, on demand, at a given time.

Runs the scheduler function with the input the schedule would send at that time, waits for the shard
workers it started, then drains the queue through the sender function in batches, as Lambda's SQS
poller would: a message is deleted once its batch succeeded, and stays when reported as a batch item
failure. Such a message comes back after the queue's visibility timeout, counted in the ticks' own
time: a later tick at or past that time makes it visible again before draining.

The whole pipeline runs at the tick's time: the scheduler and its workers take it from the schedule's
input, and the sender from the event's `localTickTime`, which it reads only where LOCAL_TICK_CLOCK is set
(the local stack sets it; the template never does, so a deployed sender always reads its own clock).
Tick times only move forward, as the schedule's do: an earlier one is refused (TickMovedBackError).
Ticks run one at a time. A deployed schedule ticks every minute; local ticks jump, so before each the
minutes since the previous one (the late window's, before the first) are marked pending in every shard,
as a worker that fell behind would have left them: the shard workers then read those minutes too
(selfkind.domain.tick), and the tick at T sends what fell due since the last one, as every minute's would.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.emf import sender_outcomes
from devstack.events import scheduler_event, sqs_event
from devstack.lambda_api import LocalLambdaApi, ObservedInvocable
from devstack.runtime import InvocationError
from selfkind.data.shard_lease_repository import ShardLeaseRepository
from selfkind.domain.occurrence import LATE_WINDOW
from selfkind.domain.tick import lease_key, split_tick
from selfkind.domain.wheel import MINUTE

SCHEDULER = "ReminderSchedulerFunction"
SENDER = "ReminderSenderFunction"
_SENDER_BATCH = 10
_POLLERS = 5
LOCAL_TICK_TIME = "localTickTime"  # the event field the sender reads its clock from, in the local stack only


class TickTimeError(ValueError):
    """A tick time that cannot be worked: the local route answers a 400 problem saying so."""


class TickMovedBackError(TickTimeError):
    def __init__(self, last: datetime) -> None:
        super().__init__(f"Tick times only move forward: the last tick was at {last.isoformat()}.")
        self.last = last


def tick_time(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise TickTimeError("`time` must be an ISO 8601 date-time with its offset.") from None
    if instant.utcoffset() is None:
        raise TickTimeError("`time` must be an ISO 8601 date-time with its offset.")
    return instant.astimezone(UTC)


@dataclass(frozen=True)
class MinutesBetweenTicks:
    """Marks the minutes from `since` pending in every shard's lease item (the table's, the worker's count)."""

    client: Any  # a DynamoDB client of the local stack's embedded AWS
    table_name: str
    shards: int

    def mark(self, since: datetime, now: datetime) -> None:
        leases = ShardLeaseRepository(self.table_name, self.client)
        for work in split_tick(now, self.shards):
            leases.request(lease_key(work), since)


@dataclass
class LocalTicker:
    pools: Mapping[str, ObservedInvocable]
    lambda_api: LocalLambdaApi
    sqs: Any
    queue_url: str
    queue_arn: str
    visibility_timeout: timedelta
    _returning: dict[str, datetime] = field(default_factory=dict)  # receipt handle -> visible again at
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ticking: threading.Lock = field(default_factory=threading.Lock)  # one tick at a time
    last: datetime | None = None  # the latest tick's time
    between: MinutesBetweenTicks | None = None  # None: each tick reads its own minute only

    def tick(self, scheduled_time: str) -> dict[str, int]:
        """`expired` counts both stages: occurrences past their window at the tick (its shard workers)
        and at the sender (queued in time, reached too late), each also on its own."""
        now = tick_time(scheduled_time)
        with self._ticking:
            if self.last is not None and now < self.last:
                raise TickMovedBackError(self.last)
            if self.between is not None:
                since = now - LATE_WINDOW if self.last is None else self.last + MINUTE
                if since < now:
                    self.between.mark(since, now)
            self.last = now
            self.pools[SCHEDULER].invoke(scheduler_event(now.isoformat()))
            workers = self.lambda_api.wait_idle()
            failed = [w for w in workers if w.error is not None]
            if failed:  # on Lambda, the on-failure destination records it; here the tick answers 500
                raise InvocationError(f"{len(failed)} worker invocation(s) failed: {failed[0].error}")
            due = sum(int(w.result["enqueued"]) for w in workers)  # occurrences due to be delivered now
            expired_at_tick = sum(int(w.result["expired"]) for w in workers)
            self._return_retried(now)
            totals = self._drain(now)
        return {
            "due": due,
            "sent": totals["sent"],
            "failed": totals["failed"] + totals["retry"],
            "skipped": totals["skipped"],
            "expired": expired_at_tick + totals["expired"],
            "expired_at_tick": expired_at_tick,
            "expired_at_sender": totals["expired"],
        }

    def _return_retried(self, now: datetime) -> None:
        with self._lock:
            due_back = [handle for handle, visible_at in self._returning.items() if visible_at <= now]
            for handle in due_back:
                del self._returning[handle]
        for handle in due_back:
            self.sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=0)

    def _drain(self, now: datetime) -> Counter[str]:
        """Lambda's SQS poller starts with five batches at a time: so do these pollers, each until the
        queue answers empty (what they report failed stays invisible, as in SQS)."""
        with ThreadPoolExecutor(_POLLERS, thread_name_prefix="poller") as pool:
            counts = list(pool.map(lambda _: self._poll(now), range(_POLLERS)))
        return sum(counts, Counter())

    def _poll(self, now: datetime) -> Counter[str]:
        totals: Counter[str] = Counter()
        while True:
            received = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=_SENDER_BATCH, AttributeNames=["ApproximateReceiveCount"]
            ).get("Messages", [])
            if not received:
                return totals
            batch = [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "receiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", "1"),
                }
                for m in received
            ]
            event = sqs_event(batch, self.queue_arn) | {LOCAL_TICK_TIME: now.isoformat()}
            observed = self.pools[SENDER].invoke_observed(event)
            result = observed.result
            totals.update(sender_outcomes(observed.metrics))  # what CloudWatch would count
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
            for message in batch:
                if message["messageId"] in failed:
                    with self._lock:
                        self._returning[message["receiptHandle"]] = now + self.visibility_timeout
                else:
                    self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["receiptHandle"])
