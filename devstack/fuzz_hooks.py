"""schemathesis hooks of `make fuzz` (devstack.fuzz loads this file through SCHEMATHESIS_HOOKS).

Every SELFKIND_FUZZ_TICK_EVERY calls it runs `POST /_local/tick`, so what the fuzzer stored (settings,
devices, reminders) goes through the reminder pipeline: the scheduler, its shard workers and the
sender. Before each tick it copies the settings the fuzzer saved last (pauses, quiet hours, caps,
previews) to a second user, who has one device and two reminders (an affirmation and a practice) due
at the tick's minute: every tick delivers something under the fuzzer's settings. (A second user, so
the fuzzer never reads this device back: schemathesis would take it for an example of its own input.)

Tick times only move forward, from the later of now and the stack's last tick: to the earliest reminder
occurrence the fuzzer's calls have shown (`next_fire_at` in any answer) when it is within the horizon,
else ten minutes on (under the 15-minute window, so nothing due in between expires unseen). They stay
within HORIZON of the first, so the tests that tick after the fuzzer still find times ahead.

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
_TOKEN = os.environ.get("SELFKIND_FUZZ_TOKEN", "")  # the fuzzer's
_TICK_TOKEN = os.environ.get("SELFKIND_FUZZ_TICK_TOKEN", "")  # the user whose reminders each tick delivers
_DEVICE = {"platform": "android", "fid": "fid-fuzz-tick-0001", "timezone": "UTC", "locale": "es-ES", "app_version": "1"}
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


def _call(method: str, path: str, body: Any, token: str = "", timeout: float = 30) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{_BASE_URL}{path}", data=data, method=method)  # noqa: S310 (the local stack)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def _due_at(at: datetime) -> list[int]:
    """The fuzzer's latest settings on the tick user, with a device and two reminders due at `at` (a daily
    reminder put now for that UTC wall time next fires there, `at` being less than a day ahead). A
    refusal is fine: the fuzzer may be erasing its account at that moment."""
    status, settings = _call("GET", "/v1/me/settings", None, _TOKEN)
    statuses = [status]
    if status == 200:
        statuses.append(_call("PUT", "/v1/me/settings", settings, _TICK_TOKEN)[0])
    statuses.append(_call("PUT", "/v1/devices/phone", _DEVICE, _TICK_TOKEN)[0])
    for kind in ("affirmation", "practice"):
        reminder = {"kind": kind, "local_time": at.strftime("%H:%M"), "timezone": "UTC"}
        statuses.append(_call("PUT", f"/v1/reminders/{kind}", reminder, _TICK_TOKEN)[0])
    return statuses


def _tick(at: datetime) -> dict[str, Any]:
    prepared = _due_at(at) if _TOKEN and _TICK_TOKEN else []
    status, answer = _call("POST", "/_local/tick", {"time": at.isoformat()}, timeout=TICK_TIMEOUT_SECONDS)
    return {"time": at.isoformat(), "prepared": prepared, "status": status, "answer": answer}


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
