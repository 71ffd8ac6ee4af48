"""The local stack (`python -m devstack`) on a free port, as `make run` starts it, and an HTTP client."""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from devstack.aws import free_port
from devstack.template import REPO_ROOT

# A bound for a stuck start, not a performance goal: CI machines are shared and a start under load can
# take several times its usual few seconds (performance figures belong in `make bench`).
READY_WITHIN_SECONDS = 90
# A local tick runs the whole pipeline (64 workers, then the sender's batches) on this machine's two
# cores, not behind API Gateway's 30 s: it gets longer than an API request.
TICK_SECONDS = 180


@dataclass
class HttpResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class LocalStack:
    base_url: str
    aws_endpoint: str  # the embedded AWS (moto), to look at what is stored

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict[str, str] | None = None,
        token: str | None = None,
        timeout: float = 30,
    ) -> HttpResponse:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("content-type", "application/json")
        if token:
            request.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return HttpResponse(
                    response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
                )
        except urllib.error.HTTPError as error:
            return HttpResponse(error.code, {k.lower(): v for k, v in error.headers.items()}, error.read())

    def token(self, sub: str, **claims: Any) -> str:
        body: dict[str, Any] = {"sub": sub, "claims": claims} if claims else {"sub": sub}
        token: str = self.request("POST", "/_local/token", body).json()["token"]
        return token

    def last_tick(self) -> datetime | None:
        last = self.request("GET", "/_local/tick").json()["last"]
        return datetime.fromisoformat(last) if last else None

    def minutes_ahead(self, minutes: int) -> datetime:
        """On the minute, `minutes` after the later of now and the stack's last tick (another test's, the
        fuzzer's): a tick there moves forward, and a daily reminder created now for that UTC wall time
        next fires there."""
        now = datetime.now(UTC).replace(second=0, microsecond=0)
        last = self.last_tick()
        return max(now, last.replace(second=0, microsecond=0) if last else now) + timedelta(minutes=minutes)

    def tick(self, at: datetime | str) -> HttpResponse:
        time = at if isinstance(at, str) else at.isoformat()
        return self.request("POST", "/_local/tick", {"time": time}, timeout=TICK_SECONDS)


def running_stack() -> Iterator[LocalStack]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "devstack", "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + READY_WITHIN_SECONDS
    output = []
    aws_endpoint = ""
    try:
        for line in process.stdout:
            output.append(line)
            if line.startswith("embedded AWS at "):
                aws_endpoint = line.split()[3].rstrip(",")
            if "ready at" in line:
                break
            if time.monotonic() > deadline:
                break
        if time.monotonic() > deadline or process.poll() is not None:
            pytest.fail("the local stack was not ready in time:\n" + "".join(output))
        # Keep reading its output (the functions' logs), or a full pipe would block the whole stack.
        threading.Thread(target=collections.deque, args=(process.stdout, 200), daemon=True).start()
        yield LocalStack(base_url=f"http://127.0.0.1:{port}", aws_endpoint=aws_endpoint)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def http_handler(stack: LocalStack, token: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Sends a built API Gateway event over HTTP instead, so event-based test clients speak to the stack."""

    def send(event: dict[str, Any]) -> dict[str, Any]:
        query = f"?{event['rawQueryString']}" if event.get("rawQueryString") else ""
        headers = {name: value for name, value in event.get("headers", {}).items() if name != "content-length"}
        request = urllib.request.Request(
            stack.base_url + event["rawPath"] + query,
            data=event["body"].encode() if event.get("body") else None,
            method=event["requestContext"]["http"]["method"],
            headers={**headers, "authorization": f"Bearer {token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, response_headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, response_headers, body = error.code, error.headers, error.read()
        return {"statusCode": status, "headers": dict(response_headers.items()), "body": body.decode()}

    return send
