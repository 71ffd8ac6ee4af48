"""`make fuzz`: schemathesis against a running local stack, with every check, authenticated.

It reads the stack's own /openapi.json, signs in through /_local/token and runs every schemathesis check
(`--checks all`): no 5xx, every status, content type, header and body as documented, schema-invalid
input refused, schema-valid input accepted. Every TICK_EVERY calls a hook (devstack/fuzz_hooks.py) runs
`POST /_local/tick` at a time that only moves forward, so the settings, devices and reminders the fuzzer
stored go through the reminder pipeline too; a tick that answers a 5xx fails the run. It exits non-zero
on any failure.

    python -m devstack.fuzz --url http://127.0.0.1:3000 [--max-time 120] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.template import REPO_ROOT

CONFIG = REPO_ROOT / "devstack" / "schemathesis.toml"
HOOKS = REPO_ROOT / "devstack" / "fuzz_hooks.py"
FUZZ_USER = "fuzzer"
TICK_USER = "fuzzer-ticks"  # whose reminders each tick delivers, under the fuzzer's latest settings
TICK_EVERY = 150  # calls between local ticks (a quiet tick takes a few seconds on two cores)


@dataclass(frozen=True)
class FuzzReport:
    exit_code: int
    requests: int
    output: str
    ticks: list[dict[str, Any]] = field(default_factory=list)  # each: time, status, answer

    @property
    def failed_ticks(self) -> list[dict[str, Any]]:
        return [tick for tick in self.ticks if tick["status"] >= 500]

    def tick_totals(self) -> dict[str, int]:
        """What the ticks did, summed over those that answered: due, sent, skipped, failed, expired..."""
        totals: dict[str, int] = {}
        for tick in self.ticks:
            if isinstance(tick["answer"], dict):
                for name, value in tick["answer"].items():
                    totals[name] = totals.get(name, 0) + int(value)
        return totals


def local_token(base_url: str, sub: str = FUZZ_USER) -> str:
    url = f"{base_url}/_local/token"
    request = urllib.request.Request(url, data=json.dumps({"sub": sub}).encode(), method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the local stack)
        token: str = json.load(response)["token"]
    return token


def fuzz(base_url: str, max_time_seconds: int | None, seed: int | None) -> FuzzReport:
    token = local_token(base_url)
    with tempfile.TemporaryDirectory() as scratch:
        cassette = Path(scratch) / "cassette.yaml"
        command = [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(CONFIG),
            "--no-color",
            "run",
            f"{base_url}/openapi.json",
            "--url",
            base_url,
            "--checks",
            "all",
            "--header",
            f"Authorization: Bearer {token}",
            "--report",
            "vcr",
            "--report-vcr-path",
            str(cassette),
        ]
        if max_time_seconds:
            command += ["--max-time", str(max_time_seconds)]
        if seed is not None:
            command += ["--seed", str(seed)]
        tick_log = Path(scratch) / "ticks.jsonl"
        environment = os.environ | {
            "SCHEMATHESIS_HOOKS": str(HOOKS),
            "SELFKIND_FUZZ_URL": base_url,
            "SELFKIND_FUZZ_TOKEN": token,
            "SELFKIND_FUZZ_TICK_TOKEN": local_token(base_url, TICK_USER),
            "SELFKIND_FUZZ_TICK_EVERY": str(TICK_EVERY),
            "SELFKIND_FUZZ_TICK_LOG": str(tick_log),
        }
        completed = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)  # noqa: S603
        requests = cassette.read_text().count("\n- id: ") if cassette.exists() else 0
        ticks = [json.loads(line) for line in tick_log.read_text().splitlines()] if tick_log.exists() else []
    report = FuzzReport(completed.returncode, requests, completed.stdout + completed.stderr, ticks)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description="Fuzz the running local stack with schemathesis.")
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="the local stack (make run)")
    parser.add_argument("--max-time", type=int, default=None, help="time budget in seconds")
    parser.add_argument("--seed", type=int, default=None)
    arguments = parser.parse_args()
    report = fuzz(arguments.url.rstrip("/"), arguments.max_time, arguments.seed)
    print(report.output)
    print(f"{report.requests} requests made, {len(report.ticks)} local ticks: {report.tick_totals()}")
    for tick in report.failed_ticks:
        print(f"a tick failed: {tick}")
    sys.exit(report.exit_code or (1 if report.failed_ticks else 0))


if __name__ == "__main__":
    main()
