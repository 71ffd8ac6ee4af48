"""`make test`'s template checks: cfn-lint with the serverless rules, and checkov, on template.yaml.

Runs with the tools/lint environment (its own lock: checkov pins packages the project also pins).
A finding fails the run unless skipped-checks.yaml names its check and resource, with a reason; a
skip that matches no finding fails too, so the list stays true.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE.parent.parent / "template.yaml"
BIN = Path(sys.executable).parent

Finding = tuple[str, str, str]  # tool, check id, resource logical id


def cfn_lint_findings() -> Iterable[Finding]:
    command = [str(BIN / "cfn-lint"), "--format", "json", "--append-rules", "cfn_lint_serverless.rules", "--"]
    result = subprocess.run([*command, str(TEMPLATE)], capture_output=True, text=True, check=False)  # noqa: S603
    try:  # its exit code is a bit mask of the levels found; the JSON report is what counts
        matches = json.loads(result.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"cfn-lint did not run: {result.stderr.strip() or result.returncode}") from None
    for match in matches:
        path = match["Location"]["Path"]
        resource = path[1] if len(path) > 1 and path[0] == "Resources" else "/".join(map(str, path))
        yield "cfn-lint", match["Rule"]["Id"], resource


def checkov_findings() -> Iterable[Finding]:
    command = [str(BIN / "checkov"), "--file", str(TEMPLATE), "--framework", "cloudformation"]
    command += ["--output", "json", "--quiet", "--skip-download"]
    environment = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}  # no guideline download: offline and quiet
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=environment)  # noqa: S603
    if not result.stdout.strip():
        raise SystemExit(f"checkov did not run: {result.stderr.strip() or result.returncode}")
    report = json.loads(result.stdout)
    failed = report["results"]["failed_checks"] if isinstance(report, dict) and "results" in report else []
    for check in failed:
        yield "checkov", check["check_id"], check["resource"].rsplit(".", 1)[-1]


def main() -> None:
    skipped = yaml.safe_load((HERE / "skipped-checks.yaml").read_text())
    allowed = {
        (tool, entry["id"], resource)
        for tool, entries in skipped.items()
        for entry in entries
        for resource in entry["resources"]
    }
    findings = {*cfn_lint_findings(), *checkov_findings()}
    unexpected = sorted(findings - allowed)
    stale = sorted(allowed - findings)
    for tool, check, resource in unexpected:
        print(f"{tool}: {check} on {resource} (fix it, or skip it with a reason in skipped-checks.yaml)")
    for tool, check, resource in stale:
        print(f"{tool}: {check} on {resource} is skipped but no longer found: remove it from skipped-checks.yaml")
    if unexpected or stale:
        raise SystemExit(1)
    print(f"cfn-lint (serverless rules) and checkov: no findings beyond the {len(allowed)} skipped with reasons")


if __name__ == "__main__":
    main()
