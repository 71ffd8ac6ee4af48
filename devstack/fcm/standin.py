"""A Firebase Cloud Messaging (HTTP v1) stand-in for the local stack (never deployed).

It answers firebase-admin as Google would, so the reminder sender's real FCM code path runs locally:

* ``POST /token``: Google's OAuth2 token endpoint for the service-account JWT bearer grant. The assertion
  must be signed by the local service account the stand-in generated (``.service_account``).
* ``POST /v1/projects/{project}/messages:send``: FCM v1. It wants a bearer token it issued, checks the
  body against the official schema (the ``fcm.v1.json`` discovery document shipped in
  google-api-python-client, ``schema``) and FCM's own rules, then answers by the target's prefix or
  with an injected fault (``faults``); anything else 200.
* Faults on demand: ``fail_oauth()`` takes the token endpoint down and refuses every token issued so
  far (``oauth``); ``fail_sends(status, count)`` answers the next sends with 503, 500 or 429;
  ``clear_faults()`` ends both.

The package: ``answers`` (Google's error bodies), ``schema`` (validation), ``oauth`` (the token
endpoint and the local service account), ``faults``, ``server`` (HTTP plumbing), ``standin`` (this).

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

import copy
import functools
import json
import math
import re
import threading
import time
import uuid
from typing import Any, Final, Self

from devstack.fcm.answers import Answer, invalid_argument, not_found
from devstack.fcm.faults import InjectedSendFaults, TargetFailures
from devstack.fcm.oauth import TokenIssuer
from devstack.fcm.schema import SchemaValidator, fcm_discovery_document, fcm_rule_violations
from devstack.fcm.server import FcmServer

DEFAULT_PROJECT_ID: Final = "selfkind-local"
_SEND_PATH: Final = re.compile(r"/v1/projects/(?P<project>[^/]+)/messages:send")


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


class FcmStandIn:
    """A running stand-in: start with FcmStandIn.start(), stop with .stop() (or use it as a context)."""

    def __init__(self, project_id: str = DEFAULT_PROJECT_ID, latency_seconds: float = 0.0) -> None:
        self.latency_seconds = latency_seconds
        self.project_id = project_id
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []
        self._validator = SchemaValidator(fcm_discovery_document())
        self._target_failures = TargetFailures()
        self._injected = InjectedSendFaults()
        self._server = FcmServer(self)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self.token_uri = f"{self.base_url}/token"
        self.send_url_template = f"{self.base_url}/v1/projects/{{0}}/messages:send"
        self.send_url = self.send_url_template.format(project_id)
        self._issuer = TokenIssuer(self.token_uri, project_id)
        self.service_account = self._issuer.service_account
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
            self._server.drop_connections()
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
        self._target_failures.clear()

    def fail_oauth(self) -> None:
        """The token endpoint fails, and access tokens issued before are refused (401 UNAUTHENTICATED)."""
        self._issuer.set_down(True)

    def fail_sends(self, status: int, count: int, error: str | None = None) -> None:
        """The next `count` sends answer `status` (503, 500 or 429), whatever their target; with `error`,
        that FCM error (403 SENDER_ID_MISMATCH, 401 THIRD_PARTY_AUTH_ERROR: our credentials refused)."""
        self._injected.inject(status, count, error)

    def clear_faults(self) -> None:
        self._issuer.set_down(False)
        self._injected.clear()

    # Request handling, called from the server's request threads.

    def post(self, path: str, headers: Any, body: bytes) -> Answer:
        if path == "/token":
            return self._issuer.token(body)
        match = _SEND_PATH.fullmatch(path)
        if match is None:
            return not_found()
        return self._send(match["project"], headers.get("Authorization"), body)

    def _send(self, project: str, authorization: str | None, body: bytes) -> Answer:
        if self.latency_seconds:
            time.sleep(self.latency_seconds)
        refusal = self._issuer.refusal(authorization)
        if refusal is not None:
            return refusal
        if project != self.project_id:
            return not_found()
        try:
            request = json.loads(body)
        except ValueError as error:
            return invalid_argument([(None, f"Invalid JSON payload received. {error}")])
        if not isinstance(request, dict):
            return invalid_argument([(None, f"Invalid JSON payload received. Expected an object: {body[:80]!r}")])
        validate_only = request.get("validateOnly", request.get("validate_only")) is True
        answer = self._answer_send(request, validate_only)
        if not validate_only:
            with self._lock:
                self._records.append({"message": request.get("message"), "status": answer.status})
        return answer

    def _answer_send(self, request: dict[str, Any], validate_only: bool) -> Answer:
        normalized, violations = self._validator.validate(request, "SendMessageRequest")
        if violations:
            return invalid_argument(violations)
        message: dict[str, Any] = normalized.get("message", {})
        violations = fcm_rule_violations(message)
        if violations:
            return invalid_argument(violations, "INVALID_ARGUMENT")
        injected = None if validate_only else self._injected.take()
        if injected is not None:
            return injected.answer()
        target = message.get("token", message.get("fid"))
        failure = self._target_failures.for_target(target, validate_only) if isinstance(target, str) else None
        if failure:
            return failure.answer()
        # FCM's dry run answers this fixed id.
        message_id = "fake_message_id" if validate_only else f"0:{time.time_ns()}%{uuid.uuid4().hex[:16]}"
        return Answer(200, {"name": f"projects/{self.project_id}/messages/{message_id}"})
