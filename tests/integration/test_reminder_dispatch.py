"""Scheduling and delivery through the scheduler and sender handlers: moto, and firebase-admin talking
HTTP to the FCM stand-in."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from pytest_mock import MockerFixture

from devstack.ticker import TickMovedBackError
from selfkind.adapters.firebase_push import FirebasePushGateway
from selfkind.content.catalog import load_catalog_content
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import sync
from selfkind.domain.sync_push_parsing import canonical_record_json
from selfkind.models.reminders import QuietHours, ReminderKind, Settings
from selfkind.models.sync import RecordChange
from tests.conftest import Handler
from tests.reminder_world import DAY, SHARDS, ReminderWorld, local
from tools import reslot_reminders

MONDAY_8AM = local("2027-03-15T08:00")


def _with_device(world: ReminderWorld, user: str = "ana") -> None:
    world.device(user, "phone", fid="fid-phone-0001")


def test_an_occurrence_in_the_window_is_sent_once_however_often_ticks_repeat(world: ReminderWorld) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    first = world.tick(MONDAY_8AM + timedelta(minutes=3))
    again = world.tick(MONDAY_8AM + timedelta(minutes=3))

    assert first == {
        "due": 1,
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    assert again == {
        "due": 0,
        "sent": 0,
        "failed": 0,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    [push] = world.pushes()
    assert push["status"] == 200
    assert push["message"]["fid"] == "fid-phone-0001"
    assert push["message"]["data"] == {"notification_id": world.notification_of("ana", push).notification_id}
    # It waits in its minute's slot for tomorrow: the tick wrote nothing to it
    assert world.reminders().get("ana", "morning").next_fire_at == MONDAY_8AM  # type: ignore[union-attr]


def test_overlapping_ticks_that_both_enqueue_send_once(world: ReminderWorld) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    world.enqueue("ana", "morning", MONDAY_8AM)  # another tick got there first, and its copy is queued too

    report = world.tick(MONDAY_8AM)

    assert (report["sent"], report["skipped"]) == (1, 1)
    assert len(world.pushes()) == 1


def test_an_occurrence_older_than_15_minutes_is_never_sent_and_is_counted_expired(
    world: ReminderWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    report = world.tick(MONDAY_8AM + timedelta(minutes=15))

    assert report["due"] == 0
    assert (report["expired"], report["expired_at_tick"], report["expired_at_sender"]) == (1, 1, 0)
    assert world.pushes() == []
    # It waits in its minute's slot for tomorrow: the tick wrote nothing to it
    assert world.reminders().get("ana", "morning").next_fire_at == MONDAY_8AM  # type: ignore[union-attr]
    assert _metric_total(capsys.readouterr().out, "RemindersExpired", stage="tick") == 1


def test_an_occurrence_that_reaches_the_sender_too_late_is_counted_expired_not_sent(
    world: ReminderWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    # An occurrence stuck in the queue for 20 minutes at the tick's time (the local tick runs the sender
    # at its own time, as the schedule runs the pipeline at the minute it names)
    world.enqueue("ana", "morning", MONDAY_8AM - timedelta(minutes=25))

    report = world.tick(MONDAY_8AM - timedelta(minutes=5))

    assert (report["expired"], report["expired_at_sender"], report["sent"]) == (1, 1, 0)
    assert world.pushes() == []
    assert _metric_total(capsys.readouterr().out, "RemindersExpired", stage="sender") == 1


def _metric_total(stdout: str, name: str, **dimensions: str) -> float:
    """The sum of a metric's values in the EMF records printed, for records with these dimensions."""
    total = 0.0
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if name in record and all(record.get(key) == value for key, value in dimensions.items()):
            total += sum(record[name]) if isinstance(record[name], list) else record[name]
    return total


def test_nothing_is_stranded_after_a_long_outage(world: ReminderWorld) -> None:
    _with_device(world)
    april = local("2027-04-20T08:00")
    world.reminder("ana", "morning", "08:00", after=april - 19 * DAY)
    world.reminder("ana", "evening", "20:00", after=april - 19 * DAY, kind=ReminderKind.PRACTICE)

    report = world.tick(april + timedelta(minutes=10))  # nineteen days of missed ticks

    # only this morning's, once: the missed ones were never read (beyond the tick's window), nothing moved
    assert report == {
        "due": 1,
        "sent": 1,
        "failed": 0,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    assert world.tick(local("2027-04-20T20:00"))["sent"] == 1


def test_after_an_outage_across_a_change_of_clocks_the_sweep_sets_reminders_down_where_they_fire(
    world: ReminderWorld,
) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - 30 * DAY)  # set down in EST
    world.reminder("ana", "evening", "20:00", after=MONDAY_8AM - 30 * DAY, kind=ReminderKind.PRACTICE)

    # The runbook's step after the schedule was off across a change of clocks (docs/operations.md)
    swept = reslot_reminders.run(world.table, SHARDS, apply=True, now=MONDAY_8AM - timedelta(minutes=30))
    report = world.tick(MONDAY_8AM + timedelta(minutes=10))

    assert (swept.misplaced, swept.moved) == (2, 2)
    assert (report["due"], report["sent"]) == (1, 1)
    assert world.reminders().get("ana", "evening").next_fire_at == local("2027-03-15T20:00")  # type: ignore[union-attr]
    assert world.tick(local("2027-03-15T20:00"))["sent"] == 1


def test_a_local_time_skipped_by_spring_forward_fires_at_the_instant_after_the_gap(world: ReminderWorld) -> None:
    _with_device(world)
    world.reminder("ana", "night", "02:30", after=local("2027-03-13T12:00"))

    assert world.tick(datetime(2027, 3, 14, 7, 29, tzinfo=UTC))["sent"] == 0
    assert world.tick(datetime(2027, 3, 14, 7, 30, tzinfo=UTC))["sent"] == 1  # 03:30 EDT


def test_a_sender_that_dies_after_claiming_is_taken_over_once_its_lease_expires(
    world: ReminderWorld, mocker: MockerFixture
) -> None:
    # Given a sender invocation that claimed the occurrence, then died before pushing (a timeout)
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    mocker.patch.object(FirebasePushGateway, "send_all", side_effect=TimeoutError("the Lambda timed out"))
    with pytest.raises(TimeoutError):
        world.tick(MONDAY_8AM)
    mocker.stopall()
    [record] = world.notifications().list("ana")
    assert record.status == "sending"

    # When SQS redelivers the message while the lease is still live, then after it expired
    world.enqueue("ana", "morning", MONDAY_8AM)
    while_live = world.sender_batch()
    world.expire_leases("ana")
    after = world.sender_batch()

    # Then the live lease is left alone (the message comes back later), and the expired one is taken over
    assert (while_live["outcomes"], len(while_live["batchItemFailures"])) == ({"retry": 1}, 1)
    assert (after["outcomes"], after["batchItemFailures"]) == ({"sent": 1}, [])
    [push] = world.pushes()
    assert push["message"]["data"]["notification_id"] == record.notification_id


@pytest.mark.parametrize("target", ["unregistered-0001", "invalid-0002"])
def test_a_device_fcm_no_longer_knows_is_removed_softly_for_30_days(world: ReminderWorld, target: str) -> None:
    world.device("ana", "gone", token=target)
    world.device("ana", "phone", fid="fid-phone-0001")
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    report = world.tick(MONDAY_8AM)

    assert report["sent"] == 1
    assert [d.device_id for d in world.devices().list("ana", datetime.now(UTC))] == ["phone"]
    assert [d.device_id for d in world.devices().roster("ana").devices] == ["phone"]  # it no longer counts
    item = boto3.client("dynamodb").get_item(
        TableName=world.table, Key={"pk": {"S": "USER#ana"}, "sk": {"S": "DEVICE#gone"}}
    )["Item"]
    kept_days = (int(item["expires_at"]["N"]) - datetime.now(UTC).timestamp()) / 86_400
    assert "removed_at" in item
    assert 29 < kept_days <= 30  # then the TTL purges it

    world.device("ana", "gone", fid="fid-registered-again")  # the app registers it again
    assert sorted(d.device_id for d in world.devices().list("ana", datetime.now(UTC))) == ["gone", "phone"]


def test_our_credentials_refused_never_remove_a_device(world: ReminderWorld) -> None:
    world.device("ana", "other-project", token="mismatch-0003")  # SENDER_ID_MISMATCH: our key, not the device
    world.device("ana", "phone", fid="fid-phone-0001")
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    world.tick(MONDAY_8AM)

    devices = world.devices().list("ana", datetime.now(UTC))
    assert sorted(d.device_id for d in devices) == ["other-project", "phone"]


def test_transient_fcm_errors_are_retried(world: ReminderWorld) -> None:
    world.device("ana", "flaky", fid="flaky-0001")  # 503 once: firebase-admin retries it
    world.device("ana", "busy", fid="quota-0002")  # 429 with Retry-After once: the sender retries it
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    report = world.tick(MONDAY_8AM)

    assert report["sent"] == 1
    statuses = sorted(push["status"] for push in world.pushes())
    assert statuses == [200, 200, 429, 503]


def test_an_fcm_outage_is_reported_for_sqs_to_retry_and_resumes_where_it_stopped(world: ReminderWorld) -> None:
    world.device("ana", "phone", fid="fid-phone-0001")
    world.device("ana", "broken", fid="internal-0001")  # 500 every time
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    report = world.tick(MONDAY_8AM)

    assert report == {
        "due": 1,
        "sent": 0,
        "failed": 1,
        "skipped": 0,
        "expired": 0,
        "expired_at_tick": 0,
        "expired_at_sender": 0,
    }
    delivered_to_phone = [p for p in world.pushes() if p["message"].get("fid") == "fid-phone-0001"]
    assert len(delivered_to_phone) == 1
    world.enqueue("ana", "morning", MONDAY_8AM)  # the redelivery
    world.fcm.clear()
    world.tick(MONDAY_8AM + timedelta(minutes=1))
    assert {p["message"]["fid"] for p in world.pushes()} == {"internal-0001"}  # not the phone again


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        (Settings(quiet_hours=QuietHours(start="22:00", end="08:30")), "quiet hours"),
        (Settings(paused_until=MONDAY_8AM + timedelta(hours=1)), "paused"),
    ],
)
def test_no_reminder_during_quiet_hours_or_a_pause(world: ReminderWorld, settings: Settings, reason: str) -> None:
    _with_device(world)
    world.settings("ana", settings)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    report = world.tick(MONDAY_8AM)

    assert (report["sent"], report["skipped"]) == (0, 1), reason
    assert world.pushes() == []


def test_no_more_than_max_per_day(world: ReminderWorld) -> None:
    _with_device(world)
    world.settings("ana", Settings(max_per_day=2))
    for minute in ("00", "01", "02"):
        world.reminder("ana", f"r{minute}", f"08:{minute}", after=MONDAY_8AM - DAY)

    report = world.tick(MONDAY_8AM + timedelta(minutes=2))

    assert (report["sent"], report["skipped"]) == (2, 1)


def test_a_disabled_or_deleted_reminder_is_not_sent(world: ReminderWorld) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    world.enqueue("ana", "gone", MONDAY_8AM)

    report = world.tick(MONDAY_8AM)

    assert (report["sent"], report["skipped"]) == (1, 1)


def test_gentle_pacing_backs_off_and_an_open_or_sync_restores_it(world: ReminderWorld, sync_handler: Handler) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    sent_days = []
    for day in range(12):
        report = world.tick(MONDAY_8AM + day * DAY)
        if report["sent"]:
            sent_days.append(day)
    # 3 unopened in a row: every other day; after 7: once a week.
    assert sent_days[:3] == [0, 1, 2]
    assert sent_days[3:7] == [4, 6, 8, 10]
    assert world.profile().get_engagement("ana").unopened_streak == 7

    from tests.sync_client import pull_event

    assert sync_handler(pull_event("ana"))["statusCode"] == 200  # the user came back
    assert world.profile().get_engagement("ana").unopened_streak == 0
    assert world.tick(MONDAY_8AM + 12 * DAY)["sent"] == 1


def test_without_gentle_pacing_every_occurrence_is_sent(world: ReminderWorld) -> None:
    _with_device(world)
    world.settings("ana", Settings(gentle_pacing=False))
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    sent = sum(world.tick(MONDAY_8AM + day * DAY)["sent"] for day in range(6))

    assert sent == 6


def test_affirmations_are_in_the_device_language_and_never_repeat_within_seven(world: ReminderWorld) -> None:
    world.device("ana", "es", fid="fid-es-00001", locale="es-AR")
    world.device("ana", "fr", fid="fid-fr-00001", locale="fr-FR")
    world.settings("ana", Settings(gentle_pacing=False))
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    catalog = {a.id: a for a in load_catalog_content().affirmations}

    for day in range(10):
        world.tick(MONDAY_8AM + day * DAY)

    pushes = world.pushes()
    spanish = [p["message"] for p in pushes if p["message"]["fid"] == "fid-es-00001"]
    french = [p["message"] for p in pushes if p["message"]["fid"] == "fid-fr-00001"]
    ids = [str(world.notification_of("ana", p).affirmation_id) for p in pushes if p["message"]["fid"] == "fid-es-00001"]
    assert len(ids) == 10
    assert all(len(set(ids[i : i + 7])) == len(ids[i : i + 7]) for i in range(len(ids)))
    assert [m["notification"]["body"] for m in spanish] == [catalog[i].text.es for i in ids]
    assert [m["notification"]["body"] for m in french] == [catalog[i].text.en for i in ids]  # else English


def test_the_users_own_affirmations_come_at_least_as_often_as_catalog_ones(world: ReminderWorld) -> None:
    _with_device(world)
    world.settings("ana", Settings(gentle_pacing=False))
    own = [f"own{n}" for n in range(5)]
    store = SyncRepository(world.table, boto3.client("dynamodb"))
    changes = [
        RecordChange(
            table="affirmations",
            record_id=record_id,
            data=canonical_record_json(
                record_id, {"text": f"My own words {record_id}", "is_active": True, "created_at": 1, "updated_at": 1}
            ),
        )
        for record_id in own
    ]
    changes.append(
        RecordChange(
            table="journal_entries",
            record_id="j1",
            data=canonical_record_json(
                "j1",
                {
                    "kind": "free",
                    "title": "private",
                    "body": "SECRET JOURNAL TEXT",
                    "mood": None,
                    "exercise_id": None,
                    "created_at": 1,
                    "updated_at": 1,
                },
            ),
        )
    )
    sync.push(store, "ana", 1, changes, datetime.now(UTC))
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    for day in range(12):
        world.tick(MONDAY_8AM + day * DAY)

    chosen = [world.notification_of("ana", p).affirmation_id for p in world.pushes()]
    assert len(chosen) == 12
    assert sum(c in own for c in chosen) >= sum(c not in own for c in chosen)
    assert "SECRET JOURNAL TEXT" not in json.dumps(world.pushes())


def test_practice_reminders_suggest_short_exercises_rotating_categories(world: ReminderWorld) -> None:
    _with_device(world)
    world.settings("ana", Settings(gentle_pacing=False))
    world.reminder("ana", "practice", "18:00", after=MONDAY_8AM - DAY, kind=ReminderKind.PRACTICE)
    exercises = {e.id: e for e in load_catalog_content().exercises}

    for day in range(4):
        world.tick(local("2027-03-15T18:00") + day * DAY)

    suggested = [exercises[str(world.notification_of("ana", p).exercise_id)] for p in world.pushes()]
    assert len(suggested) == 4
    assert all(e.duration_minutes <= 10 for e in suggested)
    assert len({e.category for e in suggested}) == 4


def test_the_sender_works_on_a_second_warm_invocation(world: ReminderWorld) -> None:
    _with_device(world)
    world.settings("ana", Settings(gentle_pacing=False))
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    # The same handler module (one container) twice: the event loop and cached clients must survive.
    assert world.tick(MONDAY_8AM)["sent"] == 1
    assert world.tick(MONDAY_8AM + DAY)["sent"] == 1


def test_push_messages_follow_fcm_conventions(world: ReminderWorld) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    world.tick(MONDAY_8AM)

    message = world.pushes()[0]["message"]
    assert message["android"] == {"priority": "normal", "ttl": "3600s", "collapse_key": "selfkind-affirmation"}
    headers = message["apns"]["headers"]
    assert headers["apns-collapse-id"] == "selfkind-affirmation"
    assert int(headers["apns-expiration"]) > datetime.now(UTC).timestamp()
    assert set(message["data"]) == {"notification_id"}
    assert all(isinstance(value, str) for value in message["data"].values())


def test_a_device_not_refreshed_for_270_days_is_neither_targeted_nor_kept(world: ReminderWorld) -> None:
    # (counted back from the tick's time: the sender runs at it)
    world.device("ana", "old", fid="fid-old-00001", refreshed=MONDAY_8AM - timedelta(days=271))
    world.device("ana", "recent", fid="fid-new-00001", refreshed=MONDAY_8AM - timedelta(days=269))
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)

    world.tick(MONDAY_8AM)

    assert [push["message"]["fid"] for push in world.pushes()] == ["fid-new-00001"]
    item = boto3.client("dynamodb").get_item(
        TableName=world.table, Key={"pk": {"S": "USER#ana"}, "sk": {"S": "DEVICE#old"}}
    )["Item"]
    expires_at = datetime.fromtimestamp(int(item["expires_at"]["N"]), UTC)
    assert expires_at < MONDAY_8AM  # the table's TTL removes it


def test_a_tick_earlier_than_the_last_is_refused_and_works_nothing(world: ReminderWorld) -> None:
    _with_device(world)
    world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    world.tick(MONDAY_8AM - timedelta(minutes=1))

    with pytest.raises(TickMovedBackError):
        world.tick(MONDAY_8AM - timedelta(minutes=2))

    assert world.pushes() == []
    assert world.tick(MONDAY_8AM - timedelta(minutes=1))["due"] == 0  # the same time again is fine
    assert world.tick(MONDAY_8AM)["sent"] == 1


# --- a poison fails alone ---


def _stored_settings_document(world: ReminderWorld, user: str, document: str) -> None:
    """Settings written straight into the table, as an API that did not check them would have."""
    boto3.client("dynamodb").put_item(
        TableName=world.table,
        Item={"pk": {"S": f"USER#{user}"}, "sk": {"S": "PROFILE#SETTINGS"}, "doc": {"S": document}},
    )


@pytest.mark.parametrize(
    ("document", "outcomes", "failed"),
    [
        # The probe's case: a pause that cannot even be converted to UTC, read by the documented rule
        ('{"paused_until": "0001-01-01T00:00:00+14:00"}', {"sent": 6}, 0),
        ('{"paused_until": "9999-12-31T23:59:59-14:00"}', {"sent": 5, "skipped": 1}, 0),
        # Settings no model accepts any more: that user's occurrence fails for bad data, alone
        ('{"quiet_hours": {"start": "25:00", "end": "07:00"}}', {"sent": 5, "failed": 1}, 1),
    ],
)
def test_one_users_unreadable_settings_never_cost_another_user_a_reminder(
    world: ReminderWorld, capsys: pytest.CaptureFixture[str], document: str, outcomes: dict[str, int], failed: int
) -> None:
    # Given six users due at 08:00, one of them with settings stored before any rule could refuse them
    for n in range(6):
        world.device(f"user{n}", "phone", fid=f"fid-user-{n:04d}")
        world.reminder(f"user{n}", "morning", "08:00", after=MONDAY_8AM - DAY)
    _stored_settings_document(world, "user3", document)
    capsys.readouterr()

    # When the tick runs (one sender batch)
    report = world.tick(MONDAY_8AM)

    # Then every other user is sent theirs, nothing is left for SQS, and a failure is counted as bad data
    counted = {name: report[name] for name in ("sent", "skipped", "failed") if report[name]}
    assert (report["due"], counted) == (6, outcomes)
    assert {p["message"]["fid"] for p in world.pushes()} >= {f"fid-user-{n:04d}" for n in range(6) if n != 3}
    output = capsys.readouterr().out
    assert _metric_total(output, "RemindersFailed", reason="bad_data") == failed
    assert "25:00" not in output
    assert "9999" not in output
