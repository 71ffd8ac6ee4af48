"""The real WatermelonDB client against the local stack: `synchronize()` with LokiJS in Node, two devices
(on sync schema version 1 or 2, and one migrated from 1 to 2 with WatermelonDB's schema migrations).

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


# --- schema version 2 (check_ins, journal_entries.prompt_id) beside version 1, and the migration -----

MIGRATION_1_TO_2 = {
    "from": 1,
    "tables": ["check_ins"],
    "columns": [{"table": "journal_entries", "columns": ["prompt_id"]}],
}
V1_TABLES = ["affirmations", "journal_entries", "practice_sessions"]
V2_TABLES = ["affirmations", "check_ins", "journal_entries", "practice_sessions"]


def _by_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["id"]: record for record in records}


def test_a_version_1_app_beside_a_version_2_app_syncs_as_before_and_never_gets_check_ins(
    node: str, stack: LocalStack
) -> None:
    summary = _summary(_run(node, stack, "v1-beside-v2"))

    assert summary["counts"] == {"affirmations": 0, "check_ins": 2, "journal_entries": 4, "practice_sessions": 0}
    old, new = summary["devices"]["old"], summary["devices"]["new"]
    # The version-1 app: every pull was on schema_version 1 without migration, and no answer had check_ins.
    assert {(pull["schemaVersion"], json.dumps(pull["migration"])) for pull in old["pullLog"]} == {(1, "null")}
    assert old["pulledTables"] == V1_TABLES
    # Its 2 pushes (journal entries without prompt_id, one an edit of the version-2 app's entry) were accepted.
    assert (old["pushes"], old["conflicts"]) == (2, [])
    assert new["pulledTables"] == V2_TABLES
    ids = summary["ids"]
    entries = _by_id(summary["final"]["journal_entries"])
    assert entries[ids["prompted"]]["prompt_id"] == "letter-to-a-dear-friend"
    assert entries[ids["plain"]]["body"] == "A quiet walk, and tea after."  # the version-1 app's edit
    assert entries[ids["from_old_2"]]["prompt_id"] is None
    assert {(c["id"], c["instrument"], c["answers"]) for c in summary["final"]["check_ins"]} == {
        (ids["check_in_1"], "scs-sf", "341235124345"),
        (ids["check_in_2"], "scs-sf", "452345235134"),
    }
    assert summary["client_log"] == []


def test_a_version_1_app_migrated_to_version_2_gets_what_it_skipped_in_its_first_pull(
    node: str, stack: LocalStack
) -> None:
    summary = _summary(_run(node, stack, "migrate-to-v2"))

    assert summary["counts"] == {"affirmations": 0, "check_ins": 3, "journal_entries": 4, "practice_sessions": 0}
    ids = summary["ids"]
    pull = summary["migration_pull"]
    # WatermelonDB sent the migration on its first pull after its database was migrated from 1 to 2...
    assert (pull["lastPulledAt"], pull["schemaVersion"], pull["migration"]) == (
        summary["last_v1_pull"],
        2,
        MIGRATION_1_TO_2,
    )
    # ...and got every check-in as created (the one pushed before its last version-1 pull included), the
    # deleted one as deleted, and every journal entry in full (for prompt_id) as updated.
    assert summary["new_pushed_check_in_3_from"] != summary["last_v1_pull"]
    assert sorted(pull["changes"]["check_ins"]["created"]) == sorted([ids["check_in_1"], ids["check_in_3"]])
    assert pull["changes"]["check_ins"]["updated"] == []
    assert pull["changes"]["check_ins"]["deleted"] == [ids["check_in_2_deleted"]]
    assert sorted(pull["changes"]["journal_entries"]["updated"]) == sorted(
        [ids["morning"], ids["walk"], ids["good_things"]]
    )
    entries = _by_id(summary["final"]["journal_entries"])
    assert entries[ids["morning"]]["prompt_id"] == "morning-pages"
    assert entries[ids["good_things"]]["prompt_id"] == "three-good-things"
    assert entries[ids["walk"]]["body"] == "Walked by the river; herons."  # its offline edit, pushed after
    assert ids["offline"] in entries
    assert sorted(_by_id(summary["final"]["check_ins"])) == sorted(
        [ids["check_in_1"], ids["check_in_3"], ids["check_in_4"]]
    )
    old = summary["devices"]["old"]
    assert [pull["migration"] is not None for pull in old["pullLog"]] == [False, False, True, False, False]
    assert old["conflicts"] == []
    assert summary["client_log"] == []


# The three below fail against the server as it is (see the commit message): each names the defect.


def test_a_version_1_edit_keeps_the_prompt_id_a_version_2_app_set(node: str, stack: LocalStack) -> None:
    # The version-1 app pushes the entry without a prompt_id key (WatermelonDB sends its own schema's
    # columns); the server must keep the stored prompt_id rather than store the push as the whole record.
    summary = _summary(_run(node, stack, "v1-edit-keeps-prompt-id"))

    [entry] = summary["final"]["journal_entries"]
    assert (entry["title"], entry["prompt_id"]) == ("Good things", "three-good-things")
    assert summary["client_log"] == []


def test_a_prompt_id_set_back_to_null_reaches_the_other_version_2_app(node: str, stack: LocalStack) -> None:
    # WatermelonDB keeps a local column that a pulled record lacks, so a version-2 client must be sent
    # prompt_id even when it is null.
    summary = _summary(_run(node, stack, "v2-clears-prompt-id"))

    [entry] = summary["final"]["journal_entries"]
    assert (entry["kind"], entry["prompt_id"]) == ("free", None)
    assert summary["client_log"] == []


def test_the_migration_pull_sends_check_ins_as_created_even_if_pushed_from_the_same_point(
    node: str, stack: LocalStack
) -> None:
    # The version-2 app pushed check-in 3 from the very last_pulled_at of the version-1 app's last pull.
    # A migrated client cannot have any record of a table it has just created: all must come as created.
    summary = _summary(_run(node, stack, "migrate-to-v2-same-point"))

    assert summary["new_pushed_check_in_3_from"] == summary["last_v1_pull"]
    ids = summary["ids"]
    changes = summary["migration_pull"]["changes"]["check_ins"]
    assert sorted(changes["created"]) == sorted([ids["check_in_1"], ids["check_in_3"]]), changes
    assert summary["counts"] == {"affirmations": 0, "check_ins": 3, "journal_entries": 4, "practice_sessions": 0}
    assert summary["client_log"] == []
