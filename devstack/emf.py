"""The metrics a function prints, read back as CloudWatch would read them.

Powertools writes each metric record to stdout in the embedded metric format (EMF); CloudWatch Logs
turns those lines into metrics. Locally, the ticker reads the sender's outcomes from the same records
(the sender returns only what Lambda reads: batchItemFailures).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO


class _Tee(io.TextIOBase):
    """Writes through to the stream it replaces, and keeps every complete line that is an EMF record."""

    def __init__(self, through: TextIO) -> None:
        self.through = through
        self.records: list[dict[str, Any]] = []
        self._pending = ""

    def write(self, text: str) -> int:
        self.through.write(text)
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            if line.startswith("{") and '"_aws"' in line:
                with contextlib.suppress(ValueError):  # a log line that merely looks like one
                    self.records.append(json.loads(line))
        return len(text)

    def flush(self) -> None:
        self.through.flush()


@contextlib.contextmanager
def printed_metrics() -> Iterator[list[dict[str, Any]]]:
    """The EMF records printed to stdout while the block runs (one invocation at a time: stdout is the
    process's), printed as before too."""
    tee = _Tee(sys.stdout)
    sys.stdout = tee
    try:
        yield tee.records
    finally:
        sys.stdout = tee.through


def metric_counts(
    records: Iterable[Mapping[str, Any]], metric: str, by: str, where: Mapping[str, str] | None = None
) -> Counter[str]:
    """The metric's total per value of the dimension `by`, over the records whose dimensions match `where`."""
    totals: Counter[str] = Counter()
    for record in records:
        if metric not in record or by not in record:
            continue
        if any(record.get(name) != value for name, value in (where or {}).items()):
            continue
        values = record[metric] if isinstance(record[metric], list) else [record[metric]]
        totals[str(record[by])] += int(sum(values))
    return totals


def sender_outcomes(records: Iterable[Mapping[str, Any]]) -> Counter[str]:
    """The sender's outcomes (sent, skipped, failed, retry, expired) from its Reminders and
    RemindersExpired metrics."""
    records = list(records)
    outcomes = metric_counts(records, "Reminders", by="outcome")
    outcomes["expired"] += metric_counts(records, "RemindersExpired", by="stage")["sender"]
    return +outcomes  # without zero counts
