"""DELETE /v1/me wins every race: once it answers 204, no write of a request of that user that was in
flight survives, and the user can start afresh. Races are staged deterministically: the erasure runs at
the exact moment a request is about to write, or a request runs in the middle of the erasure."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from pytest_mock import MockerFixture

from devstack.events import http_api_event
from selfkind.data import erasure
from selfkind.data.clients import dynamodb_client
from selfkind.data.keys import DELIVERY_SK, SYNC_HEAD_SK
from selfkind.data.notification_repository import NotificationRepository
from selfkind.domain.ports.delivery import Claim, ClaimRequest, Completion
from selfkind.domain.ports.lease import Lease
from selfkind.models.reminders import NotificationRecord, NotificationStatus, ReminderKind
from tests.conftest import Handler
from tests.sync_client import Device, changes, journal_entry

JSON = {"content-type": "application/json"}
DEVICE = {
    "platform": "ios",
    "token": "token-0123456789",
    "timezone": "Europe/Madrid",
    "locale": "es",
    "app_version": "1",
}
REMINDER = {"kind": "affirmation", "local_time": "08:30", "timezone": "Europe/Madrid"}
WRITE_METHODS = ("put_item", "update_item", "transact_write_items", "batch_write_item", "delete_item")


@pytest.fixture
def second_account(invoke: Callable[[str], Handler]) -> Handler:
    """Another container of the account function (a request running while the first one erases)."""
    return invoke("AccountFunction")


def _call(handler: Handler, method: str, path: str, body: Any = None, user: str = "alice") -> dict[str, Any]:
    raw = None if body is None else json.dumps(body)
    return handler(http_api_event(method, path, headers=JSON if raw else {}, body=raw, claims={"sub": user}))


def _items_left(aws: dict[str, str], user: str) -> list[str]:
    client = boto3.client("dynamodb")
    page = client.query(
        TableName=aws["Table"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}},
        ConsistentRead=True,
    )
    return sorted(item["sk"]["S"] for item in page["Items"])


def _run_before_next_write(mocker: MockerFixture, action: Callable[[], object], methods: tuple[str, ...]) -> None:
    """Runs `action` once, right before the functions' next call of one of these client methods."""
    client = dynamodb_client()
    fired: list[bool] = []
    for name in methods:
        original = getattr(client, name)

        def run_first(*args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            if not fired:
                fired.append(True)
                action()
            return _original(*args, **kwargs)

        mocker.patch.object(client, name, side_effect=run_first)


def _assert_delivery_item_holds_only_the_epoch(aws: dict[str, str]) -> None:
    item = boto3.client("dynamodb").get_item(
        TableName=aws["Table"], Key={"pk": {"S": "USER#alice"}, "sk": {"S": DELIVERY_SK}}, ConsistentRead=True
    )["Item"]
    assert set(item) == {"pk", "sk", "erasures"}


def _erase(handler: Handler, user: str = "alice") -> None:
    assert _call(handler, "DELETE", "/v1/me", user=user)["statusCode"] == 204


def _export(handler: Handler, user: str = "alice") -> dict[str, Any]:
    response = _call(handler, "GET", "/v1/me/export", user=user)
    assert response["statusCode"] == 200, response["body"]
    document: dict[str, Any] = json.loads(response["body"])
    return document


def _assert_nothing_left(aws: dict[str, str], account: Handler, sync: Handler) -> None:
    # the sequence and the epoch, and the epoch's mirror on the delivery item: no content, no day counts
    assert _items_left(aws, "alice") == [DELIVERY_SK, SYNC_HEAD_SK]
    _assert_delivery_item_holds_only_the_epoch(aws)
    document = _export(account)
    assert all(document[name] == [] for name in ("journal_entries", "devices", "reminders", "notifications"))
    fresh = Device(sync, "alice")
    fresh.pull_all()
    assert fresh.records == {}


# --- a request that writes just after the erasure ----------------------------------------------------


def test_a_push_that_read_before_an_erasure_cannot_commit_after_it(
    sync: Handler, second_account: Handler, aws: dict[str, str], mocker: MockerFixture
) -> None:
    phone = Device(sync, "alice")
    phone.pull()
    phone.push(changes(created=[journal_entry("old")]))
    phone.pull()

    _run_before_next_write(mocker, lambda: _erase(second_account), WRITE_METHODS)
    response = phone.push(changes(created=[journal_entry(f"late-{n}") for n in range(3)]))

    assert response["statusCode"] == 409
    assert json.loads(response["body"])["type"].endswith("/account-erased")
    mocker.stopall()
    _assert_nothing_left(aws, second_account, sync)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/v1/devices/phone", DEVICE),
        ("PUT", "/v1/reminders/morning", REMINDER),
        ("PUT", "/v1/me/settings", {"max_per_day": 2}),
    ],
)
def test_an_account_write_that_read_before_an_erasure_does_not_survive_it(
    account: Handler,
    second_account: Handler,
    sync: Handler,
    aws: dict[str, str],
    mocker: MockerFixture,
    method: str,
    path: str,
    body: dict[str, Any],
) -> None:
    _run_before_next_write(mocker, lambda: _erase(second_account), WRITE_METHODS)

    response = _call(account, method, path, body)

    assert response["statusCode"] == 409
    mocker.stopall()
    _assert_nothing_left(aws, second_account, sync)


# --- a request that runs while the erasure deletes ---------------------------------------------------


def test_writes_during_an_erasure_wait_and_nothing_of_the_user_survives(
    account: Handler, second_account: Handler, sync: Handler, aws: dict[str, str], mocker: MockerFixture
) -> None:
    phone = Device(sync, "alice")
    phone.pull()
    phone.push(changes(created=[journal_entry(f"e{n}") for n in range(30)]))
    phone.pull()
    assert _call(account, "PUT", "/v1/devices/phone", DEVICE)["statusCode"] == 200
    answers: list[int] = []

    def write_meanwhile() -> None:
        answers.append(phone.push(changes(created=[journal_entry("during")]))["statusCode"])
        answers.append(_call(second_account, "PUT", "/v1/devices/tablet", DEVICE)["statusCode"])
        answers.append(_call(second_account, "PUT", "/v1/me/settings", {"max_per_day": 1})["statusCode"])

    _run_before_next_write(mocker, write_meanwhile, ("batch_write_item",))  # the erasure's first deletes
    _erase(account)

    assert answers == [409, 503, 503]  # the push was based on erased data; the others retry shortly
    mocker.stopall()
    _assert_nothing_left(aws, account, sync)


# --- afterwards ----------------------------------------------------------------------------------------


def test_after_an_erasure_a_device_that_missed_it_cannot_bring_data_back(sync: Handler, account: Handler) -> None:
    phone = Device(sync, "alice")
    phone.pull()
    phone.push(changes(created=[journal_entry("erased-entry")]))
    phone.pull()

    _erase(account)

    stale = phone.push(changes(updated=[journal_entry("erased-entry", body="edited offline")]))
    assert stale["statusCode"] == 409  # refused: the device must pull first
    assert json.loads(stale["body"])["type"].endswith("/account-erased")
    page = phone.pull()
    assert page["experimentalStrategy"] == "replacement"
    assert phone.records == {}


def test_after_an_erasure_the_user_starts_afresh(sync: Handler, account: Handler) -> None:
    phone = Device(sync, "alice")
    phone.pull()
    phone.push(changes(created=[journal_entry("before")]))
    _erase(account)

    tablet = Device(sync, "alice")  # a new device syncs from nothing
    first = tablet.pull()
    assert all(first["changes"][table] == {"created": [], "updated": [], "deleted": []} for table in first["changes"])
    assert tablet.push(changes(created=[journal_entry("after")]))["statusCode"] == 200
    assert _call(account, "PUT", "/v1/devices/tablet", DEVICE)["statusCode"] == 200

    document = _export(account)
    assert [entry["id"] for entry in document["journal_entries"]] == ["after"]
    assert [device["device_id"] for device in document["devices"]] == ["tablet"]
    phone.pull()  # the old device is replaced with what there is now
    assert set(phone.records) == {("journal_entries", "after")}


def test_a_send_racing_an_erasure_leaves_nothing_behind(account: Handler, aws: dict[str, str]) -> None:
    # Given a sender that read Alice's epoch and claimed a notification, and one about to claim another
    client = boto3.client("dynamodb")
    notifications = NotificationRepository(aws["Table"], client)
    now = datetime.now(UTC)
    epoch = erasure.read_epoch(client, aws["Table"], "alice")
    lease = Lease("sender", now + timedelta(minutes=1))

    def claim(notification_id: str) -> Claim:
        record = NotificationRecord(
            notification_id=notification_id,
            reminder_id="r",
            kind=ReminderKind.AFFIRMATION,
            occurrence=now,
            status="sending",
        )
        request = ClaimRequest("alice", record, None, now.date().isoformat(), 3, epoch)
        return notifications.claim_many([request], lease, now)[notification_id]

    assert claim("n1") is Claim.CLAIMED

    # When Alice erases her account, then the sender claims the other and records the first as sent
    _erase(account)
    late_claim = claim("n2")
    lost = notifications.complete_many([Completion("alice", "n1", NotificationStatus.SENT, ["phone"])], lease, now)

    # Then neither write lands: no notification, no engagement, and the export is empty
    assert late_claim is Claim.ERASED
    assert lost == {"n1"}
    document = _export(account)
    assert document["notifications"] == []
    items = client.query(
        TableName=aws["Table"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": "USER#alice"}},
    )["Items"]
    assert [item["sk"]["S"] for item in items] == [DELIVERY_SK, SYNC_HEAD_SK]  # only the epoch survives
    _assert_delivery_item_holds_only_the_epoch(aws)


# --- the epoch check the sender's writes carry -------------------------------------------------------


def _put_with_check(aws: dict[str, str], epoch: Any, sk: str) -> bool:
    """Whether a write carrying the epoch check commits (False: it failed on that check)."""
    client = boto3.client("dynamodb")
    items: list[Any] = [
        {"Put": {"TableName": aws["Table"], "Item": {"pk": {"S": "USER#alice"}, "sk": {"S": sk}}}},
        erasure.condition_check(aws["Table"], "alice", epoch, datetime.now(UTC)),
    ]
    try:
        client.transact_write_items(TransactItems=items)
    except client.exceptions.TransactionCanceledException as error:
        failed_on_epoch = erasure.epoch_check_failed(error, 1)
    else:
        return True
    assert failed_on_epoch
    return False


def test_the_epoch_check_passes_for_a_user_never_erased_even_without_a_sync_head(aws: dict[str, str]) -> None:
    epoch = erasure.read_epoch(boto3.client("dynamodb"), aws["Table"], "alice")

    assert _put_with_check(aws, epoch, "NOTIF#n1")


def test_the_epoch_check_fails_for_an_epoch_read_before_an_erasure_and_passes_after(
    aws: dict[str, str], account: Handler
) -> None:
    client = boto3.client("dynamodb")
    before = erasure.read_epoch(client, aws["Table"], "alice")

    _erase(account)

    assert not _put_with_check(aws, before, "NOTIF#n1")
    after = erasure.read_epoch(client, aws["Table"], "alice")
    assert _put_with_check(aws, after, "NOTIF#n2")


def test_the_epoch_check_fails_while_an_erasure_runs(aws: dict[str, str]) -> None:
    client = boto3.client("dynamodb")
    running = erasure.begin(client, aws["Table"], "alice", datetime.now(UTC))

    assert running.erasing(datetime.now(UTC))
    assert not _put_with_check(aws, running, "NOTIF#n1")
    erasure.finish(client, aws["Table"], "alice", running)
    assert _put_with_check(aws, erasure.read_epoch(client, aws["Table"], "alice"), "NOTIF#n1")
