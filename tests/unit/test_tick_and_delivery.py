"""The tick's and the sender's rules over in-memory fakes: fan-out, carry-over, leases, and nothing
lost to a crash, a timeout or an outage of any dependency."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest

from selfkind.domain.occurrence import DueOccurrence, decode_message, encode_messages
from selfkind.domain.tick import MAX_SHARD_VALUES, shard_values, split_tick
from selfkind.domain.tick_report import ShardFailedError
from selfkind.models.erasure import ErasureEpoch
from selfkind.models.exceptions import DependencyError
from selfkind.models.reminders import Engagement, QuietHours, Settings, ShardWork
from tests.fakes import Crash, device, reminder
from tests.reminder_pipeline import Pipeline

NINE = datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # 09:00 in New York
MINUTE = timedelta(minutes=1)


def _delivered_once(pipeline: Pipeline, users: list[str]) -> None:
    per_notification = pipeline.gateway.per_notification()
    sent_users = Counter(push.notification_id for push in pipeline.gateway.accepted)
    assert len(sent_users) == len(users)
    assert set(per_notification.values()) == {1}


# --- the split ---


def test_every_value_of_the_shard_key_is_read_by_exactly_one_worker_whatever_the_shard_count() -> None:
    for shards in (1, 7, 8, 64, 100):
        values = [value for work in split_tick(NINE, shards) for value in shard_values(work)]
        assert sorted(values) == list(range(MAX_SHARD_VALUES))


def test_occurrences_travel_fifty_to_a_message_and_a_single_one_still_reads() -> None:
    occurrences = [DueOccurrence(user_id=f"u{n}", reminder_id="r", occurrence=NINE) for n in range(120)]

    bodies = encode_messages(occurrences)

    assert [len(decode_message(body)) for body in bodies] == [50, 50, 20]
    legacy = '{"user_id": "u", "reminder_id": "r", "occurrence": "2027-03-15T13:00:00Z"}'
    assert decode_message(legacy) == [DueOccurrence(user_id="u", reminder_id="r", occurrence=NINE)]


# --- the tick ---


def test_ten_thousand_due_across_all_shards_are_each_sent_once_and_the_tick_writes_none_of_them() -> None:
    # Given 10,000 users due at 09:00 across every shard
    pipeline = Pipeline()
    users = [f"user{n:05d}" for n in range(10_000)]
    for user in users:
        pipeline.user(user, NINE)

    # When the tick runs and the sender drains the queue
    reports = pipeline.tick(NINE)
    report, retried = pipeline.send(NINE + timedelta(seconds=20))

    # Then every reminder was read once, enqueued once and delivered once, and none was written: each
    # waits in the same minute's slot for tomorrow
    assert sum(r.due for r in reports) == sum(r.enqueued for r in reports) == 10_000
    assert sum(1 for r in reports if r.due) == pipeline.shards
    assert set(pipeline.reminders.reads.values()) == {1}
    assert pipeline.statuses(report) == {"sent": 10_000}
    assert retried == []
    _delivered_once(pipeline, users)
    assert pipeline.reminders.writes == Counter()
    assert sum(r.advanced for r in reports) == 0

    # And the next day they fire again from where they wait, still unwritten
    tomorrow = pipeline.tick(NINE + timedelta(days=1))
    assert sum(r.enqueued for r in tomorrow) == 10_000
    assert pipeline.reminders.writes == Counter()


def test_a_worker_killed_after_enqueueing_part_of_its_shard_only_enqueues_again_never_skips() -> None:
    # Given one shard with 1,000 due reminders, and a worker that dies while enqueueing its third chunk
    pipeline = Pipeline(shards=1)
    users = [f"user{n:04d}" for n in range(1_000)]
    for user in users:
        pipeline.user(user, NINE)
    sends = iter(range(10_000))
    original = pipeline.queue.send_all

    def dies_on_the_third(bodies: list[str]) -> None:
        if next(sends) == 2:
            raise Crash("the invocation was killed")
        original(bodies)

    pipeline.queue.send_all = dies_on_the_third  # type: ignore[method-assign]
    work = ShardWork(scheduled_time=NINE, shard=0, shards=1)
    with pytest.raises(Crash):
        pipeline.worker().run(work, owner="dies")
    pipeline.queue.send_all = original  # type: ignore[method-assign]
    enqueued_before = len(pipeline.queue.occurrences())
    assert 0 < enqueued_before < 1_000
    assert pipeline.leases.items["1/0"]["pending"] == NINE  # recorded before anything was read

    # When its lease has run out and the next minute's worker runs
    pipeline.leases.items["1/0"]["until"] = datetime(2000, 1, 1, tzinfo=UTC)
    report = pipeline.worker().run(ShardWork(scheduled_time=NINE + MINUTE, shard=0, shards=1), owner="next")
    queued = pipeline.queue.occurrences()
    sent, retried = pipeline.send(NINE + 2 * MINUTE)

    # Then it took the dead worker's minute over: everything is enqueued at least once (what went out
    # before the crash, twice), and each goes out once
    assert report.ticks == [NINE + MINUTE]
    assert report.minutes == 2
    assert report.due == 1_000
    assert {due.user_id for due in queued} == set(users)
    assert len(queued) == 1_000 + enqueued_before
    assert pipeline.statuses(sent) == {"sent": 1_000, "skipped": enqueued_before}
    assert retried == []
    _delivered_once(pipeline, users)
    assert "pending" not in pipeline.leases.items["1/0"]


def test_a_tick_that_runs_out_of_time_carries_its_minute_over_and_the_claims_absorb_what_is_read_again() -> None:
    # Given 2,000 due in one shard, and a worker whose time runs short while it reads its fifth page of 250
    pipeline = Pipeline(shards=1)
    for n in range(2_000):
        pipeline.user(f"user{n:04d}", NINE)
    remaining = [120.0]
    pages = iter(range(100))
    pipeline.reminders.on_page = lambda: remaining.__setitem__(0, 120.0 if next(pages) < 4 else 5.0)

    # When the tick runs, then the next minute's tick with time to spare
    first = pipeline.worker(remaining).run(ShardWork(scheduled_time=NINE, shard=0, shards=1), owner="a")
    remaining[0] = 120.0
    pipeline.reminders.on_page = lambda: None
    assert pipeline.leases.items["1/0"]["pending"] == NINE
    second = pipeline.worker().run(ShardWork(scheduled_time=NINE + MINUTE, shard=0, shards=1), owner="b")

    # Then the first stopped with work left and gave the lease up, its minute still pending; the second
    # read that minute again (it keeps no place within a minute) and the next, and finished
    assert (first.carried_over, first.due) == (True, 1_250)
    assert (second.carried_over, second.due, second.minutes) == (False, 2_000, 2)
    assert "owner" not in pipeline.leases.items["1/0"]
    assert "pending" not in pipeline.leases.items["1/0"]
    assert set(pipeline.reminders.reads.values()) == {1, 2}
    report, _ = pipeline.send(NINE + 2 * MINUTE)
    assert pipeline.statuses(report) == {"sent": 2_000, "skipped": 1_250}  # the copies: duplicates
    assert set(pipeline.gateway.per_notification().values()) == {1}


def test_a_tick_that_finds_its_shard_busy_leaves_its_time_to_the_holder() -> None:
    # Given a worker holding the shard while the next minute's tick arrives during its first page
    pipeline = Pipeline(shards=1)
    pipeline.user("early", NINE)
    pipeline.user("late", NINE + MINUTE)
    later_reports = []

    def next_tick_arrives() -> None:
        pipeline.reminders.on_page = lambda: None
        later = ShardWork(scheduled_time=NINE + MINUTE, shard=0, shards=1)
        later_reports.append(pipeline.worker().run(later, owner="later"))

    pipeline.reminders.on_page = next_tick_arrives

    # When the first worker runs
    holder = pipeline.worker().run(ShardWork(scheduled_time=NINE, shard=0, shards=1), owner="holder")

    # Then the later tick left at once, and the holder went on to the later time itself
    assert [r.busy for r in later_reports] == [True]
    assert holder.ticks == [NINE, NINE + MINUTE]
    assert holder.enqueued == 2
    assert "owner" not in pipeline.leases.items["1/0"]


@pytest.mark.parametrize("failing", ["queue.send", "index.query", "leases.pending"])
def test_a_dependency_failure_during_the_tick_leaves_the_reminders_due_for_the_next(failing: str) -> None:
    # Given 500 due reminders and SQS or DynamoDB failing for the whole of one tick
    pipeline = Pipeline(shards=2)
    users = [f"user{n:03d}" for n in range(500)]
    for user in users:
        pipeline.user(user, NINE)
    pipeline.faults.fail(failing)
    first = pipeline.tick(NINE)
    assert sum(sum(r.errors.values()) for r in first) > 0

    # When it recovers and the next minute's tick runs, then the sender
    pipeline.faults.heal()
    pipeline.tick(NINE + MINUTE)
    report, _ = pipeline.send(NINE + 2 * MINUTE)

    # Then each is delivered once (the failed minute stayed pending; the claim absorbs any copy)
    assert pipeline.statuses(report)["sent"] == 500
    _delivered_once(pipeline, users)


# A dependency that refuses for good: the fakes' operations each outage breaks.
REFUSALS = {
    "the table's KMS key disabled": ["index.query", "index.advance"],
    "SQS down": ["queue.send"],
}


@pytest.mark.parametrize("outage", sorted(REFUSALS))
def test_a_non_transient_dependency_error_fails_the_worker_loudly_and_loses_nothing(outage: str) -> None:
    # Given 500 due reminders in one shard, and a dependency refusing for good (not transient)
    pipeline = Pipeline(shards=1)
    users = [f"user{n:03d}" for n in range(500)]
    for user in users:
        pipeline.user(user, NINE)
    for operation in REFUSALS[outage]:
        pipeline.faults.fail(operation, transient=False)

    # When the tick's worker runs, then it fails (the invocation errors, so the alarm fires)
    with pytest.raises(ShardFailedError) as failed:
        pipeline.worker().run(ShardWork(scheduled_time=NINE, shard=0, shards=1), owner="refused")
    report = failed.value.report
    assert failed.value.cause.transient is False
    assert sum(report.errors.values()) >= 1
    assert report.carried_over is True
    assert report.enqueued == 0
    assert "owner" not in pipeline.leases.items.get("1/0", {})  # the lease was given back
    assert pipeline.leases.items["1/0"]["pending"] == NINE

    # And once it is fixed, the next minute's tick and the sender deliver every one, once
    pipeline.faults.heal()
    [after] = pipeline.tick(NINE + MINUTE)
    sent, retried = pipeline.send(NINE + 2 * MINUTE)
    assert after.carried_over is False
    assert pipeline.statuses(sent)["sent"] == 500
    assert retried == []
    _delivered_once(pipeline, users)
    assert pipeline.reminders.writes == Counter()


def test_a_refused_chunk_stops_new_work_but_settles_what_is_in_flight() -> None:
    # Given 1,000 due, and SQS refusing after the first two chunks went out
    pipeline = Pipeline(shards=1)
    for n in range(1_000):
        pipeline.user(f"user{n:04d}", NINE)
    sends = iter(range(10_000))
    original = pipeline.queue.send_all

    def send_all(bodies: list[str]) -> None:
        if next(sends) >= 2:
            raise DependencyError("sqs", "send_message_batch", transient=False)
        original(bodies)

    pipeline.queue.send_all = send_all  # type: ignore[method-assign]

    with pytest.raises(ShardFailedError) as failed:
        pipeline.worker().run(ShardWork(scheduled_time=NINE, shard=0, shards=1), owner="refused")

    # Then each chunk it read was either enqueued or failed, and its minute stays pending for the next tick
    report = failed.value.report
    assert report.enqueued + report.failed == report.due
    assert report.enqueued >= 100
    assert report.failed > 0
    assert pipeline.leases.items["1/0"]["pending"] == NINE


def test_a_transient_error_is_still_carried_over_without_failing_the_worker() -> None:
    pipeline = Pipeline(shards=1)
    pipeline.user("someone", NINE)
    pipeline.faults.fail("queue.send")  # throttled past the retries: transient

    [report] = pipeline.tick(NINE)

    assert report.errors == Counter({"sqs": 1})
    assert report.failed == 1


def test_an_occurrence_already_past_its_window_at_the_tick_is_counted_expired_and_not_enqueued() -> None:
    # Given a worker that could not reach its shard for a quarter of an hour (its minute pending)
    pipeline = Pipeline(shards=1)
    pipeline.user("late", NINE)
    pipeline.user("in_time", NINE + 5 * MINUTE)
    pipeline.leases.request("1/0", NINE)

    [report] = pipeline.tick(NINE + timedelta(minutes=15))

    # Then it read every minute since, counted the one past its window, and sent the other
    assert (report.minutes, report.due, report.expired, report.enqueued) == (16, 2, 1, 1)
    assert [due.user_id for due in pipeline.queue.occurrences()] == ["in_time"]
    assert pipeline.reminders.writes == Counter()


def _one_due(pipeline: Pipeline, *, targets: tuple[str, ...] = ("fid-ok",)) -> None:
    pipeline.user("ana", NINE, targets=targets)
    pipeline.tick(NINE)


def test_a_crash_after_claiming_before_sending_is_sent_on_redelivery_after_the_lease() -> None:
    # Given a sender that claims, then dies before pushing
    pipeline = Pipeline()
    _one_due(pipeline)
    messages = pipeline.queue.take_all()
    pipeline.faults.crash("after_claim")
    with pytest.raises(Crash):
        pipeline.send(NINE + timedelta(seconds=10), messages)
    assert pipeline.gateway.accepted == []

    # When SQS redelivers while the lease is live, and again once it has expired
    while_live, _ = pipeline.send(NINE + MINUTE, messages)
    pipeline.notifications.expire_leases()
    after, retried = pipeline.send(NINE + 4 * MINUTE, messages)

    # Then the live lease is respected (redelivered later), and the expired one is taken over and sent
    assert pipeline.statuses(while_live) == {"retry": 1}
    assert pipeline.statuses(after) == {"sent": 1}
    assert retried == []
    assert len(pipeline.gateway.accepted) == 1


def test_a_crash_after_fcm_accepted_sends_at_most_one_duplicate_with_the_same_collapse_identity() -> None:
    # Given a sender that dies after FCM accepted the push, before recording it
    pipeline = Pipeline()
    _one_due(pipeline)
    messages = pipeline.queue.take_all()
    pipeline.faults.crash("after_fcm_accepted")
    with pytest.raises(Crash):
        pipeline.send(NINE + timedelta(seconds=5), messages)

    # When SQS redelivers after the lease expired, and then once more
    pipeline.notifications.expire_leases()
    pipeline.send(NINE + 4 * MINUTE, messages)
    pipeline.send(NINE + 8 * MINUTE, messages)

    # Then the device got it twice at most, with the same notification id (and so the same collapse key)
    first, second = pipeline.gateway.accepted
    assert (first.notification_id, first.kind, first.data) == (second.notification_id, second.kind, second.data)


@pytest.mark.parametrize(
    "failing",
    ["credentials", "reminders.get_many", "profiles.get_many", "notifications.get_many", "devices.list"],
)
def test_a_failure_before_claiming_claims_nothing_and_loses_nothing(failing: str) -> None:
    # Given Secrets Manager, OAuth or DynamoDB failing while the batch is loaded
    pipeline = Pipeline()
    _one_due(pipeline)
    pipeline.faults.fail(failing)

    failed, retried = pipeline.send(NINE + timedelta(seconds=5))

    # Then nothing is claimed and the message comes back whole
    assert pipeline.statuses(failed) == {"retry": 1}
    assert len(retried) == 1
    assert pipeline.notifications.states == {}

    # When the dependency is back, the redelivery sends it once
    pipeline.faults.heal()
    sent, _ = pipeline.send(NINE + 4 * MINUTE)
    assert pipeline.statuses(sent) == {"sent": 1}
    assert len(pipeline.gateway.accepted) == 1


def test_a_claim_that_fails_is_retried_and_sent_once_after_its_lease() -> None:
    pipeline = Pipeline()
    _one_due(pipeline)
    pipeline.faults.fail("notifications.claim", times=1)

    failed, _ = pipeline.send(NINE + timedelta(seconds=5))
    sent, _ = pipeline.send(NINE + 4 * MINUTE)

    assert (pipeline.statuses(failed), pipeline.statuses(sent)) == ({"retry": 1}, {"sent": 1})
    assert len(pipeline.gateway.accepted) == 1


def test_a_failure_to_record_after_sending_does_not_resend_what_was_delivered() -> None:
    pipeline = Pipeline()
    _one_due(pipeline)
    pipeline.faults.fail("notifications.complete", times=1)

    report, retried = pipeline.send(NINE + timedelta(seconds=5))

    assert pipeline.statuses(report) == {"sent": 1}
    assert retried == []
    assert len(pipeline.gateway.accepted) == 1


def test_a_transient_push_failure_resumes_with_only_the_devices_not_reached() -> None:
    # Given two devices, one of which fails transiently once
    pipeline = Pipeline()
    _one_due(pipeline, targets=("fid-ok", "flaky"))

    first, retried = pipeline.send(NINE + timedelta(seconds=5))
    second, _ = pipeline.send(NINE + 4 * MINUTE)

    assert pipeline.statuses(first) == {"retry": 1}
    assert len(retried) == 1
    assert pipeline.statuses(second) == {"sent": 1}
    assert sorted(push.device_id for push in pipeline.gateway.accepted) == ["d0", "d1"]


def test_an_outage_of_fcm_is_retried_within_the_window_and_expires_after_it() -> None:
    pipeline = Pipeline()
    _one_due(pipeline)
    pipeline.faults.fail("fcm")

    attempts = [pipeline.send(NINE + minutes * MINUTE)[0] for minutes in (0, 3, 6, 9, 12, 15)]

    assert [pipeline.statuses(a) for a in attempts[:-1]] == [{"retry": 1}] * 5
    assert pipeline.statuses(attempts[-1]) == {"expired": 1}
    assert pipeline.queue.bodies == []  # expired: counted, and no longer redelivered


def test_results_are_matched_to_their_messages_by_id() -> None:
    # Given users whose devices answer differently (the fake answers in reverse order)
    pipeline = Pipeline()
    gone_users = {f"user{n:02d}" for n in range(30) if n % 3 == 0}
    for n in range(30):
        user = f"user{n:02d}"
        pipeline.user(user, NINE, targets=("gone",) if user in gone_users else ("fid-ok",))
    pipeline.tick(NINE)

    report, _ = pipeline.send(NINE + timedelta(seconds=5))

    assert pipeline.statuses(report) == {"sent": 30 - len(gone_users), "failed": len(gone_users)}
    assert {user for user, devices in pipeline.devices.items.items() if not devices} == gone_users


def test_a_user_with_many_devices_reaches_the_ten_refreshed_last_and_the_record_stays_small() -> None:
    pipeline = Pipeline()
    pipeline.reminders.put("ana", reminder("morning", NINE))
    for n in range(50):
        pipeline.devices.put("ana", device(f"d{n:02d}", f"fid-ok-{n}", NINE - timedelta(hours=n)))
    pipeline.tick(NINE)

    pipeline.send(NINE + timedelta(seconds=5))

    assert sorted(push.device_id for push in pipeline.gateway.accepted) == [f"d{n:02d}" for n in range(10)]
    [state] = pipeline.notifications.states.values()
    assert len(state.record.delivered) == 10


def test_an_occurrence_past_its_window_at_the_sender_is_counted_expired_not_sent() -> None:
    pipeline = Pipeline()
    _one_due(pipeline)

    report, retried = pipeline.send(NINE + timedelta(minutes=15))

    assert pipeline.statuses(report) == {"expired": 1}
    assert retried == []
    assert pipeline.gateway.accepted == []


def test_a_user_erased_while_their_reminder_is_being_sent_gets_nothing_written_or_sent() -> None:
    # Given a batch whose epochs were read just before the user erased their account
    pipeline = Pipeline()
    _one_due(pipeline)
    read = pipeline.epochs.get_many

    def read_then_erased(user_ids: Sequence[str]) -> dict[str, ErasureEpoch]:
        epochs = read(user_ids)
        pipeline.epochs.erase("ana")
        return epochs

    pipeline.epochs.get_many = read_then_erased  # type: ignore[method-assign]

    report, retried = pipeline.send(NINE + timedelta(seconds=5))

    assert pipeline.statuses(report) == {"skipped": 1}
    assert retried == []
    assert pipeline.gateway.accepted == []
    assert pipeline.notifications.states == {}


def test_a_user_whose_erasure_is_running_is_skipped() -> None:
    pipeline = Pipeline()
    _one_due(pipeline)
    pipeline.epochs.epochs["ana"] = ErasureEpoch(erasures=1, erasing_until=(NINE + MINUTE).timestamp())

    report, _ = pipeline.send(NINE + timedelta(seconds=5))

    assert [o.reason for outcomes in report.outcomes.values() for o in outcomes] == ["erased"]
    assert pipeline.gateway.accepted == []


def test_a_quiet_shard_is_read_once_and_nothing_is_written() -> None:
    pipeline = Pipeline(shards=1)
    pipeline.user("later", NINE + timedelta(hours=1))

    [report] = pipeline.tick(NINE)

    assert (report.due, report.ticks) == (0, [])
    assert pipeline.leases.items == {}
    assert pipeline.queue.bodies == []


# --- devices and our own credentials ---


def test_a_wrong_firebase_key_removes_no_device_and_the_reminders_go_out_once_it_is_fixed() -> None:
    # Given 30 users with two devices each, and FCM refusing our credentials (SENDER_ID_MISMATCH)
    pipeline = Pipeline(shards=1)
    users = [f"user{n:02d}" for n in range(30)]
    for user in users:
        pipeline.user(user, NINE, targets=("fid-a", "fid-b"))
    pipeline.tick(NINE)
    messages = pipeline.queue.take_all()
    pipeline.faults.fail("wrong_credentials")

    # When the sender works the batch
    refused, retried = pipeline.send(NINE + timedelta(seconds=20), messages)

    # Then nothing was delivered, nothing removed, and every message comes back for another attempt
    assert pipeline.gateway.accepted == []
    assert set(pipeline.statuses(refused)) == {"retry"}
    assert len(retried) == len(messages)
    assert sum(o.devices_removed for outs in refused.outcomes.values() for o in outs) == 0
    assert all(len(pipeline.devices.items[user]) == 2 for user in users)
    assert pipeline.devices.removed == {}
    assert refused.pushes["credentials_refused"] == 60

    # And once the right key is in place, the redelivery (after the claims' lease) sends every one, once
    pipeline.faults.heal()
    pipeline.notifications.expire_leases()
    sent, _ = pipeline.send(NINE + 4 * MINUTE, [(str(n), body) for n, body in enumerate(retried)])
    assert pipeline.statuses(sent) == {"sent": 30}
    assert len(pipeline.gateway.accepted) == 60


def test_a_device_fcm_calls_gone_is_removed_softly_and_a_registration_restores_it() -> None:
    # Given a user with a device FCM no longer knows, and one it does
    pipeline = Pipeline()
    _one_due(pipeline, targets=("gone", "fid-ok"))

    report, _ = pipeline.send(NINE + timedelta(seconds=10))

    # Then the gone one is hidden from delivery but kept (30 days in the table), the other one reached
    assert pipeline.statuses(report) == {"sent": 1}
    assert list(pipeline.devices.items["ana"]) == ["d1"]
    assert list(pipeline.devices.removed["ana"]) == ["d0"]
    assert sum(o.devices_removed for outs in report.outcomes.values() for o in outs) == 1

    # When the app registers that device again, it is back
    restored = pipeline.devices.removed["ana"]["d0"].model_copy(update={"fid": "fid-new-ana-0"})
    pipeline.devices.put("ana", restored)
    assert sorted(pipeline.devices.items["ana"]) == ["d0", "d1"]
    assert pipeline.devices.removed["ana"] == {}


# --- a poison occurrence fails alone ---

PLUS_14 = timezone(timedelta(hours=14))


def _poison_settings(pipeline: Pipeline, user: str) -> None:
    # Quiet hours no API would accept (25:00): stored before a rule, or by hand
    bad = QuietHours.model_construct(start="25:00", end="07:00")
    pipeline.profiles.settings[user] = Settings.model_construct(**{**Settings().__dict__, "quiet_hours": bad})


def _poison_zone(pipeline: Pipeline, user: str) -> None:
    stored = pipeline.reminders.items[(user, "morning")]
    pipeline.reminders.items[(user, "morning")] = stored.model_copy(update={"timezone": "Mars/Olympus"})


def _poison_last_sent(pipeline: Pipeline, user: str) -> None:
    # A naive instant where the sender compares aware ones (gentle pacing reads the last send)
    pipeline.profiles.engagement[user] = Engagement(unopened_streak=5, last_sent={"morning": datetime(2027, 3, 13, 13)})


def _poison_stored_document(pipeline: Pipeline, user: str) -> None:
    # A stored settings document that no longer validates: the batch read of profiles raises for it
    pipeline.profiles.documents[user] = '{"max_per_day": 3, "retired_setting": true}'


@pytest.mark.parametrize("poison", [_poison_settings, _poison_zone, _poison_last_sent, _poison_stored_document])
def test_one_poisoned_occurrence_among_500_in_a_batch_fails_alone_and_is_not_retried(
    poison: Callable[[Pipeline, str], None],
) -> None:
    # Given 500 users due at 09:00, all in one sender batch (10 messages of 50), one of them with data
    # the sender cannot handle
    pipeline = Pipeline(shards=1)
    users = [f"user{n:03d}" for n in range(500)]
    for user in users:
        pipeline.user(user, NINE)
    pipeline.tick(NINE)
    poison(pipeline, "user123")

    # When the sender works the batch
    messages = pipeline.queue.take_all()
    assert len(messages) == 10
    report, retried = pipeline.send(NINE + timedelta(seconds=20), messages)

    # Then the 499 others are sent, the poisoned one is failed for bad data, and nothing comes back
    assert pipeline.statuses(report) == {"sent": 499, "failed": 1}
    [failed] = [o for outcomes in report.outcomes.values() for o in outcomes if o.status.value == "failed"]
    assert failed.reason == "bad_data"
    assert retried == []
    _delivered_once(pipeline, [user for user in users if user != "user123"])


def test_an_occurrence_the_queue_carries_unreadably_fails_alone() -> None:
    # Given a message whose first occurrence has no offset (a hand-made redrive, say)
    pipeline = Pipeline(shards=1)
    for n in range(50):
        pipeline.user(f"user{n:02d}", NINE)
    pipeline.tick(NINE)
    [(message_id, body)] = pipeline.queue.take_all()
    document = json.loads(body)
    document["occurrences"][0]["occurrence"] = "2027-03-15T13:00:00"

    report, retried = pipeline.send(NINE + timedelta(seconds=20), [(message_id, json.dumps(document))])

    assert pipeline.statuses(report) == {"sent": 49, "failed": 1}
    assert retried == []


@pytest.mark.parametrize(
    ("paused_until", "statuses"),
    [
        (datetime(1, 1, 1, tzinfo=PLUS_14), {"sent": 30}),  # long over: not paused
        (datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))), {"sent": 29, "skipped": 1}),
    ],
)
def test_a_paused_until_stored_before_the_range_was_enforced_is_read_safely(
    paused_until: datetime, statuses: dict[str, int]
) -> None:
    # Given the probe's case: one user's stored pause cannot even be converted to UTC, 29 others due too
    pipeline = Pipeline(shards=1)
    for n in range(30):
        pipeline.user(f"user{n:02d}", NINE)
    pipeline.profiles.settings["user07"] = Settings(paused_until=paused_until)
    pipeline.tick(NINE)

    report, retried = pipeline.send(NINE + timedelta(seconds=20))

    # Then nobody's reminder is lost: the pause is read by the documented rule
    assert pipeline.statuses(report) == statuses
    assert retried == []
