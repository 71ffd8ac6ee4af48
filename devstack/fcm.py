"""A Firebase Cloud Messaging (HTTP v1) stand-in for the local stack (never deployed).

It answers firebase-admin as Google would, so the reminder sender's real FCM code path runs locally:

* ``POST /token``: Google's OAuth2 token endpoint for the service-account JWT bearer grant. The assertion
  must be signed by the local service account the stand-in generated (``.service_account``).
* ``POST /v1/projects/{project}/messages:send``: FCM v1. It wants a bearer token it issued, checks the
  body against the official schema (the ``fcm.v1.json`` discovery document shipped in
  google-api-python-client) and FCM's own rules, then answers by the target's prefix:
  ``unregistered-`` 404 UNREGISTERED, ``invalid-`` 400 INVALID_ARGUMENT, ``mismatch-`` 403
  SENDER_ID_MISMATCH, ``internal-`` 500 INTERNAL (always), ``flaky-`` 503 UNAVAILABLE and ``quota-`` 429
  QUOTA_EXCEEDED with ``Retry-After: 1`` (first attempt for that target only); anything else 200.

How firebase-admin reaches it (local configuration only):

* the token endpoint is the service account's ``token_uri``:
  ``firebase_admin.initialize_app(credentials.Certificate(standin.service_account), ...)``;
* the send URL is the class attribute ``firebase_admin.messaging._MessagingService.FCM_URL``, a template
  formatted with the project id when an app first uses messaging, so call
  ``point_firebase_admin_at(standin.send_url_template)`` before that first use.

firebase-admin's send() retries by itself (urllib3 ``DEFAULT_RETRY_CONFIG``, 4 retries): 500 and 503 with
backoff 0, 1, 2, 4 s, and 429 too when it carries ``Retry-After``, sleeping that long instead; only then
does the typed error surface (send_each_async retries 500/503 alone, ignoring Retry-After). Its 100-connection
pool is mounted for ``https://fcm.googleapis.com`` only: against this ``http://`` URL requests' default
pool of 10 applies, so more concurrent sends open extra connections (urllib3 warns "Connection pool is
full"), which is why the server keeps a deep listen backlog.

    standin = FcmStandIn.start(project_id="selfkind-local", latency_seconds=0.05)
    point_firebase_admin_at(standin.send_url_template)
    ...
    standin.stop()
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import math
import re
import secrets
import socket
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from typing import Any, Final, Self, cast
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_PROJECT_ID: Final = "selfkind-local"
TOKEN_LIFETIME_SECONDS: Final = 3600
JWT_BEARER_GRANT: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# google-auth signs this audience whatever the account's token_uri is, so the stand-in accepts it too.
GOOGLE_TOKEN_ENDPOINT: Final = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
FIREBASE_MESSAGING_SCOPE: Final = "https://www.googleapis.com/auth/firebase.messaging"

_FCM_ERROR: Final = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
_BAD_REQUEST: Final = "type.googleapis.com/google.rpc.BadRequest"
_SEND_PATH: Final = re.compile(r"/v1/projects/(?P<project>[^/]+)/messages:send")
_DURATION: Final = re.compile(r"-?\d+(\.\d{1,9})?s")
_TIMESTAMP: Final = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")
_INTEGER: Final = re.compile(r"-?\d+")
_INTEGER_RANGES: Final = {
    "int32": (-(2**31), 2**31 - 1),
    "uint32": (0, 2**32 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "uint64": (0, 2**64 - 1),
}
_TARGETS: Final = ("token", "topic", "condition", "fid")
_MISSING_CREDENTIAL: Final = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)
_INVALID_CREDENTIAL: Final = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
    "valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)

Violation = tuple[str | None, str]  # (field path, description) as in google.rpc.BadRequest


@dataclass(frozen=True)
class _Failure:
    status: int
    rpc_status: str
    message: str
    fcm_code: str
    first_attempt_only: bool = False
    retry_after: str | None = None


_FAILURES: Final = {
    "unregistered-": _Failure(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED"),
    "invalid-": _Failure(
        400,
        "INVALID_ARGUMENT",
        "The registration token is not a valid FCM registration token",
        "INVALID_ARGUMENT",
    ),
    "flaky-": _Failure(503, "UNAVAILABLE", "The service is currently unavailable.", "UNAVAILABLE", True),
    "mismatch-": _Failure(403, "PERMISSION_DENIED", "SenderId mismatch", "SENDER_ID_MISMATCH"),
    "quota-": _Failure(
        429,
        "RESOURCE_EXHAUSTED",
        "Quota exceeded for quota metric 'Messages sent' of service 'fcm.googleapis.com'.",
        "QUOTA_EXCEEDED",
        True,
        "1",
    ),
    "internal-": _Failure(500, "INTERNAL", "Internal error encountered.", "INTERNAL"),
}


@dataclass(frozen=True)
class _Answer:
    status: int
    body: dict[str, Any]
    headers: Mapping[str, str] | None = None


def _google_error(
    status: int, rpc_status: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": status, "message": message, "status": rpc_status}
    if details:
        error["details"] = details
    return {"error": error}


def _fcm_error(failure: _Failure) -> _Answer:
    body = _google_error(
        failure.status,
        failure.rpc_status,
        failure.message,
        [{"@type": _FCM_ERROR, "errorCode": failure.fcm_code}],
    )
    headers = {"Retry-After": failure.retry_after} if failure.retry_after else None
    return _Answer(failure.status, body, headers)


def _invalid_argument(violations: list[Violation], fcm_code: str | None = None) -> _Answer:
    """400 as Google's parser answers: all violations in the message and as BadRequest field violations."""
    field_violations = [
        {"field": field, "description": text} if field else {"description": text} for field, text in violations
    ]
    details: list[dict[str, Any]] = []
    if fcm_code:
        details.append({"@type": _FCM_ERROR, "errorCode": fcm_code})
    details.append({"@type": _BAD_REQUEST, "fieldViolations": field_violations})
    message = "\n".join(text for _, text in violations)
    return _Answer(400, _google_error(400, "INVALID_ARGUMENT", message, details))


def _snake_case(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _literal(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@functools.cache
def fcm_discovery_document() -> dict[str, Any]:
    """The FCM v1 discovery document google-api-python-client ships (read in place, never copied)."""
    path = files("googleapiclient") / "discovery_cache" / "documents" / "fcm.v1.json"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


class SchemaValidator:
    """Checks a JSON value against a discovery-document schema the way Google's JSON parser does."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._schemas: dict[str, dict[str, Any]] = dict(document["schemas"])
        # proto3 JSON accepts each field under its lowerCamel name and its proto (snake_case) name;
        # firebase-admin sends mostly the latter (e.g. "collapse_key", "validate_only").
        self._names: dict[str, dict[str, str]] = {
            schema_name: {
                alias: field for field in schema.get("properties", {}) for alias in (field, _snake_case(field))
            }
            for schema_name, schema in self._schemas.items()
        }

    def validate(self, value: Any, schema_name: str) -> tuple[Any, list[Violation]]:
        """The value with fields under their lowerCamel names, and every violation found."""
        violations: list[Violation] = []
        normalized = self._value(value, {"$ref": schema_name}, "", "", violations)
        return normalized, violations

    def _value(self, value: Any, schema: Mapping[str, Any], path: str, name: str, out: list[Violation]) -> Any:
        if "$ref" in schema:
            return self._message(value, schema["$ref"], path, name, out)
        kind = schema.get("type")
        if kind == "any":
            return value
        if kind == "array":
            if not isinstance(value, list):
                out.append((path, f"Invalid value at '{path}' (repeated), {_literal(value)}"))
                return value
            return [self._value(item, schema["items"], f"{path}[{i}]", name, out) for i, item in enumerate(value)]
        if kind == "object":
            if "additionalProperties" in schema:
                return self._map(value, schema["additionalProperties"], path, name, out)
            if not isinstance(value, dict):
                out.append((path, f"Invalid value at '{path}' (type.googleapis.com/google.protobuf.Struct)"))
            return value
        if isinstance(value, list):
            out.append((path, self._not_repeating(path, name)))
            return value
        problem = self._scalar_problem(value, schema)
        if problem:
            out.append((path, f"Invalid value at '{path}' ({problem}), {_literal(value)}"))
        return value

    def _message(self, value: Any, schema_name: str, path: str, name: str, out: list[Violation]) -> Any:
        if isinstance(value, list):
            out.append((path, self._not_repeating(path, name)))
            return value
        if not isinstance(value, dict):
            type_url = f"type.googleapis.com/google.firebase.fcm.v1.{schema_name}"
            out.append((path, f"Invalid value at '{path}' ({type_url}), {_literal(value)}"))
            return value
        properties = self._schemas[schema_name].get("properties", {})
        names = self._names[schema_name]
        normalized: dict[str, Any] = {}
        for key, item in value.items():
            field = names.get(key)
            if field is None:
                where = f" at '{path}'" if path else ""
                out.append(
                    (
                        path or None,
                        f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.',
                    )
                )
            elif item is not None:  # proto3 JSON: null means "not set"
                normalized[field] = self._value(item, properties[field], _join(path, key), key, out)
        return normalized

    def _map(self, value: Any, values: Mapping[str, Any], path: str, name: str, out: list[Violation]) -> Any:
        if isinstance(value, list):
            out.append((path, self._not_repeating(path, name)))
            return value
        if not isinstance(value, dict):
            out.append((path, f"Invalid value at '{path}' (map), {_literal(value)}"))
            return value
        return {
            key: self._value(item, values, f"{path}[{i}].value", name, out)
            for i, (key, item) in enumerate(value.items())
        }

    @staticmethod
    def _not_repeating(path: str, name: str) -> str:
        parent = path.rpartition(".")[0]
        where = f" at '{parent}'" if parent else ""
        return (
            f'Invalid JSON payload received. Unknown name "{name}"{where}: '
            "Proto field is not repeating, cannot start list."
        )

    @staticmethod
    def _scalar_problem(value: Any, schema: Mapping[str, Any]) -> str | None:
        """The type Google would name in the error, or None when the value parses."""
        kind, fmt = schema.get("type"), schema.get("format")
        if kind == "boolean":
            return None if isinstance(value, bool) else "TYPE_BOOL"
        if kind == "integer":
            low, high = _INTEGER_RANGES.get(fmt or "int32", _INTEGER_RANGES["int64"])
            number: int | None = None
            if isinstance(value, int) and not isinstance(value, bool):
                number = value
            elif isinstance(value, float) and value.is_integer():
                number = int(value)
            elif isinstance(value, str) and _INTEGER.fullmatch(value):
                number = int(value)  # 64-bit integers travel as strings in proto3 JSON
            ok = number is not None and low <= number <= high
            return None if ok else f"TYPE_{(fmt or 'int64').upper()}"
        if kind == "number":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return None
            if isinstance(value, str):
                try:
                    float(value)
                except ValueError:
                    pass
                else:
                    return None
            return f"TYPE_{(fmt or 'double').upper()}"
        text = value if isinstance(value, str) else None
        if "enum" in schema:
            # Google's parser takes enum names in any case: firebase-admin sends android priority "high".
            return None if text is not None and text.upper() in schema["enum"] else "TYPE_ENUM"
        if fmt == "google-duration":
            ok = text is not None and _DURATION.fullmatch(text) is not None
            return None if ok else "type.googleapis.com/google.protobuf.Duration"
        if fmt == "google-datetime":
            ok = text is not None and _is_timestamp(text)
            return None if ok else "type.googleapis.com/google.protobuf.Timestamp"
        return None if text is not None else "TYPE_STRING"


def _is_timestamp(value: str) -> bool:
    if not _TIMESTAMP.fullmatch(value):
        return False
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")  # only the calendar is checked: no zone needed
    except ValueError:
        return False
    return True


def _fcm_rule_violations(message: Mapping[str, Any]) -> list[Violation]:
    """FCM's checks beyond the schema: exactly one target, no reserved data keys."""
    targets = [target for target in _TARGETS if target in message]
    if not targets:
        return [("message", "Recipient of the message is not set.")]
    if len(targets) > 1:
        return [
            (
                "message",
                f"Invalid value at 'message' (oneof), oneof field 'target' is already set. Cannot set '{targets[1]}'",
            )
        ]
    violations: list[Violation] = []
    for where, data in (
        ("message.data", message.get("data")),
        ("message.android.data", _android_data(message)),
    ):
        for key in data or {}:
            if key == "from" or key.startswith(("google.", "gcm.")):
                violations.append((where, f'Invalid data payload key "{key}": it is a reserved word.'))
    return violations


def _android_data(message: Mapping[str, Any]) -> Mapping[str, Any] | None:
    android = message.get("android")
    return android.get("data") if isinstance(android, dict) else None


def local_service_account(token_uri: str, project_id: str) -> dict[str, str]:
    """A service-account JSON with a fresh 2048-bit key, as firebase_admin.credentials.Certificate reads."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": secrets.token_hex(20),
        "private_key": pem,
        "client_email": f"firebase-adminsdk-local@{project_id}.iam.gserviceaccount.com",
        "client_id": str(secrets.randbelow(10**21)).zfill(21),
        "token_uri": token_uri,
        "universe_domain": "googleapis.com",
    }


def point_firebase_admin_at(send_url_template: str) -> str:
    """Sets firebase-admin's FCM send URL template ("{0}" = project id); returns the previous one.

    Only apps whose messaging service is created afterwards use it (the URL is formatted then).
    """
    if "{0}" not in send_url_template:
        raise ValueError(f"{send_url_template!r} has no {{0}} for the project id")
    from firebase_admin import messaging  # lazily: only this helper needs it

    service = messaging._MessagingService
    previous: str = service.FCM_URL
    service.FCM_URL = send_url_template
    return previous


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # bursts of concurrent sends must not overflow the listen backlog

    def __init__(self, standin: FcmStandIn) -> None:
        self.standin = standin
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exception(), ConnectionError):
            return  # clients abort connections routinely (httpx does on close): no traceback for that
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as firebase-admin's pooled session expects

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK would add ~40 ms to every answer, a latency FCM does not have.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server = cast(_Server, self.server)
        with server.connections_lock:
            server.connections.add(self.connection)

    def finish(self) -> None:
        server = cast(_Server, self.server)
        with server.connections_lock:
            server.connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:
        body = self._read_body()
        path = urlsplit(self.path).path
        standin = cast(_Server, self.server).standin
        if path == "/token":
            answer = standin._token(body)
        elif match := _SEND_PATH.fullmatch(path):
            answer = standin._send(match["project"], self.headers.get("Authorization"), body)
        else:
            answer = _not_found()
        self._answer(answer)

    def do_GET(self) -> None:
        self._read_body()
        self._answer(_not_found())

    do_PUT = do_PATCH = do_DELETE = do_GET

    def _read_body(self) -> bytes:
        # Read it whole even when the answer ignores it, or the next request on the connection breaks.
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _answer(self, answer: _Answer) -> None:
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


def _not_found() -> _Answer:
    return _Answer(404, _google_error(404, "NOT_FOUND", "Requested entity was not found."))


def _token_error(error: str, description: str) -> _Answer:
    return _Answer(400, {"error": error, "error_description": description})


class FcmStandIn:
    """A running stand-in: start with FcmStandIn.start(), stop with .stop() (or use it as a context)."""

    def __init__(self, project_id: str = DEFAULT_PROJECT_ID, latency_seconds: float = 0.0) -> None:
        self.latency_seconds = latency_seconds
        self.project_id = project_id
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []
        self._tokens: dict[str, float] = {}  # access token -> monotonic expiry
        self._attempted: set[str] = set()  # targets whose first attempt has been answered
        self._validator = SchemaValidator(fcm_discovery_document())
        self._server = _Server(self)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self.token_uri = f"{self.base_url}/token"
        self.send_url_template = f"{self.base_url}/v1/projects/{{0}}/messages:send"
        self.send_url = self.send_url_template.format(project_id)
        self.service_account = local_service_account(self.token_uri, project_id)
        private_key = serialization.load_pem_private_key(self.service_account["private_key"].encode(), None)
        self._public_key = cast(rsa.RSAPrivateKey, private_key).public_key()
        self._thread: threading.Thread | None = None

    @classmethod
    def start(cls, project_id: str = DEFAULT_PROJECT_ID, latency_seconds: float = 0.0) -> Self:
        standin = cls(project_id=project_id, latency_seconds=latency_seconds)
        # A short poll so stop() returns promptly (shutdown waits for the serve loop's next poll).
        serve = functools.partial(standin._server.serve_forever, poll_interval=0.05)
        standin._thread = threading.Thread(target=serve, name="fcm-standin", daemon=True)
        standin._thread.start()
        return standin

    def stop(self) -> None:
        """Stops serving and drops idle keep-alive connections so their threads end."""
        if self._thread is not None:
            self._server.shutdown()
            with self._server.connections_lock:
                connections = list(self._server.connections)
            for connection in connections:
                with contextlib.suppress(OSError):  # already closed by the client
                    connection.shutdown(socket.SHUT_RDWR)
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    @property
    def latency_seconds(self) -> float:
        return self._latency_seconds

    @latency_seconds.setter
    def latency_seconds(self, seconds: float) -> None:
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"latency must be a finite number of seconds >= 0, not {seconds!r}")
        self._latency_seconds = float(seconds)

    def messages(self) -> list[dict[str, Any]]:
        """Every messages:send past the token and project checks, in arrival order: {"message": ..., "status": ...}.

        validateOnly requests deliver nothing, so they are answered but not recorded.
        """
        with self._lock:
            return copy.deepcopy(self._records)

    def clear(self) -> None:
        """Forgets recorded messages and which targets already had their first attempt."""
        with self._lock:
            self._records.clear()
            self._attempted.clear()

    # Request handling, called from the server's request threads.

    def _token(self, body: bytes) -> _Answer:
        form = parse_qs(body.decode("utf-8", "replace"))
        grant_type = form.get("grant_type", [""])[0]
        if grant_type != JWT_BEARER_GRANT:
            return _token_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")
        assertion = form.get("assertion", [""])[0]
        try:
            header = jwt.get_unverified_header(assertion)
            if header.get("kid", self.service_account["private_key_id"]) != self.service_account["private_key_id"]:
                raise jwt.InvalidSignatureError
            claims = jwt.decode(
                assertion,
                self._public_key,
                algorithms=["RS256"],
                audience=[GOOGLE_TOKEN_ENDPOINT, self.token_uri],
                issuer=self.service_account["client_email"],
                options={"require": ["iss", "aud", "iat", "exp"]},
                leeway=60,
            )
        except jwt.InvalidSignatureError:
            return _token_error("invalid_grant", "Invalid JWT Signature.")
        except jwt.InvalidAudienceError:
            return _token_error("invalid_grant", f"Invalid JWT: Failed audience check. Expected {self.token_uri}")
        except jwt.InvalidTokenError as error:
            return _token_error("invalid_grant", f"Invalid JWT: {error}")
        if int(claims["exp"]) - int(claims["iat"]) > TOKEN_LIFETIME_SECONDS:
            return _token_error(
                "invalid_grant",
                "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
            )
        access_token = f"ya29.local-{secrets.token_urlsafe(32)}"
        with self._lock:
            self._tokens[access_token] = time.monotonic() + TOKEN_LIFETIME_SECONDS
        return _Answer(
            200, {"access_token": access_token, "expires_in": TOKEN_LIFETIME_SECONDS, "token_type": "Bearer"}
        )

    def _send(self, project: str, authorization: str | None, body: bytes) -> _Answer:
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return self._unauthenticated(_MISSING_CREDENTIAL)
        with self._lock:
            expiry = self._tokens.get(token.strip())
        if expiry is None or expiry < time.monotonic():
            return self._unauthenticated(_INVALID_CREDENTIAL)
        if project != self.project_id:
            return _not_found()
        try:
            request = json.loads(body)
        except ValueError as error:
            return _invalid_argument([(None, f"Invalid JSON payload received. {error}")])
        if not isinstance(request, dict):
            return _invalid_argument([(None, f"Invalid JSON payload received. Expected an object: {body[:80]!r}")])
        validate_only = request.get("validateOnly", request.get("validate_only")) is True
        answer = self._answer_send(request, validate_only)
        if not validate_only:
            with self._lock:
                self._records.append({"message": request.get("message"), "status": answer.status})
        return answer

    def _answer_send(self, request: dict[str, Any], validate_only: bool) -> _Answer:
        normalized, violations = self._validator.validate(request, "SendMessageRequest")
        if violations:
            return _invalid_argument(violations)
        message: dict[str, Any] = normalized.get("message", {})
        violations = _fcm_rule_violations(message)
        if violations:
            return _invalid_argument(violations, "INVALID_ARGUMENT")
        target = message.get("token", message.get("fid"))
        failure = self._failure_for(target, validate_only) if isinstance(target, str) else None
        if failure:
            return _fcm_error(failure)
        # FCM's dry run answers this fixed id.
        message_id = "fake_message_id" if validate_only else f"0:{time.time_ns()}%{uuid.uuid4().hex[:16]}"
        return _Answer(200, {"name": f"projects/{self.project_id}/messages/{message_id}"})

    def _failure_for(self, target: str, validate_only: bool) -> _Failure | None:
        if not target:
            return _FAILURES["invalid-"]
        failure = next((f for prefix, f in _FAILURES.items() if target.startswith(prefix)), None)
        if failure is None or not failure.first_attempt_only:
            return failure
        if validate_only:
            return None  # a dry run neither hits nor spends a transient failure
        with self._lock:
            first = target not in self._attempted
            self._attempted.add(target)
        return failure if first else None

    @staticmethod
    def _unauthenticated(message: str) -> _Answer:
        return _Answer(
            401,
            _google_error(401, "UNAUTHENTICATED", message),
            {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
        )
