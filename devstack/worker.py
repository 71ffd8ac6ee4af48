"""One Lambda "container": imports a handler once, then serves invocations, one at a time.

The parent process writes one JSON line per invocation on stdin and reads one JSON line back on the
protocol pipe; the handler's own stdout (its logs) goes to stderr, like CloudWatch on the terminal.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import json
import os
import re
import sys
import traceback
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from devstack.emf import printed_metrics
from devstack.lambda_context import LocalLambdaContext

PROJECT_DISTRIBUTION = "selfkind"  # its code is the SelfkindLayer, on the path from the repo itself


class OnlyLayerPackages(importlib.abc.MetaPathFinder):
    """Hides installed packages the function's layers do not ship, as they are absent on Lambda.

    The local stack runs every function on the project's environment, which holds every dependency
    (and the dev tools). Without this, a function importing a package left out of its layer would
    work here and fail in the cloud.
    """

    def __init__(self, shipped: frozenset[str]) -> None:
        self._hidden_files = {
            os.path.normpath(str(distribution.locate_file(file)))
            for distribution in importlib.metadata.distributions()
            if _normalized(distribution.metadata["Name"]) not in shipped | {PROJECT_DISTRIBUTION}
            for file in distribution.files or ()
            if file.suffix in (".py", ".so", ".pyd")
        }

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.origin and os.path.normpath(spec.origin) in self._hidden_files:
            raise ModuleNotFoundError(f"No module named {fullname!r} (not in this function's layers)", name=fullname)
        return None  # shipped, a namespace package or the standard library: the usual finders load it


def _normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def serve(module_name: str, handler_name: str) -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # prints and logs go to stderr from here on
    shipped = os.environ.get("SELFKIND_LOCAL_LAYER_PACKAGES")
    if shipped is not None:
        sys.meta_path.insert(0, OnlyLayerPackages(frozenset(filter(None, shipped.split(",")))))
    handler = getattr(importlib.import_module(module_name), handler_name)
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    memory = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
    timeout = int(os.environ["SELFKIND_LOCAL_TIMEOUT_SECONDS"])
    protocol.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        event = json.loads(line)
        context = LocalLambdaContext(function_name=function_name, memory_limit_in_mb=memory, timeout_seconds=timeout)
        reply: dict[str, Any]
        try:
            with printed_metrics() as metrics:
                result = handler(event, context)
            reply = {"result": result, "metrics": metrics}
        except Exception as error:  # noqa: BLE001 (an unhandled error is the invocation's result, as on Lambda)
            reply = {
                "error": {
                    "errorType": type(error).__name__,
                    "stackTrace": traceback.format_tb(error.__traceback__),
                }
            }
        protocol.write(json.dumps(reply) + "\n")


if __name__ == "__main__":
    serve(sys.argv[1], sys.argv[2])
