"""Journal sync through the local stack: the JWT authorizer, and several devices syncing at once."""

from __future__ import annotations

import random
import threading

from tests.local_stack import LocalStack, http_handler
from tests.sync_client import Device, changes, journal_entry


def test_protected_routes_need_a_valid_token(stack: LocalStack) -> None:
    for method, path in [
        ("GET", "/v1/sync"),
        ("POST", "/v1/sync?last_pulled_at=1"),
        ("GET", "/v1/me/export"),
        ("DELETE", "/v1/me"),
    ]:
        assert stack.request(method, path).status == 401
        assert stack.request(method, path, token="not-a-jwt").status == 401
        forged = stack.token("alice")[:-4] + "AAAA"
        assert stack.request(method, path, token=forged).status == 401


def test_the_user_is_the_tokens_subject(stack: LocalStack) -> None:
    dana = Device(http_handler(stack, stack.token("dana")), "ignored-by-the-server")
    dana.pull()
    assert dana.push(changes(created=[journal_entry("e1", body="dana's")]))["statusCode"] == 200

    erin = Device(http_handler(stack, stack.token("erin")), "dana")  # claims to be dana, token says erin
    erin.pull()
    assert erin.records == {}


def test_devices_syncing_concurrently_converge_and_no_change_is_skipped(stack: LocalStack) -> None:
    token = stack.token("concurrent-carol")
    rounds, writers = 12, 3
    errors: list[str] = []
    stop = threading.Event()
    # What the server accepted, so the final state can be checked exactly: a push is all or nothing,
    # so an accepted push's creations and deletions are the whole truth about which ids remain.
    accepted_lock = threading.Lock()
    accepted_created: set[str] = set()
    accepted_deleted: set[str] = set()

    def write(device_number: int) -> None:
        chooser = random.Random(device_number)  # noqa: S311 (test data, not security)
        device = Device(http_handler(stack, token), "carol")
        device.pull_all()
        for round_number in range(rounds):
            ids = [key[1] for key in device.records]
            created = [journal_entry(f"d{device_number}r{round_number}n{n}") for n in range(chooser.randint(1, 3))]
            edited = [
                journal_entry(i, body=f"edit {device_number}-{round_number}")
                for i in chooser.sample(ids, min(2, len(ids)))
            ]
            deleted = chooser.sample([i for i in ids if i not in {e["id"] for e in edited}], min(1, len(ids) // 4))
            body = changes(created=created, updated=edited, deleted=deleted)
            for _attempt in range(20):
                status = device.push(body)["statusCode"]
                if status == 200:
                    with accepted_lock:
                        accepted_created.update(entry["id"] for entry in created)
                        accepted_deleted.update(deleted)
                    break
                if status != 409:
                    errors.append(f"device {device_number}: push answered {status}")
                    return
                device.pull_all()  # a conflict: pull, then push again, as WatermelonDB does
                still_there = {record_id for _table, record_id in device.records}
                edited = [entry for entry in edited if entry["id"] in still_there]
                deleted = [record_id for record_id in deleted if record_id in still_there]
                body = changes(created=created, updated=edited, deleted=deleted)
            device.pull_all()

    reader = Device(http_handler(stack, token), "carol")

    def read_continuously() -> None:
        while not stop.is_set():
            reader.pull()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    reading = threading.Thread(target=read_continuously)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    reading.join()

    assert errors == []
    server = Device(http_handler(stack, token), "carol")
    server.pull_all()
    reader.pull_all()  # incremental pulls all along: any skipped change would leave it different
    assert accepted_created, "no push was accepted"
    assert {record_id for _table, record_id in server.records} == accepted_created - accepted_deleted
    assert reader.records == server.records
    for device_number in range(writers):
        device = Device(http_handler(stack, token), "carol")
        device.pull_all()
        assert device.records == server.records, device_number
