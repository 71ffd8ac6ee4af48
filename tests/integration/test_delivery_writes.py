"""The sender's claim and completion as single-item writes, against moto: what they cost in write units,
that the day's cap holds when one user's occurrences are claimed at once, and that an erasure landing
between a claim's two writes leaves nothing behind."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from pytest_mock import MockerFixture

from bench.dynamodb_counter import RequestCounter
from bench.sender_bench import full_engagement_history
from bench.write_units import WriteUnitMeter, item_size
from selfkind.data import erasure
from selfkind.data.account_repository import AccountRepository
from selfkind.data.clients import dynamodb_client
from selfkind.data.keys import DELIVERY_SK, SYNC_HEAD_SK
from selfkind.data.notification_repository import NotificationRepository
from selfkind.data.profile_repository import ProfileRepository
from selfkind.data.unopened_streak_repository import UnopenedStreakRepository
from selfkind.domain.ports.delivery import Claim, ClaimRequest, Completion
from selfkind.domain.ports.lease import Lease
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.exceptions import DependencyError
from selfkind.models.reminders import Engagement, NotificationRecord, NotificationStatus, ReminderKind

NOW = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)
DAY = NOW.date().isoformat()


def _history() -> Engagement:
    """An engagement after weeks of reminders (the sender bench's): the rotation's windows full of the
    catalog's own ids, as large as it grows."""
    return full_engagement_history(NOW)


def _request(
    user: str,
    notification_id: str,
    epoch: ErasureEpoch,
    *,
    max_per_day: int = 5,
    engagement: Engagement | None = None,
) -> ClaimRequest:
    record = NotificationRecord(
        notification_id=notification_id,
        reminder_id="morning",
        kind=ReminderKind.AFFIRMATION,
        occurrence=NOW,
        status=NotificationStatus.SENDING,
        affirmation_id="a-1",
    )
    return ClaimRequest(user, record, None, DAY, max_per_day, epoch, engagement or _history())


def _items(table: str, user: str) -> dict[str, dict[str, Any]]:
    page = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"USER#{user}"}},
        ConsistentRead=True,
    )
    return {item["sk"]["S"]: item for item in page["Items"]}


def test_a_delivered_reminder_costs_three_write_units_with_a_full_engagement_history(aws: dict[str, str]) -> None:
    table = aws["Table"]
    notifications = NotificationRepository(table)
    lease = Lease("sender", NOW + timedelta(minutes=1))
    epoch = ErasureEpoch()
    meter = WriteUnitMeter(dynamodb_client(), table)

    claims = notifications.claim_many([_request("ana", f"n{n}", epoch) for n in range(3)], lease, NOW)
    lost = notifications.complete_many(
        [Completion("ana", f"n{n}", NotificationStatus.SENT, ["phone"]) for n in range(3)], lease, NOW
    )

    assert set(claims.values()) == {Claim.CLAIMED}
    assert lost == set()
    # per reminder: the record put 1, the day's count with the engagement 1 (the item under 1 KB), the end 1
    assert meter.total == 3 * 3, dict(meter.units)
    assert "TransactWriteItems" not in meter.units
    delivery = _items(table, "ana")[DELIVERY_SK]
    assert delivery[f"d_{DAY}"] == {"N": "3"}
    assert item_size(delivery) < 1024
    engagement = ProfileRepository(table).get_engagement("ana")
    assert engagement == _history().model_copy(update={"unopened_streak": 3})


def test_the_cap_holds_when_one_users_occurrences_are_claimed_at_once(aws: dict[str, str]) -> None:
    # (the claims run on the repository's pool; moto takes them one at a time: tests/conftest.py)
    table = aws["Table"]
    notifications = NotificationRepository(table)
    lease = Lease("sender", NOW + timedelta(minutes=1))
    requests = [_request("ana", f"n{n}", ErasureEpoch(), max_per_day=3) for n in range(8)]

    claims = notifications.claim_many(requests, lease, NOW)

    assert Counter(claims.values()) == {Claim.CLAIMED: 3, Claim.DAILY_CAP: 5}
    items = _items(table, "ana")
    kept = {sk for sk in items if sk.startswith("NOTIF#")}
    assert kept == {f"NOTIF#{nid}" for nid, claim in claims.items() if claim is Claim.CLAIMED}  # refused: deleted
    assert items[DELIVERY_SK][f"d_{DAY}"] == {"N": "3"}


def test_a_claim_prunes_day_counts_older_than_yesterday(aws: dict[str, str]) -> None:
    table = aws["Table"]
    client = boto3.client("dynamodb")
    old = {f"d_{(date.fromisoformat(DAY) - timedelta(days=age)).isoformat()}": {"N": "2"} for age in range(1, 6)}
    client.put_item(TableName=table, Item={**erasure.delivery_key("ana"), **old})

    NotificationRepository(table).claim_many([_request("ana", "n1", ErasureEpoch())], Lease("s", NOW), NOW)

    counts = {name for name in _items(table, "ana")[DELIVERY_SK] if name.startswith("d_")}
    yesterday = (date.fromisoformat(DAY) - timedelta(days=1)).isoformat()
    assert counts == {f"d_{DAY}", f"d_{yesterday}"}


def test_an_erasure_between_a_claims_two_writes_leaves_nothing_behind(
    aws: dict[str, str], mocker: MockerFixture
) -> None:
    # Given a sender that read Ana's epoch and is between writing the record and counting the day
    table = aws["Table"]
    notifications = NotificationRepository(table)
    epoch = erasure.read_epoch(dynamodb_client(), table, "ana")
    client = dynamodb_client()
    original = client.update_item
    erased: list[bool] = []

    def erase_first(*args: Any, **kwargs: Any) -> Any:
        if not erased and kwargs.get("Key") == erasure.delivery_key("ana"):
            erased.append(True)
            AccountRepository(table, boto3.client("dynamodb")).erase("ana", datetime.now(UTC))
        return original(*args, **kwargs)

    mocker.patch.object(client, "update_item", side_effect=erase_first)

    # When the claim goes on
    claim = notifications.claim_many([_request("ana", "n1", epoch)], Lease("sender", NOW), datetime.now(UTC))

    # Then it is refused as erased, and the record it wrote first is gone with the rest
    assert erased == [True]
    assert claim == {"n1": Claim.ERASED}
    items = _items(table, "ana")
    assert sorted(items) == [DELIVERY_SK, SYNC_HEAD_SK]
    assert set(items[DELIVERY_SK]) == {"pk", "sk", "erasures"}


def test_a_record_an_erasure_caught_between_the_claims_writes_is_never_shown(aws: dict[str, str]) -> None:
    # Given a record written under the epoch before an erasure, after it (the sender died before counting)
    table = aws["Table"]
    notifications = NotificationRepository(table)
    before = erasure.read_epoch(dynamodb_client(), table, "ana")
    AccountRepository(table).erase("ana", datetime.now(UTC))
    notifications.client.put_item(
        TableName=table,
        Item={
            "pk": {"S": "USER#ana"},
            "sk": {"S": "NOTIF#late"},
            "doc": {"S": _request("ana", "late", before).record.model_dump_json(exclude={"delivered"})},
            "status": {"S": "sending"},
            "delivered": {"L": []},
            "erasures": {"N": str(before.erasures)},
        },
    )

    # Then the app never sees it
    assert notifications.get("ana", "late") is None
    assert notifications.list("ana") == []


def test_a_completion_after_the_erasure_deleted_the_record_writes_nothing(aws: dict[str, str]) -> None:
    table = aws["Table"]
    notifications = NotificationRepository(table)
    epoch = erasure.read_epoch(dynamodb_client(), table, "ana")
    lease = Lease("sender", NOW + timedelta(minutes=1))
    assert notifications.claim_many([_request("ana", "n1", epoch)], lease, NOW) == {"n1": Claim.CLAIMED}
    AccountRepository(table).erase("ana", datetime.now(UTC))

    lost = notifications.complete_many([Completion("ana", "n1", NotificationStatus.SENT, ["phone"])], lease, NOW)

    assert lost == {"n1"}
    assert sorted(_items(table, "ana")) == [DELIVERY_SK, SYNC_HEAD_SK]
    assert ProfileRepository(table).get_engagement("ana") == Engagement()  # the erasure took it


def test_an_engagement_on_its_item_of_its_own_is_read_until_a_send_moves_it_with_its_streak(
    aws: dict[str, str],
) -> None:
    # Given an engagement stored before the delivery item held it (uncompressed, on PROFILE#ENGAGEMENT)
    table = aws["Table"]
    before = Engagement(recent_exercises=["self-compassion-break"], unopened_streak=2)
    boto3.client("dynamodb").put_item(
        TableName=table,
        Item={
            "pk": {"S": "USER#ana"},
            "sk": {"S": "PROFILE#ENGAGEMENT"},
            "doc": {"S": before.model_dump_json(exclude={"unopened_streak"})},
            "unopened_streak": {"N": "2"},
        },
    )
    profiles = ProfileRepository(table)
    assert profiles.get_engagement("ana") == before

    # When a send is claimed with the engagement the sender read, moved on
    after = before.model_copy(update={"last_category": "calm"})
    NotificationRepository(table).claim_many(
        [_request("ana", "n1", ErasureEpoch(), engagement=after)], Lease("s", NOW), NOW
    )

    # Then the delivery item holds it, compressed, its streak carried on from the one read
    delivery = _items(table, "ana")[DELIVERY_SK]
    assert ("docz" in delivery, delivery["unopened_streak"]) == (True, {"N": "3"})
    assert profiles.get_engagement("ana") == after.model_copy(update={"unopened_streak": 3})


def test_a_reset_before_any_send_moved_the_engagement_is_read_as_reset(aws: dict[str, str]) -> None:
    table = aws["Table"]
    boto3.client("dynamodb").put_item(
        TableName=table,
        Item={"pk": {"S": "USER#ana"}, "sk": {"S": "PROFILE#ENGAGEMENT"}, "unopened_streak": {"N": "4"}},
    )
    profiles = ProfileRepository(table)
    assert profiles.get_engagement("ana").unopened_streak == 4

    UnopenedStreakRepository(table).reset_unopened("ana")

    assert profiles.get_engagement("ana").unopened_streak == 0
    NotificationRepository(table).claim_many(
        [_request("ana", "n1", ErasureEpoch(), engagement=Engagement())], Lease("s", NOW), NOW
    )
    assert profiles.get_engagement("ana").unopened_streak == 1


def test_a_count_the_table_refuses_takes_the_record_back_and_fails_the_claim(
    aws: dict[str, str], mocker: MockerFixture
) -> None:
    table = aws["Table"]
    client = dynamodb_client()
    original = client.update_item

    def throttled(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("Key") == erasure.delivery_key("ana"):
            error = {"Error": {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}}
            raise ClientError(error, "UpdateItem")  # type: ignore[arg-type]
        return original(*args, **kwargs)

    mocker.patch.object(client, "update_item", side_effect=throttled)

    with pytest.raises(DependencyError):
        NotificationRepository(table).claim_many([_request("ana", "n1", ErasureEpoch())], Lease("s", NOW), NOW)

    # nothing of the claim stays: the redelivery claims it afresh, counted once
    assert not any(sk.startswith("NOTIF#") for sk in _items(table, "ana"))


def test_a_return_with_the_streak_already_at_zero_reads_and_writes_nothing(aws: dict[str, str]) -> None:
    # Every sync calls reset_unopened; a conditional write whose condition fails is still charged.
    table = aws["Table"]
    profiles = ProfileRepository(table, dynamodb_client())
    streak = UnopenedStreakRepository(table, dynamodb_client())
    NotificationRepository(table).claim_many([_request("ana", "n1", ErasureEpoch())], Lease("s", NOW), NOW)
    assert profiles.get_engagement("ana").unopened_streak == 1
    meter = WriteUnitMeter(dynamodb_client(), table)
    counter = RequestCounter(dynamodb_client())

    streak.reset_unopened("ana")  # a send not opened: written
    assert (counter.requests["UpdateItem"], meter.units["UpdateItem"] > 0) == (1, True)
    meter.reset()
    counter.reset()

    streak.reset_unopened("ana")  # already 0: read only
    streak.reset_unopened("ana")

    assert dict(counter.requests) == {"GetItem": 2}
    assert dict(meter.units) == {}
    assert meter.read_units["GetItem"] == 2  # one strongly consistent read unit each
    assert profiles.get_engagement("ana").unopened_streak == 0


def test_a_first_return_marks_the_streak_reset_on_the_delivery_item_once(aws: dict[str, str]) -> None:
    table = aws["Table"]
    streak = UnopenedStreakRepository(table, dynamodb_client())
    counter = RequestCounter(dynamodb_client())

    streak.reset_unopened("bo")
    streak.reset_unopened("bo")

    assert dict(counter.requests) == {"GetItem": 2, "UpdateItem": 1}
    delivery = boto3.client("dynamodb").get_item(TableName=table, Key=erasure.delivery_key("bo"))["Item"]
    assert delivery["unopened_streak"] == {"N": "0"}
