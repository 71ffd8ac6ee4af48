"""`make fuzz`: schemathesis against a running local stack, with every check, authenticated.

It reads the stack's own /openapi.json, signs in through /_local/token and runs every schemathesis check
(`--checks all`): no 5xx, every status, content type, header and body as documented, schema-invalid
input refused, schema-valid input accepted. It exits non-zero on any failure.

    python -m devstack.fuzz --url http://127.0.0.1:3000 [--max-time 120] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from devstack.template import REPO_ROOT

CONFIG = REPO_ROOT / "devstack" / "schemathesis.toml"
FUZZ_USER = "fuzzer"


@dataclass(frozen=True)
class FuzzReport:
    exit_code: int
    requests: int
    output: str


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
        completed = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        requests = cassette.read_text().count("\n- id: ") if cassette.exists() else 0
    return FuzzReport(exit_code=completed.returncode, requests=requests, output=completed.stdout + completed.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description="Fuzz the running local stack with schemathesis.")
    parser.add_argument("--url", default="http://127.0.0.1:3000", help="the local stack (make run)")
    parser.add_argument("--max-time", type=int, default=None, help="time budget in seconds")
    parser.add_argument("--seed", type=int, default=None)
    arguments = parser.parse_args()
    report = fuzz(arguments.url.rstrip("/"), arguments.max_time, arguments.seed)
    print(report.output)
    print(f"{report.requests} requests made")
    sys.exit(report.exit_code)


if __name__ == "__main__":
    main()
