"""One function's cold start, measured in a fresh interpreter (bench/cold_start.py)."""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

from devstack.layer_botocore import layer_botocore_path
from devstack.template import REPO_ROOT


@cache
def _compile_selfkind() -> None:
    """The SelfkindLayer ships bytecode (shared/Makefile): so the bench's copy has it too, whatever
    PYTHONDONTWRITEBYTECODE says (timestamp-checked here, as this tree is edited)."""
    if not compileall.compile_dir(REPO_ROOT / "shared" / "selfkind", quiet=1):
        raise RuntimeError("the selfkind package does not compile")


def cold_and_warm_ms(
    module_file: Path, handler: str, event_file: Path, warm_runs: int, environment: dict[str, str]
) -> tuple[float, float | None]:
    """Imports plus the first invocation, then the median of `warm_runs` more (None when 0)."""
    _compile_selfkind()
    with tempfile.NamedTemporaryFile(suffix=".json") as result:
        command = [
            sys.executable,
            "-m",
            "bench.cold_start",
            str(module_file),
            handler,
            str(event_file),
            str(warm_runs),
            result.name,
        ]
        # botocore as the DependenciesLayer ships it, for every function and the baseline alike.
        env = {**os.environ, **environment, "PYTHONPATH": layer_botocore_path()}
        # The handler's logs (stdout) are not the bench's; a failure shows its traceback (stderr).
        subprocess.run(command, cwd=REPO_ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        figures = json.loads(Path(result.name).read_text())
    return figures["cold_ms"], figures["warm_ms"]
