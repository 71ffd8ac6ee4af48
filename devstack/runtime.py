"""Running functions the way Lambda does: each in its own process (container) with its own environment,
scaled out on demand so concurrent requests run concurrently, and reused warm afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from devstack.aws import LOCAL_CREDENTIALS, LOCAL_REGION
from devstack.lambda_api import Observed
from devstack.layer_botocore import layer_botocore_path
from devstack.template import REPO_ROOT, FunctionDefinition, functions, layer_packages, parameter_defaults, resolve


class InvocationError(Exception):
    """The handler raised, timed out, or its container died: API Gateway answers 500."""


def function_environment(
    function: FunctionDefinition,
    references: dict[str, str],
    endpoint_url: str | None,
    local_overrides: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment Lambda would give the function: template variables plus the runtime's own."""
    environment = {name: str(resolve(value, references)) for name, value in function.environment.items()}
    environment |= {
        "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_REGION": LOCAL_REGION,
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        # No X-Ray daemon here; Lambda provides one in the cloud.
        "POWERTOOLS_TRACE_DISABLED": "true",
        **LOCAL_CREDENTIALS,
    }
    if endpoint_url:
        environment["AWS_ENDPOINT_URL"] = endpoint_url  # local-only: boto3 talks to the embedded AWS
    return environment | (local_overrides or {})


def local_references(resource_names: dict[str, str]) -> dict[str, str]:
    """What the template's intrinsics resolve to locally: parameter defaults, resource names, and each
    function's name (its logical id, as AWS_LAMBDA_FUNCTION_NAME says locally)."""
    function_names = {name: name for name in functions()} | {f"{name}.Alias": name for name in functions()}
    return {**parameter_defaults(), **function_names, **resource_names, "AWS::Region": LOCAL_REGION}


@dataclass
class _Container:
    process: subprocess.Popen[str]
    protocol: Any

    def invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(event) + "\n")
        self.process.stdin.flush()
        line = self.protocol.readline()
        if not line:
            raise InvocationError("the function's process exited")
        reply: dict[str, Any] = json.loads(line)
        if "error" in reply:
            raise InvocationError(reply["error"]["errorType"])
        return reply


@dataclass
class FunctionPool:
    function: FunctionDefinition
    environment: dict[str, str]
    max_containers: int = 4
    _idle: list[_Container] = field(default_factory=list)
    _count: int = 0
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def _start_container(self) -> _Container:
        read_fd, write_fd = os.pipe()
        env = {
            **{k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TZ")},
            **self.environment,
            # Lambda puts the code directory on the path, then the layers (botocore slimmed as the
            # DependenciesLayer ships it); the repo root carries the worker itself.
            "PYTHONPATH": os.pathsep.join([str(self.function.code_dir), layer_botocore_path(), str(REPO_ROOT)]),
            "SELFKIND_LOCAL_TIMEOUT_SECONDS": str(self.function.timeout_seconds),
            # As on Lambda, only what the function's layers ship can be imported (devstack/worker.py).
            "SELFKIND_LOCAL_LAYER_PACKAGES": ",".join(sorted(layer_packages(self.function))),
        }
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [
                sys.executable,
                "-c",
                _BOOTSTRAP,
                str(write_fd),
                self.function.module_name,
                self.function.handler_name,
            ],
            stdin=subprocess.PIPE,
            env=env,
            cwd=self.function.code_dir,
            text=True,
            pass_fds=(write_fd,),
        )
        os.close(write_fd)
        protocol = os.fdopen(read_fd, "r")
        if not protocol.readline():
            raise InvocationError(f"{self.function.logical_id} failed to start (init error)")
        return _Container(process=process, protocol=protocol)

    def invoke(self, event: dict[str, Any]) -> Any:
        return self.invoke_observed(event).result

    def invoke_observed(self, event: dict[str, Any]) -> Observed:
        with self._lock:
            while not self._idle and self._count >= self.max_containers:
                self._lock.wait()
            container = self._idle.pop() if self._idle else None
            if container is None:
                self._count += 1
        try:
            container = container or self._start_container()
        except Exception:
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise
        try:
            reply = container.invoke(event)
        except InvocationError:
            container.process.kill()  # like Lambda, a failed invocation's container is not reused
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise
        with self._lock:
            self._idle.append(container)
            self._lock.notify()
        return Observed(reply["result"], reply.get("metrics", []))

    def stop(self) -> None:
        with self._lock:
            for container in self._idle:
                container.process.kill()
            self._idle.clear()


# The worker writes replies to an inherited pipe, so the handler's stdout can carry logs.
_BOOTSTRAP = (
    "import os, sys\n"
    "fd = int(sys.argv[1]); os.dup2(fd, 1); os.close(fd)\n"
    "from devstack.worker import serve\n"
    "serve(sys.argv[2], sys.argv[3])\n"
)
