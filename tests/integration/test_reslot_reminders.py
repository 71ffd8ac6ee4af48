"""The move to the timing wheel against moto: reminders written before it (in the old `due` index) and
reminders stranded by a change of clocks while no tick ran are set down where the tick reads them, by the
tick as they fire or by tools/reslot_reminders.py, and each occurrence goes out once: never lost, never
doubled."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from selfkind.data.base import iso_utc
from selfkind.data.reminder_repository import ReminderRepository, due_shard, reminder_item
from selfkind.domain.ports.tick import SweptReminder
from selfkind.domain.reslot import reslot
from selfkind.models.reminders import StoredReminder
from tests.reminder_world import DAY, SHARDS, ReminderWorld, local
from tools.reslot_reminders import main, run

MONDAY_8AM = local("2027-03-15T08:00")


def _put_before_the_wheel(world: ReminderWorld, user: str, reminder: StoredReminder) -> None:
    """The item as the repository wrote it before the wheel: in the `due` index under its next occurrence."""
    assert reminder.next_fire_at is not None
    item = reminder_item(user, reminder, SHARDS)
    for name in ("wheel_shard", "wheel_slot", "wheel_from"):
        item.pop(name)
    item["due_shard"] = {"S": due_shard(user, reminder.reminder_id, SHARDS)}
    item["due_at"] = {"S": iso_utc(reminder.next_fire_at)}
    boto3.client("dynamodb").put_item(TableName=world.table, Item=item)


def _old_index_entries(world: ReminderWorld) -> int:
    pages = (
        boto3.client("dynamodb").get_paginator("scan").paginate(TableName=world.table, IndexName="due", Select="COUNT")
    )
    return sum(page["Count"] for page in pages)


def _users_with_a_reminder_before_the_wheel(world: ReminderWorld, count: int) -> list[str]:
    users = [f"user{n:02d}" for n in range(count)]
    for n, user in enumerate(users):
        world.device(user, "phone", fid=f"fid-phone-{n:04d}")
        reminder = world.reminder(user, "morning", "08:00", after=MONDAY_8AM - DAY)
        _put_before_the_wheel(world, user, reminder)
    return users


def _metric_total(stdout: str, metric: str) -> int:
    """The metric's total over the EMF records the functions printed."""
    records = [json.loads(line) for line in stdout.splitlines() if line.startswith('{"_aws"')]
    return sum(int(sum(record[metric])) for record in records if metric in record)


def _sent_per_user(world: ReminderWorld) -> dict[str, int]:
    counts: dict[str, int] = {}
    for push in world.pushes():
        fid = push["message"]["fid"]
        counts[fid] = counts.get(fid, 0) + 1
    return counts


def test_the_sweep_moves_every_reminder_out_of_the_old_index_and_each_then_fires_once(world: ReminderWorld) -> None:
    users = _users_with_a_reminder_before_the_wheel(world, 12)
    assert _old_index_entries(world) == 12

    counted = run(world.table, SHARDS, apply=False, now=MONDAY_8AM - timedelta(hours=1))
    assert (counted.read, counted.misplaced, counted.moved) == (12, 12, 0)
    assert _old_index_entries(world) == 12  # counting writes nothing

    applied = run(world.table, SHARDS, apply=True, now=MONDAY_8AM - timedelta(hours=1))
    again = run(world.table, SHARDS, apply=True, now=MONDAY_8AM - timedelta(hours=1))
    report = world.tick(MONDAY_8AM)

    assert (applied.misplaced, applied.moved, applied.moved_elsewhere) == (12, 12, 0)
    assert (again.misplaced, again.moved) == (0, 0)
    assert _old_index_entries(world) == 0
    assert (report["due"], report["sent"]) == (12, 12)
    assert set(_sent_per_user(world).values()) == {1}
    stored = world.reminders().get(users[0], "morning")
    assert stored is not None
    assert stored.next_fire_at == MONDAY_8AM


def test_the_tick_moves_what_it_fires_and_the_sweep_the_rest_with_nothing_sent_twice(
    world: ReminderWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    _users_with_a_reminder_before_the_wheel(world, 6)
    for n in range(6):  # and six due in the evening, also from before the wheel
        user = f"evening{n}"
        world.device(user, "phone", fid=f"fid-evening-{n:04d}")
        _put_before_the_wheel(world, user, world.reminder(user, "evening", "20:00", after=MONDAY_8AM))

    morning = world.tick(MONDAY_8AM)  # the morning ones fire, and move into the wheel as they do
    # what the runbook watches before dropping the old index
    assert _metric_total(capsys.readouterr().out, "RemindersMigrated") == 6
    swept = run(world.table, SHARDS, apply=True, now=MONDAY_8AM + timedelta(minutes=1))
    evening = world.tick(local("2027-03-15T20:00"))
    next_morning = world.tick(MONDAY_8AM + DAY)

    assert (morning["sent"], swept.read, swept.misplaced, swept.moved) == (6, 12, 6, 6), swept
    assert (evening["sent"], next_morning["sent"]) == (6, 6)
    assert _old_index_entries(world) == 0
    assert sorted(_sent_per_user(world).values()) == [1] * 6 + [2] * 6


def test_reminders_stranded_by_a_change_of_clocks_while_no_tick_ran_are_moved_and_fire_on_time(
    world: ReminderWorld,
) -> None:
    # Set down in February (EST: 08:00 is 13:00 UTC); the schedule was off until after the change to EDT
    world.device("ana", "phone", fid="fid-phone-0001")
    world.reminder("ana", "morning", "08:00", after=local("2027-02-10T09:00"))

    report = run(world.table, SHARDS, apply=True, now=MONDAY_8AM - timedelta(hours=2))
    sent = world.tick(MONDAY_8AM)

    assert (report.misplaced, report.moved) == (1, 1)
    assert sent["sent"] == 1
    stored = world.reminders().get("ana", "morning")
    assert stored is not None
    assert stored.next_fire_at == MONDAY_8AM  # now in 12:00 UTC's slot


class _EditedAfterReading:
    """The repository, with a user's edit landing between the sweep's read and its move."""

    def __init__(self, repository: ReminderRepository, edit: Any) -> None:
        self._repository = repository
        self._edit = edit

    def enabled_pages(self) -> Iterator[list[SweptReminder]]:
        for page in self._repository.enabled_pages():
            self._edit()
            yield page

    def advance(self, moves: Any) -> Any:
        return self._repository.advance(moves)


def test_a_reminder_edited_while_the_sweep_runs_keeps_the_edit(world: ReminderWorld) -> None:
    world.device("ana", "phone", fid="fid-phone-0001")
    before = world.reminder("ana", "morning", "08:00", after=MONDAY_8AM - DAY)
    _put_before_the_wheel(world, "ana", before)
    repository = world.reminders()

    def edit() -> None:
        world.reminder("ana", "morning", "09:30", after=MONDAY_8AM - timedelta(hours=1))

    report = reslot(_EditedAfterReading(repository, edit), MONDAY_8AM - timedelta(hours=1), apply=True)

    assert (report.misplaced, report.moved, report.moved_elsewhere) == (1, 0, 1)
    stored = repository.get("ana", "morning")
    assert stored is not None
    assert (stored.local_time, stored.next_fire_at) == ("09:30", local("2027-03-15T09:30"))


def test_the_command_counts_without_apply(world: ReminderWorld, capsys: Any, monkeypatch: Any) -> None:
    _users_with_a_reminder_before_the_wheel(world, 3)

    main(["--table", world.table, "--shards", str(SHARDS)])

    printed = capsys.readouterr().out
    assert '"applied": false' in printed
    assert '"misplaced": 3' in printed
    assert _old_index_entries(world) == 3
