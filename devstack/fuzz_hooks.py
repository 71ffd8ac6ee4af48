"""schemathesis hooks of `make fuzz` (devstack.fuzz loads this file through SCHEMATHESIS_HOOKS).

Every SELFKIND_FUZZ_TICK_EVERY calls it runs `POST /_local/tick`, so what the fuzzer stored (devices,
reminders, settings) goes through the reminder pipeline: the scheduler, its shard workers and the
sender. Tick times only move forward, from the later of now and the stack's last tick: to the earliest
reminder occurrence the fuzzer's calls have shown (`next_fire_at` in any answer) when it is within the
horizon, else ten minutes on (under the 15-minute window, so nothing due in between expires unseen).
They stay within HORIZON of the first, so the tests that tick after the fuzzer still find times ahead.

Each tick's status and answer go, one JSON line each, to SELFKIND_FUZZ_TICK_LOG, which devstack.fuzz
reads back: a tick must never answer a 5xx.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import schemathesis

STEP = timedelta(minutes=10)
HORIZON = timedelta(hours=6)
TICK_TIMEOUT_SECONDS = 180

_BASE_URL = os.environ.get("SELFKIND_FUZZ_URL", "")
_EVERY = int(os.environ.get("SELFKIND_FUZZ_TICK_EVERY", "0"))
_LOG = os.environ.get("SELFKIND_FUZZ_TICK_LOG", "")


class _Ticks:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.calls = 0
        self.start: datetime | None = None
        self.clock: datetime | None = None
        self.occurrences: set[datetime] = set()

    def first_time(self) -> datetime:
        """The later of now and the stack's last tick (tick times only move forward)."""
        with urllib.request.urlopen(f"{_BASE_URL}/_local/tick", timeout=30) as response:  # noqa: S310
            last = json.load(response).get("last")
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        return max(now, datetime.fromisoformat(last)) if last else now

    def next_time(self) -> datetime:
        if self.clock is None:
            self.start = self.clock = self.first_time()
        assert self.start is not None
        end = self.start + HORIZON
        ahead = sorted(when for when in self.occurrences if self.clock < when <= end)
        target = min(ahead[0] if ahead else self.clock + STEP, end)
        self.clock = max(self.clock, target)
        return self.clock


_TICKS = _Ticks()


def _occurrences(value: Any) -> list[datetime]:
    """Every `next_fire_at` in an answer (a reminder, or a list of them)."""
    if isinstance(value, dict):
        found = [instant for item in value.values() for instant in _occurrences(item)]
        fire_at = value.get("next_fire_at")
        if isinstance(fire_at, str):
            with contextlib.suppress(ValueError):
                found.append(datetime.fromisoformat(fire_at))
        return found
    if isinstance(value, list):
        return [instant for item in value for instant in _occurrences(item)]
    return []


def _tick(at: datetime) -> dict[str, Any]:
    body = json.dumps({"time": at.isoformat()}).encode()
    request = urllib.request.Request(f"{_BASE_URL}/_local/tick", data=body, method="POST")  # noqa: S310
    request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=TICK_TIMEOUT_SECONDS) as response:  # noqa: S310
            return {"time": at.isoformat(), "status": response.status, "answer": json.load(response)}
    except urllib.error.HTTPError as error:
        return {"time": at.isoformat(), "status": error.code, "answer": error.read().decode(errors="replace")}


@schemathesis.hook
def after_call(context: Any, case: Any, response: Any) -> None:
    if not (_BASE_URL and _EVERY and _LOG):
        return
    with _TICKS.lock:
        if response.status_code == 200 and response.content:
            with contextlib.suppress(ValueError):
                _TICKS.occurrences.update(_occurrences(json.loads(response.content)))
        _TICKS.calls += 1
        if _TICKS.calls % _EVERY:
            return
        result = _tick(_TICKS.next_time())
        with open(_LOG, "a") as log:
            log.write(json.dumps(result) + "\n")
