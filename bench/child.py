"""Measurements in a fresh process, apart from the embedded services the parent runs (so their CPU is
not counted): a child module gets its configuration as a JSON file and prints one JSON line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Any

from devstack.aws import LOCAL_CREDENTIALS, LOCAL_REGION
from devstack.template import REPO_ROOT


def aws_environment(endpoint_url: str, **extra: str) -> dict[str, str]:
    """What a child needs to reach the embedded AWS and import the project's layer."""
    return {
        **LOCAL_CREDENTIALS,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_ENDPOINT_URL": endpoint_url,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT / "shared"), str(REPO_ROOT)]),
        **extra,
    }


def run_child(module: str, arguments: list[str], config: dict[str, Any], environment: dict[str, str]) -> Any:
    """`python -m <module> <arguments...> <config.json>`; returns its last line, parsed."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as stream:
        json.dump(config, stream)
        stream.flush()
        output = subprocess.run(
            [sys.executable, "-m", module, *arguments, stream.name],
            cwd=REPO_ROOT,
            env={**os.environ, **environment},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return json.loads(output.strip().splitlines()[-1])


class NoWorkers:
    """The scheduler's workers, where a bench runs the scheduler alone: each invocation does nothing."""

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        return {}
