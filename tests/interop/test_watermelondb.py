"""The real WatermelonDB client against the local stack: `synchronize()` with LokiJS in Node, two devices.

The scenarios live in watermelon_sync.mjs; this runs them (installing the pinned npm packages with
`npm ci` on first use) and checks the summary they print.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.local_stack import LocalStack

pytestmark = pytest.mark.e2e

INTEROP = Path(__file__).resolve().parent
SCRIPT = INTEROP / "watermelon_sync.mjs"
MIN_NODE_MAJOR = 20
NPM_CI_TIMEOUT_SECONDS = 600
SCENARIO_TIMEOUT_SECONDS = 120


def _pinned_dependencies() -> dict[str, str]:
    """Package name -> the exact version package.json pins (an `npm:` alias pins its target's version)."""
    dependencies: dict[str, str] = json.loads((INTEROP / "package.json").read_text())["dependencies"]
    return {name: spec.rsplit("@", 1)[1] if spec.startswith("npm:") else spec for name, spec in dependencies.items()}


def _installed_version(name: str) -> str | None:
    manifest = INTEROP / "node_modules" / name / "package.json"
    if not manifest.is_file():
        return None
    version: str = json.loads(manifest.read_text())["version"]
    return version


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, with the pinned packages installed in tests/interop/node_modules."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail(f"Node.js {MIN_NODE_MAJOR}+ with npm is needed for the WatermelonDB interop test")
    node_version = subprocess.run(  # noqa: S603
        [node, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if int(node_version.lstrip("v").split(".")[0]) < MIN_NODE_MAJOR:
        pytest.fail(f"Node.js {MIN_NODE_MAJOR}+ is needed for the WatermelonDB interop test: {node_version}")
    pinned = _pinned_dependencies()
    if any(_installed_version(name) != version for name, version in pinned.items()):
        install = subprocess.run(  # noqa: S603
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=INTEROP,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT_SECONDS,
            check=False,
        )
        if install.returncode != 0:
            pytest.fail(f"npm ci failed in {INTEROP}:\n{install.stdout}\n{install.stderr}")
    installed = {name: _installed_version(name) for name in pinned}
    assert installed == pinned, "npm ci did not install the pinned versions"
    return node


def _run(node: str, stack: LocalStack, scenario: str) -> subprocess.CompletedProcess[str]:
    token = stack.token(f"watermelondb-{scenario}-{uuid.uuid4().hex}")
    return subprocess.run(  # noqa: S603
        [node, str(SCRIPT), stack.base_url, token, scenario],
        cwd=INTEROP,
        capture_output=True,
        text=True,
        timeout=SCENARIO_TIMEOUT_SECONDS,
        check=False,
    )


def _summary(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stderr[-6000:]}"
    lines = result.stdout.strip().splitlines()
    assert lines, f"no summary on stdout\n{result.stderr[-6000:]}"
    summary: dict[str, Any] = json.loads(lines[-1])
    assert summary["ok"] is True
    return summary


def test_two_devices_converge_through_create_edit_delete_and_concurrent_edits(node: str, stack: LocalStack) -> None:
    summary = _summary(_run(node, stack, "two-devices"))

    assert summary["scenario"] == "two-devices"
    assert summary["watermelondb"] == _pinned_dependencies()["@nozbe/watermelondb"]
    assert len(summary["steps"]) == 6
    assert summary["counts"] == {"journal_entries": 1, "affirmations": 1, "practice_sessions": 1}
    ids = summary["ids"]
    [entry] = summary["final"]["journal_entries"]
    assert entry["id"] == ids["entry_1"]
    # A changed title, B changed body, both changed mood: per column merge, and B (the later push) wins mood.
    assert (entry["title"], entry["body"], entry["mood"]) == (
        "Morning pages (revisited)",
        "Bad sleep, kind words, better afternoon.",
        5,
    )
    [affirmation] = summary["final"]["affirmations"]
    assert (affirmation["text"], affirmation["is_active"]) == ("I am allowed to rest, today too.", False)
    [session] = summary["final"]["practice_sessions"]
    assert (session["note"], session["feeling_after"], session["duration_s"]) == (
        "Shoulders dropped; jaw too.",
        4,
        360,
    )
    # Concurrent offline edits merge in the pull that precedes the push: no 409 for those.
    assert summary["sequential_concurrent_edit_conflicts"] == 0
    # A push racing another device's push gets one 409 naming the record; the next synchronize() succeeds.
    assert summary["devices"]["A"]["conflicts"] == []
    [conflict] = summary["devices"]["B"]["conflicts"]
    assert conflict["contentType"].startswith("application/problem+json")
    assert conflict["problem"]["status"] == 409
    assert conflict["problem"]["conflicts"] == [{"table": "journal_entries", "id": ids["entry_1"]}]
    # WatermelonDB logged no warning or error (e.g. none about its own records coming back as `created`).
    assert summary["client_log"] == []


def test_a_record_deleted_right_after_its_first_push_stays_deleted(node: str, stack: LocalStack) -> None:
    result = _run(node, stack, "delete-after-own-create")

    summary = _summary(result)
    assert summary["counts"] == {"journal_entries": 1, "affirmations": 0, "practice_sessions": 0}
    assert [entry["id"] for entry in summary["final"]["journal_entries"]] == [summary["ids"]["kept"]]
