"""Lambda's Invoke API on 127.0.0.1 (never deployed), for functions that invoke others with boto3.

The scheduler starts its workers with `lambda:Invoke` (InvocationType=Event); here its boto3 client
reaches this endpoint (AWS_ENDPOINT_URL_LAMBDA) and the worker runs in its own pool, in the background,
as Lambda's asynchronous invocation would. RequestResponse invocations run and answer synchronously.
`wait_idle()` waits for every background invocation and returns their results (the local tick's way
of knowing the workers are done).
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast

_INVOKE_PATH = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/invocations")


class Invocable(Protocol):
    def invoke(self, event: dict[str, Any]) -> Any: ...


@dataclass(frozen=True)
class Observed:
    """An invocation's result, with the metric records (EMF) it printed, as CloudWatch would read them."""

    result: Any
    metrics: list[dict[str, Any]]


class ObservedInvocable(Invocable, Protocol):
    def invoke_observed(self, event: dict[str, Any]) -> Observed: ...


@dataclass(frozen=True)
class AsyncResult:
    function: str
    result: Any = None
    error: str | None = None  # the exception's type, as Lambda's on-failure record names it


class LocalLambdaApi:
    def __init__(self, functions: Mapping[str, Invocable]) -> None:
        self._functions = functions
        self._idle = threading.Condition()
        self._pending = 0
        self._results: list[AsyncResult] = []
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self.endpoint_url = f"http://{host!s}:{port}"
        self._thread: threading.Thread | None = None

    def start(self) -> LocalLambdaApi:
        serve = functools.partial(self._server.serve_forever, poll_interval=0.05)
        self._thread = threading.Thread(target=serve, name="lambda-api", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def wait_idle(self, timeout: float = 300.0) -> list[AsyncResult]:
        """Waits for every background invocation; returns (and forgets) their results."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise TimeoutError("background invocations still running")
            results, self._results = self._results, []
        return results

    def function(self, name: str) -> Invocable | None:
        # A name, a qualified name (name:alias) or an ARN (...:function:name[:alias]).
        base = name.split(":function:", 1)[-1].split(":", 1)[0]
        return self._functions.get(base)

    def invoke_in_background(self, name: str, target: Invocable, event: dict[str, Any]) -> None:
        with self._idle:
            self._pending += 1
        threading.Thread(target=self._run, args=(name, target, event), daemon=True).start()

    def _run(self, name: str, target: Invocable, event: dict[str, Any]) -> None:
        try:
            outcome = AsyncResult(name, result=target.invoke(event))
        except Exception as error:  # noqa: BLE001 (a failed invocation is recorded, as its on-failure destination would)
            outcome = AsyncResult(name, error=type(error).__name__)
        with self._idle:
            self._results.append(outcome)
            self._pending -= 1
            self._idle.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, api: LocalLambdaApi) -> None:
        self.api = api
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b"{}"
        api = cast(_Server, self.server).api
        match = _INVOKE_PATH.fullmatch(self.path.split("?", 1)[0])
        target = api.function(match["name"]) if match else None
        if target is None or match is None:
            self._answer(
                404,
                {"Type": "User", "message": "Function not found"},
                {"x-amzn-ErrorType": "ResourceNotFoundException"},
            )
            return
        event = json.loads(payload or b"{}")
        if self.headers.get("X-Amz-Invocation-Type") == "Event":
            api.invoke_in_background(match["name"], target, event)
            self._answer(202, None)
            return
        try:
            self._answer(200, target.invoke(event))
        except Exception as error:  # noqa: BLE001 (Lambda reports a function error in a 200 with a header)
            self._answer(200, {"errorType": type(error).__name__}, {"X-Amz-Function-Error": "Unhandled"})

    def _answer(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass
