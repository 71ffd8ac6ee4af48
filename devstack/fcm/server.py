"""The stand-in's HTTP plumbing: keep-alive connections, no Nagle delay, bodies always read whole."""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol, cast
from urllib.parse import urlsplit

from devstack.fcm.answers import Answer, not_found


class Routes(Protocol):
    def post(self, path: str, headers: Any, body: bytes) -> Answer: ...


class FcmServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of concurrent sends must not overflow the listen backlog

    def __init__(self, routes: Routes) -> None:
        self.routes = routes
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exception(), ConnectionError):
            return  # clients abort connections routinely (httpx does on close): no traceback for that
        super().handle_error(request, client_address)

    def drop_connections(self) -> None:
        with self.connections_lock:
            connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as firebase-admin's pooled session expects

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK would add ~40 ms to every answer, a latency FCM does not have.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server = cast(FcmServer, self.server)
        with server.connections_lock:
            server.connections.add(self.connection)

    def finish(self) -> None:
        server = cast(FcmServer, self.server)
        with server.connections_lock:
            server.connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:
        body = self._read_body()
        self._answer(cast(FcmServer, self.server).routes.post(urlsplit(self.path).path, self.headers, body))

    def do_GET(self) -> None:
        self._read_body()
        self._answer(not_found())

    do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        # Read it whole even when the answer ignores it, or the next request on the connection breaks.
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _answer(self, answer: Answer) -> None:
        payload = json.dumps(answer.body).encode()
        self.send_response(answer.status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in (answer.headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests are recorded by the stand-in; stderr lines would only be noise in test output
