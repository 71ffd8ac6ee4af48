"""The insights rollups in DynamoDB: one item per user and local week (selfkind.domain.rollups).

Items (pk = USER#<sub>):
  ROLLUP#WEEK#<monday>   entries, mood_sum, mood_n,               sums, changed by ADD in the push's own
                         x:<practice>:d0..d6|ms|ss|sn (N),         transaction (sync_repository.commit)
                         c:<check-in id> (S "<taken_at>:<answers>") one attribute per check-in, SET/REMOVE
  ROLLUP#ALL             x:<practice>:d0..d6|ms|ss|sn (N)          the practice sums of all time (reminders)

The user's zone lives on the sync head (`tz_set` chosen in the settings, `tz_device` the zone of the
first device registered), which every push reads anyway: rolling up costs a push no extra read.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from selfkind.data.base import Repository
from selfkind.data.keys import ROLLUP_PREFIX, SYNC_HEAD_SK, rollup_week_from_sk, rollup_week_sk, user_pk
from selfkind.domain.rollups import ALL_TIME, Rollups, WeekChange, WeekRollup

_CHECK_IN = "c:"
_NOT_SUMS = frozenset({"pk", "sk"})
HEAD_ZONE_ATTRIBUTES = ("tz_set", "tz_device")


def zone_from_head_item(item: dict[str, Any] | None) -> str:
    """The zone new records are rolled up in: the one chosen in the settings, else the first device's."""
    for name in HEAD_ZONE_ATTRIBUTES:
        if item and name in item:
            return str(item[name]["S"])
    return "UTC"


def week_update_action(table_name: str, user_id: str, week: date, change: WeekChange) -> dict[str, Any]:
    """A transaction item applying one week's change: ADD for sums, SET and REMOVE for check-ins."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {}
    adds, sets, removes = [], [], []
    for index, (name, amount) in enumerate(sorted(change.add.items())):
        names[f"#a{index}"] = name
        values[f":a{index}"] = {"N": str(amount)}
        adds.append(f"#a{index} :a{index}")
    for index, (record_id, value) in enumerate(sorted(change.put_check_ins.items())):
        names[f"#p{index}"] = _CHECK_IN + record_id
        values[f":p{index}"] = {"S": value}
        sets.append(f"#p{index} = :p{index}")
    for index, record_id in enumerate(sorted(change.remove_check_ins)):
        names[f"#r{index}"] = _CHECK_IN + record_id
        removes.append(f"#r{index}")
    clauses = [
        f"{verb} {', '.join(parts)}" for verb, parts in (("ADD", adds), ("SET", sets), ("REMOVE", removes)) if parts
    ]
    update: dict[str, Any] = {
        "TableName": table_name,
        "Key": {"pk": {"S": user_pk(user_id)}, "sk": {"S": rollup_week_sk(week)}},
        "UpdateExpression": " ".join(clauses),
        "ExpressionAttributeNames": names,
    }
    if values:
        update["ExpressionAttributeValues"] = values
    return {"Update": update}


def week_from_item(item: dict[str, Any]) -> WeekRollup:
    rollup = WeekRollup()
    for name, value in item.items():
        if name in _NOT_SUMS:
            continue
        if name.startswith(_CHECK_IN):
            rollup.check_ins[name.removeprefix(_CHECK_IN)] = value["S"]
        elif "N" in value:
            rollup.counters[name] = int(value["N"])
    return rollup


class RollupRepository(Repository):
    def read(self, user_id: str, weeks: Sequence[date]) -> tuple[str, Rollups]:
        """The user's zone and the given weeks' rollups: one read of the head and one batch of weeks
        (at most 52 keys), whatever the length of the user's history."""
        pk = user_pk(user_id)
        keys = [{"pk": {"S": pk}, "sk": {"S": SYNC_HEAD_SK}}]
        keys += [{"pk": {"S": pk}, "sk": {"S": rollup_week_sk(week)}} for week in weeks]
        items = self._batch_get_items(keys)
        head = next((item for item in items if item["sk"]["S"] == SYNC_HEAD_SK), None)
        rollups = {
            rollup_week_from_sk(item["sk"]["S"]): week_from_item(item)
            for item in items
            if item["sk"]["S"].startswith(ROLLUP_PREFIX)
        }
        return zone_from_head_item(head), rollups

    def read_all_time(self, user_ids: Sequence[str]) -> dict[str, WeekRollup]:
        """Each user's all-time practice sums, in as few requests as DynamoDB allows (practice reminders)."""
        keys = [{"pk": {"S": user_pk(user_id)}, "sk": {"S": rollup_week_sk(ALL_TIME)}} for user_id in user_ids]
        items = self._batch_get_items(keys)
        found = {item["pk"]["S"]: week_from_item(item) for item in items}
        return {user_id: found.get(user_pk(user_id), WeekRollup()) for user_id in user_ids}

    def read_all(self, user_id: str) -> Rollups:
        """Every rollup item of the user (the proofs compare them with a rebuild)."""
        return {
            rollup_week_from_sk(item["sk"]["S"]): week_from_item(item)
            for item in self._items_with_prefix(user_id, ROLLUP_PREFIX)
        }
