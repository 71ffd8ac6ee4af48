"""One Lambda "container": imports a handler once, then serves invocations, one at a time.

The parent process writes one JSON line per invocation on stdin and reads one JSON line back on the
protocol pipe; the handler's own stdout (its logs) goes to stderr, like CloudWatch on the terminal.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from typing import Any

from devstack.lambda_context import LocalLambdaContext


def serve(module_name: str, handler_name: str) -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # prints and logs go to stderr from here on
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
            reply = {"result": handler(event, context)}
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
