"""Many devices of one user over HTTP on the local stack: 4 push 50 records each while a fifth pulls.

Every record is found exactly once, no request fails with a 5xx, and no sequence number is used twice
(read from the embedded DynamoDB itself). With an erasure in the middle, nothing of the user survives it.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import pytest

from devstack.aws import local_client, local_table_name
from tests.local_stack import LocalStack, http_handler
from tests.sync_client import Device, changes, journal_entry

WRITERS = 4
RECORDS_EACH = 50
PER_PUSH = 10
SYNC_TIMEOUT_SECONDS = 29  # template.yaml: SyncFunction Timeout


def _stored(stack: LocalStack, user: str) -> list[dict[str, Any]]:
    client = local_client("dynamodb", stack.aws_endpoint)
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {
        "TableName": local_table_name("Table"),
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"USER#{user}"}},
        "ConsistentRead": True,
    }
    while True:
        page = client.query(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


class Writer(threading.Thread):
    """A device that pushes its 50 new records, 10 at a time, as WatermelonDB would (pull, then push)."""

    def __init__(
        self, stack: LocalStack, token: str, user: str, number: int, acknowledged: Any, gate: threading.Event
    ) -> None:
        super().__init__()
        self.device = Device(http_handler(stack, token), user)
        self.number = number
        self.acknowledged = acknowledged
        self.gate = gate  # after its first two pushes, the device waits for it (an erasure, say)
        self.statuses: list[int] = []
        self.erased = False

    def run(self) -> None:
        self.device.pull_all()
        for start in range(0, RECORDS_EACH, PER_PUSH):
            if start == 2 * PER_PUSH:
                self.gate.wait(timeout=60)
            ids = [f"w{self.number}-{n}" for n in range(start, start + PER_PUSH)]
            if not self._push(ids):
                return

    def _push(self, ids: list[str]) -> bool:
        body = changes(created=[journal_entry(record_id) for record_id in ids])
        for _attempt in range(30):
            response = self.device.push(body)
            self.statuses.append(response["statusCode"])
            if response["statusCode"] == 200:
                self.acknowledged(ids)
                return self._pull_unless_erased()
            if response["statusCode"] == 409 and json.loads(response["body"])["type"].endswith("account-erased"):
                self.erased = True  # the account was erased under it: this device is done
                return False
            if response["statusCode"] == 503:
                time.sleep(int(response["headers"].get("Retry-After", "1")))
            elif not self._pull_unless_erased():
                return False
        return False

    def _pull_unless_erased(self) -> bool:
        """Pulls to the head; False when the pull said to replace everything: the account was erased, and
        the test's devices stop there (whatever they pushed next would be new, after the erasure)."""
        while True:
            page = self.device.pull()
            if page.get("experimentalStrategy") == "replacement":
                self.erased = True
                return False
            if not page["has_more"]:
                return True


class Reader(threading.Thread):
    """A device that only pulls, incrementally, until told to stop; counts every record it receives."""

    def __init__(self, stack: LocalStack, token: str, user: str) -> None:
        super().__init__()
        self.device = Device(http_handler(stack, token), user)
        self.seen: Counter[str] = Counter()
        self.replacements = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.pull()

    def pull(self) -> None:
        page = self.device.pull()
        if page.get("experimentalStrategy") == "replacement":
            self.replacements += 1
            self.seen.clear()
        for table in page["changes"].values():
            self.seen.update(record["id"] for record in table["created"] + table["updated"])


def _run(stack: LocalStack, user: str, erase: bool) -> tuple[list[Writer], Reader, list[str]]:
    """With `erase`: once every device pushed twice, the account is erased while three of them go on
    pushing; the fourth was offline and pushes again only after the erasure answered."""
    token = stack.token(user)
    acknowledged: list[str] = []
    lock = threading.Lock()
    pushes_done = threading.Semaphore(0)
    racing, late = threading.Event(), threading.Event()
    if not erase:
        racing.set()
        late.set()

    def acknowledge(ids: list[str]) -> None:
        with lock:
            acknowledged.extend(ids)
        pushes_done.release()

    writers = [
        Writer(stack, token, user, number, acknowledge, late if number == 0 else racing) for number in range(WRITERS)
    ]
    reader = Reader(stack, token, user)
    reader.start()
    for writer in writers:
        writer.start()
    if erase:
        for _ in range(2 * WRITERS):
            assert pushes_done.acquire(timeout=60)
        racing.set()
        assert stack.request("DELETE", "/v1/me", token=token).status == 204
        late.set()
    for writer in writers:
        writer.join()
    reader.stop.set()
    reader.join()
    reader.pull()  # one last incremental pull: whatever was committed since
    return writers, reader, acknowledged


def test_four_devices_pushing_while_a_fifth_pulls_lose_nothing_and_reuse_no_sequence_number(
    stack: LocalStack,
) -> None:
    writers, reader, acknowledged = _run(stack, "concurrent-dana", erase=False)

    statuses = [status for writer in writers for status in writer.statuses]
    assert all(status < 500 for status in statuses), Counter(statuses)
    expected = {f"w{w}-{n}" for w in range(WRITERS) for n in range(RECORDS_EACH)}
    assert sorted(acknowledged) == sorted(expected)
    assert reader.replacements == 0
    assert dict(reader.seen) == dict.fromkeys(expected, 1)  # every record exactly once, incrementally
    fresh = Device(http_handler(stack, stack.token("concurrent-dana")), "concurrent-dana")
    fresh.pull_all()
    assert {record_id for _, record_id in fresh.records} == expected
    stored = _stored(stack, "concurrent-dana")
    seqs = [int(item["seq"]["N"]) for item in stored if item["sk"]["S"].startswith("REC#")]
    assert len(seqs) == len(expected)
    assert len(set(seqs)) == len(seqs)  # no sequence number used twice
    head = next(item for item in stored if item["sk"]["S"] == "SYNC#HEAD")
    assert int(head["head_seq"]["N"]) == max(seqs)


def test_with_an_erasure_in_the_middle_nothing_of_the_user_survives(stack: LocalStack) -> None:
    user = "concurrent-erin"
    writers, reader, acknowledged = _run(stack, user, erase=True)

    statuses = [status for writer in writers for status in writer.statuses]
    assert all(status < 500 for status in statuses), Counter(statuses)
    assert acknowledged  # some pushes were acknowledged before the erasure...
    assert writers[0].erased  # ...and the device that missed the erasure could not bring data back
    # no content at all: the sequence and the epoch, and the epoch's mirror on the delivery item
    assert [item["sk"]["S"] for item in _stored(stack, user)] == ["DELIVERY", "SYNC#HEAD"]
    assert reader.seen == Counter()  # the reader was told to replace its data, with nothing
    token = stack.token(user)
    export = stack.request("GET", "/v1/me/export", token=token).json()
    assert export["journal_entries"] == []
    fresh = Device(http_handler(stack, token), user)
    fresh.pull_all()
    assert fresh.records == {}


@pytest.mark.parametrize("records", [99])
def test_a_full_transaction_push_finishes_well_inside_the_functions_timeout(stack: LocalStack, records: int) -> None:
    token = stack.token("big-pusher")
    device = Device(http_handler(stack, token), "big-pusher")
    device.pull_all()
    for round_number in range(3):  # a user with a few hundred records already
        device.push(changes(created=[journal_entry(f"old{round_number}-{n}") for n in range(records)]))
        device.pull_all()

    started = time.monotonic()
    response = device.push(changes(created=[journal_entry(f"new-{n}") for n in range(records)]))
    elapsed = time.monotonic() - started

    assert response["statusCode"] == 200
    print(f"a {records}-record push on the local stack: {elapsed:.2f} s")
    # The correctness bound is the function's timeout; how fast it is belongs in `make bench`
    # (bench/sync_bench.py counts the push's requests), not in a timed test on a shared machine.
    assert elapsed < SYNC_TIMEOUT_SECONDS
