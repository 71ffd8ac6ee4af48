"""The local HTTP API: API Gateway's routing, JWT authorizer and payload 2.0 format over plain HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

from devstack.auth import LocalIssuer, Unauthorized
from devstack.events import http_api_event, is_text
from devstack.runtime import FunctionPool, InvocationError
from devstack.template import HttpRoute

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
LocalRoute = Callable[[dict[str, Any]], tuple[int, dict[str, Any]]]


class LocalProblem(Exception):
    """A local route's refusal: answered as an application/problem+json document naming the field."""

    def __init__(self, status: HTTPStatus, detail: str, field: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field

    def response(self) -> tuple[int, dict[str, str], bytes]:
        problem: dict[str, Any] = {
            "type": "about:blank",
            "title": self.status.phrase,
            "status": self.status.value,
            "detail": self.detail,
        }
        if self.field:
            problem["errors"] = [{"location": "body", "field": self.field, "message": self.detail}]
        return self.status.value, {"content-type": "application/problem+json"}, json.dumps(problem).encode()


@dataclass
class Gateway:
    routes: list[HttpRoute]
    pools: dict[str, FunctionPool]
    issuer: LocalIssuer
    openapi_document: Callable[[], str]
    # Routes that exist only in the local stack, under /_local/; never in the template.
    local_routes: dict[tuple[str, str], LocalRoute] = field(default_factory=dict)

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        if (method, url.path) in self.local_routes:
            try:
                payload = json.loads(body or b"{}")
            except ValueError:
                return _api_gateway_message(HTTPStatus.BAD_REQUEST, "Bad Request")
            try:
                status, answer = self.local_routes[(method, url.path)](payload)
            except LocalProblem as problem:
                return problem.response()
            except InvocationError as error:
                status, answer = 500, {"message": f"a function failed: {error}"}
            except (KeyError, TypeError, ValueError):
                return _api_gateway_message(HTTPStatus.BAD_REQUEST, "Bad Request")
            return status, {"content-type": "application/json"}, json.dumps(answer).encode()
        if method == "GET" and url.path == "/openapi.json":
            return 200, {"content-type": "application/json"}, self.openapi_document().encode()
        return self._invoke_route(method, url.path, url.query, headers, body)

    def _invoke_route(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        if body and is_text(headers.get("content-type", "application/json")) and not _is_utf8(body):
            return _bad_text()
        # Like API Gateway: routes match the path decoded once; each path parameter is decoded once more
        # before it reaches the function (rawPath stays as the client sent it).
        decoded_path = unquote(path)
        for route in self.routes:
            if route.method not in (method, "ANY"):
                continue
            matched = route.match(decoded_path)
            if matched is None:
                continue
            path_parameters = {name: unquote(value) for name, value in matched.items()}
            claims = None
            if route.requires_auth:
                try:
                    claims = self.issuer.verify(headers.get("authorization"))
                except Unauthorized:
                    return _api_gateway_message(HTTPStatus.UNAUTHORIZED, "Unauthorized")
            event = http_api_event(
                method,
                path,
                query=query,
                headers=headers,
                body=body if body else None,
                route_key=route.route_key,
                path_parameters=path_parameters or None,
                claims=claims,
            )
            try:
                result = self.pools[route.function].invoke(event)
            except InvocationError:
                return _api_gateway_message(HTTPStatus.INTERNAL_SERVER_ERROR, "Internal Server Error")
            return _to_http(result)
        return _api_gateway_message(HTTPStatus.NOT_FOUND, "Not Found")


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _bad_text() -> tuple[int, dict[str, str], bytes]:
    # A text body that is not UTF-8 cannot become the event's body string: refused before any function.
    problem = {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "The body is not UTF-8 text."}
    return 400, {"content-type": "application/problem+json"}, json.dumps(problem).encode()


def _api_gateway_message(status: HTTPStatus, message: str) -> tuple[int, dict[str, str], bytes]:
    # What API Gateway itself answers (not the functions): {"message": ...} as application/json.
    return status.value, {"content-type": "application/json"}, json.dumps({"message": message}).encode()


def _to_http(result: Any) -> tuple[int, dict[str, str], bytes]:
    if not isinstance(result, dict) or "statusCode" not in result:
        # Payload 2.0 lets a function return a bare value: API Gateway sends it as JSON with 200.
        return 200, {"content-type": "application/json"}, json.dumps(result).encode()
    headers = {name.lower(): str(value) for name, value in (result.get("headers") or {}).items()}
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    return int(result["statusCode"]), headers, body


def serve(gateway: Gateway, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _dispatch(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                self._reply(*_api_gateway_message(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request Entity Too Large"))
                return
            body = self.rfile.read(length) if length else b""
            headers = {name.lower(): value for name, value in self.headers.items()}
            self._reply(*gateway.handle(self.command, self.path, headers, body))

        def _reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name not in ("content-length", "connection", "transfer-encoding"):
                    self.send_header(name, value)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def __getattr__(self, name: str) -> Any:
            # Every method reaches the routes, as at API Gateway: one no route declares gets the
            # $default route (a 405 with Allow), not the HTTP server's own 501 page.
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            # Method, path and status only: query strings and bodies may carry private data.
            if args and isinstance(args[0], str):
                request_line = args[0].split(" ")
                path = urlsplit(request_line[1]).path if len(request_line) > 1 else ""
                print(f"{request_line[0]} {path} {args[1] if len(args) > 1 else ''}", flush=True)

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    return server
