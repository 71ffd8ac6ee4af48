"""Every sample event in events/ (the ones `sam local invoke` would use) works through its handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from devstack.template import REPO_ROOT, functions, parameter_defaults
from tests.conftest import Handler
from tests.reminder_world import InProcess

FUNCTION_BY_FOLDER = {function.code_dir.name: name for name, function in functions().items()}
SAMPLES = sorted((REPO_ROOT / "events").glob("*/*.json"))


def test_every_function_has_a_sample_event() -> None:
    assert set(FUNCTION_BY_FOLDER) <= {sample.parent.name for sample in SAMPLES}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_the_sample_event_succeeds(
    sample: Path, invoke: Callable[[str], Handler], lambda_functions: dict[str, Any]
) -> None:
    lambda_functions["ReminderWorkerFunction"] = InProcess(invoke("ReminderWorkerFunction"))
    handler = invoke(FUNCTION_BY_FOLDER[sample.parent.name])

    result = handler(json.loads(sample.read_text()))

    if "statusCode" in result:  # an API function
        assert 200 <= result["statusCode"] < 300, result.get("body")
    elif "batchItemFailures" in result:  # the queue consumer
        assert result["batchItemFailures"] == []
    elif "dispatched" in result:  # the scheduler: one worker per shard
        assert result["dispatched"] == int(parameter_defaults()["ReminderShards"])
    else:  # a shard worker
        assert (result["due"], result["busy"]) == (0, False)
