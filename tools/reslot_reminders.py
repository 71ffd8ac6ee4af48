"""Sets every enabled reminder down where the timing wheel reads it in time (selfkind.domain.reslot).

    .venv/bin/python -m tools.reslot_reminders --table <table>            # count what is misplaced
    .venv/bin/python -m tools.reslot_reminders --table <table> --apply    # move it

Run it once after deploying the wheel (it empties the old `due` index, which the tick otherwise drains
as each reminder fires), and after the reminder schedule was switched off across a change of clocks
(docs/operations.md#the-timing-wheel). It reads the whole table once (a scan: read units only) and
writes only the misplaced reminders, each conditionally: safe beside running ticks and users' edits.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from datetime import UTC, datetime

from selfkind.data.reminder_repository import ReminderRepository
from selfkind.domain.reslot import ReslotReport, reslot


def run(table_name: str, shards: int, *, apply: bool, now: datetime | None = None) -> ReslotReport:
    repository = ReminderRepository(table_name, shards=shards)
    return reslot(repository, now or datetime.now(UTC), apply=apply)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table", required=True, help="the stack's table name")
    parser.add_argument("--shards", type=int, default=64, help="the stack's ReminderShards (default 64)")
    parser.add_argument("--apply", action="store_true", help="move what is misplaced (default: only count)")
    arguments = parser.parse_args(argv)
    report = run(arguments.table, arguments.shards, apply=arguments.apply)
    print(json.dumps({"applied": arguments.apply, **asdict(report)}))


if __name__ == "__main__":
    main()
