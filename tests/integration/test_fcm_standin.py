"""The FCM stand-in, driven by the real firebase-admin (and by raw HTTP where firebase-admin cannot go)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import firebase_admin
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from firebase_admin import credentials, exceptions, messaging

from devstack.fcm import (
    FIREBASE_MESSAGING_SCOPE,
    GOOGLE_TOKEN_ENDPOINT,
    JWT_BEARER_GRANT,
    FcmStandIn,
    point_firebase_admin_at,
)

PROJECT = "selfkind-local"
FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"


@pytest.fixture
def fcm() -> Iterator[FcmStandIn]:
    standin = FcmStandIn.start(project_id=PROJECT)
    previous = point_firebase_admin_at(standin.send_url_template)
    yield standin
    point_firebase_admin_at(previous)
    standin.stop()


def _new_app(fcm: FcmStandIn) -> firebase_admin.App:
    return firebase_admin.initialize_app(
        credentials.Certificate(fcm.service_account), name=f"fcm-standin-{uuid.uuid4().hex}"
    )


@pytest.fixture
def app(fcm: FcmStandIn) -> Iterator[firebase_admin.App]:
    app = _new_app(fcm)
    yield app
    firebase_admin.delete_app(app)


def _statuses(fcm: FcmStandIn) -> list[int]:
    return [record["status"] for record in fcm.messages()]


def _assertion(fcm: FcmStandIn, key: rsa.RSAPrivateKey | str | None = None, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": fcm.service_account["client_email"],
        "aud": GOOGLE_TOKEN_ENDPOINT,
        "scope": FIREBASE_MESSAGING_SCOPE,
        "iat": now,
        "exp": now + 3600,
        **claims,
    }
    return jwt.encode(payload, key or fcm.service_account["private_key"], algorithm="RS256")


def _grant(fcm: FcmStandIn, assertion: str, grant_type: str = JWT_BEARER_GRANT) -> requests.Response:
    return requests.post(fcm.token_uri, data={"grant_type": grant_type, "assertion": assertion}, timeout=10)


def _access_token(fcm: FcmStandIn) -> str:
    response = _grant(fcm, _assertion(fcm))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _post(fcm: FcmStandIn, body: dict[str, Any], token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(fcm.send_url, json=body, headers=headers, timeout=10)


def _target(prefix: str = "") -> str:
    # Unique, so a first-attempt failure is never spent by another test.
    return f"{prefix}{uuid.uuid4().hex}"


# Delivery through firebase-admin


def test_a_valid_message_is_delivered_and_recorded_exactly_as_sent(fcm: FcmStandIn, app: firebase_admin.App) -> None:
    # Given a reminder as the sender would build it
    message = messaging.Message(
        fid="fid-alice-phone",
        notification=messaging.Notification(title="A moment for you", body="Three breaths?"),
        data={"practice": "breathing", "reminder_id": "r1"},
        android=messaging.AndroidConfig(
            priority="high",
            ttl=3600,
            collapse_key="daily-reminder",
            notification=messaging.AndroidNotification(channel_id="reminders", notification_count=1),
        ),
        apns=messaging.APNSConfig(
            headers={"apns-priority": "10"}, payload=messaging.APNSPayload(aps=messaging.Aps(badge=1))
        ),
    )

    # When it is sent
    name = messaging.send(message, app=app)

    # Then FCM's answer names it, and the stand-in holds the wire form firebase-admin sent
    assert name.startswith(f"projects/{PROJECT}/messages/")
    assert fcm.messages() == [
        {
            "message": {
                "fid": "fid-alice-phone",
                "notification": {"title": "A moment for you", "body": "Three breaths?"},
                "data": {"practice": "breathing", "reminder_id": "r1"},
                "android": {
                    "priority": "high",
                    "ttl": "3600s",
                    "collapse_key": "daily-reminder",
                    "notification": {"channel_id": "reminders", "notification_count": 1},
                },
                "apns": {"headers": {"apns-priority": "10"}, "payload": {"aps": {"badge": 1}}},
            },
            "status": 200,
        }
    ]


def test_each_delivery_gets_its_own_name_and_clear_forgets_them(fcm: FcmStandIn, app: firebase_admin.App) -> None:
    # Given a registration-token target (deprecated by firebase-admin in favour of fid, still served)
    with pytest.warns(DeprecationWarning, match="fid"):
        message = messaging.Message(token="device-token-1")

    # When it is sent twice
    names = {messaging.send(message, app=app) for _ in range(2)}

    # Then both are recorded under distinct names, and clear() empties the record
    assert len(names) == 2
    assert fcm.messages() == [{"message": {"token": "device-token-1"}, "status": 200}] * 2
    fcm.clear()
    assert fcm.messages() == []


def test_a_dry_run_is_validated_but_not_recorded(fcm: FcmStandIn, app: firebase_admin.App) -> None:
    # When a good and an unregistered target are sent with dry_run
    name = messaging.send(messaging.Message(fid="fid-1"), dry_run=True, app=app)
    with pytest.raises(messaging.UnregisteredError):
        messaging.send(messaging.Message(fid=_target("unregistered-")), dry_run=True, app=app)

    # Then both are answered as FCM would, and nothing counts as delivered
    assert name == f"projects/{PROJECT}/messages/fake_message_id"
    assert fcm.messages() == []


@pytest.mark.parametrize(
    ("prefix", "error_type", "status"),
    [
        ("unregistered-", messaging.UnregisteredError, 404),
        ("invalid-", exceptions.InvalidArgumentError, 400),
        ("mismatch-", messaging.SenderIdMismatchError, 403),
    ],
)
def test_a_permanent_failure_raises_its_firebase_admin_error_after_one_attempt(
    fcm: FcmStandIn, app: firebase_admin.App, prefix: str, error_type: type[Exception], status: int
) -> None:
    # Given a target FCM refuses for good
    target = _target(prefix)

    # When it is sent
    with pytest.raises(error_type) as raised:
        messaging.send(messaging.Message(fid=target), app=app)

    # Then firebase-admin raises its typed error without retrying
    assert raised.value.http_response.status_code == status  # type: ignore[attr-defined]
    assert fcm.messages() == [{"message": {"fid": target}, "status": status}]


def test_an_internal_error_is_retried_four_times_with_backoff_then_raised(
    fcm: FcmStandIn, app: firebase_admin.App
) -> None:
    # Given a target FCM always fails with 500
    target = _target("internal-")

    # When it is sent
    started = time.monotonic()
    with pytest.raises(exceptions.InternalError):
        messaging.send(messaging.Message(fid=target), app=app)

    # Then firebase-admin's urllib3 retry made 5 attempts, sleeping 0 + 1 + 2 + 4 s between them
    assert _statuses(fcm) == [500] * 5
    assert time.monotonic() - started >= 6.9


def test_a_flaky_target_succeeds_on_firebase_admins_own_immediate_retry(
    fcm: FcmStandIn, app: firebase_admin.App
) -> None:
    # Given a target answering 503 on its first attempt only
    target = _target("flaky-")

    # When it is sent
    started = time.monotonic()
    name = messaging.send(messaging.Message(fid=target), app=app)

    # Then no UnavailableError surfaces: the first retry has no backoff and succeeds
    assert name.startswith(f"projects/{PROJECT}/messages/")
    assert fcm.messages() == [{"message": {"fid": target}, "status": s} for s in (503, 200)]
    assert time.monotonic() - started < 1


def test_a_quota_target_succeeds_after_firebase_admin_honours_retry_after(
    fcm: FcmStandIn, app: firebase_admin.App
) -> None:
    # Given a target answering 429 with Retry-After: 1 on its first attempt only
    target = _target("quota-")

    # When it is sent
    started = time.monotonic()
    messaging.send(messaging.Message(fid=target), app=app)

    # Then urllib3 retried the 429 because of Retry-After (429 is not in firebase-admin's forcelist)
    assert _statuses(fcm) == [429, 200]
    assert time.monotonic() - started >= 1.0


def test_quota_exceeded_surfaces_from_the_async_api_which_ignores_retry_after(fcm: FcmStandIn) -> None:
    # Given an app used from its own event loop: delete_app closes the async client with asyncio.run,
    # which fails with "Event loop is closed" if the loop that opened its connections is already closed.
    app = _new_app(fcm)
    loop = asyncio.new_event_loop()
    target = _target("quota-")

    # When a batch with a quota target and a good one is sent
    try:
        batch = loop.run_until_complete(
            messaging.send_each_async(
                [messaging.Message(fid=target), messaging.Message(fid="fid-1")], dry_run=False, app=app
            )
        )
    finally:
        firebase_admin.delete_app(app)
        loop.run_until_complete(asyncio.sleep(0))
        loop.close()

    # Then the quota failure is a QuotaExceededError carrying Retry-After, the other one was delivered
    failed, delivered = batch.responses
    assert isinstance(failed.exception, messaging.QuotaExceededError)
    assert failed.exception.http_response.headers["Retry-After"] == "1"
    assert delivered.success
    assert sorted(_statuses(fcm)) == [200, 429]


# The wire format, over raw HTTP


@pytest.mark.parametrize(
    ("prefix", "status", "rpc_status", "fcm_code", "always"),
    [
        ("unregistered-", 404, "NOT_FOUND", "UNREGISTERED", True),
        ("invalid-", 400, "INVALID_ARGUMENT", "INVALID_ARGUMENT", True),
        ("mismatch-", 403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH", True),
        ("internal-", 500, "INTERNAL", "INTERNAL", True),
        ("flaky-", 503, "UNAVAILABLE", "UNAVAILABLE", False),
        ("quota-", 429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", False),
    ],
)
def test_failures_are_answered_in_googles_error_format(
    fcm: FcmStandIn, prefix: str, status: int, rpc_status: str, fcm_code: str, always: bool
) -> None:
    # Given a valid access token and a failing target
    token = _access_token(fcm)
    body = {"message": {"fid": _target(prefix)}}

    # When the target is sent twice
    first, second = _post(fcm, body, token), _post(fcm, body, token)

    # Then the first answer is Google's error, with FCM's error code in the details
    assert first.status_code == status
    error = first.json()["error"]
    assert (error["code"], error["status"]) == (status, rpc_status)
    assert error["details"] == [{"@type": FCM_ERROR, "errorCode": fcm_code}]
    assert first.headers.get("Retry-After") == ("1" if prefix == "quota-" else None)
    # and a transient failure clears on the second attempt only
    assert second.status_code == (status if always else 200)


def test_the_unregistered_answer_is_exactly_googles(fcm: FcmStandIn) -> None:
    response = _post(fcm, {"message": {"fid": _target("unregistered-")}}, _access_token(fcm))

    assert response.json() == {
        "error": {
            "code": 404,
            "message": "Requested entity was not found.",
            "status": "NOT_FOUND",
            "details": [{"@type": FCM_ERROR, "errorCode": "UNREGISTERED"}],
        }
    }


def test_an_unknown_field_is_rejected_as_google_does(fcm: FcmStandIn) -> None:
    # Given a message with a field FCM does not have
    message = {"fid": "fid-1", "android": {"priority": "HIGH", "x": 1}}

    # When it is sent
    response = _post(fcm, {"message": message}, _access_token(fcm))

    # Then it is refused with Google's parser message, and recorded as refused
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["message"] == (
        "Invalid JSON payload received. Unknown name \"x\" at 'message.android': Cannot find field."
    )
    assert fcm.messages() == [{"message": message, "status": 400}]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"message": {"fid": "f"}, "x": 1}, 'Unknown name "x": Cannot find field.'),
        ({"message": {"fid": "f", "data": {"n": 1}}}, "Invalid value at 'message.data[0].value' (TYPE_STRING), 1"),
        ({"message": {"fid": "f", "data": ["a"]}}, "Proto field is not repeating, cannot start list."),
        ({"message": {"fid": "f", "android": {"priority": "URGENT"}}}, "(TYPE_ENUM)"),
        (
            {"message": {"fid": "f", "android": {"ttl": 3600}}},
            "'message.android.ttl' (type.googleapis.com/google.protobuf.Duration), 3600",
        ),
        ({"message": {"fid": 7}}, "Invalid value at 'message.fid' (TYPE_STRING), 7"),
        ({"message": {"fid": "f", "android": {"ttl": "1h"}}}, "google.protobuf.Duration"),
        ({"message": {"fid": "f", "android": {"notification": {"notificationCount": "x"}}}}, "(TYPE_INT32)"),
        ({"message": {"fid": "f", "android": {"notification": {"notificationCount": 2**31}}}}, "(TYPE_INT32)"),
        ({"message": {"fid": "f", "android": {"directBootOk": "yes"}}}, "(TYPE_BOOL)"),
        ({"message": {"fid": "f", "notification": "hi"}}, "google.firebase.fcm.v1.Notification"),
        ({"message": {"data": {"a": "b"}}}, "Recipient of the message is not set."),
        ({"message": {"fid": "f", "topic": "news"}}, "oneof field 'target' is already set"),
        ({"message": {"fid": "f", "data": {"from": "x"}}}, 'Invalid data payload key "from"'),
        ({"message": {"fid": "f", "data": {"google.sent": "x"}}}, 'Invalid data payload key "google.sent"'),
        ({"message": {"fid": "f", "data": {"gcm.n": "x"}}}, 'Invalid data payload key "gcm.n"'),
        ({"message": {"fid": ""}}, "The registration token is not a valid FCM registration token"),
    ],
)
def test_invalid_requests_are_refused_with_invalid_argument(
    fcm: FcmStandIn, body: dict[str, Any], expected: str
) -> None:
    response = _post(fcm, body, _access_token(fcm))

    assert response.status_code == 400
    assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert expected in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "message",
    [
        {"fid": "f", "android": {"notification": {"notificationCount": 3}}},  # int32 as a JSON number
        {"fid": "f", "android": {"notification": {"notification_count": "3"}}},  # proto name, int as string
        {"fid": "f", "android": {"priority": "high", "ttl": "0.5s"}},  # enum in any case, fractional duration
        {"fid": "f", "android": {"notification": {"eventTime": "2026-01-02T03:04:05.123456789Z"}}},
        {"fid": "f", "android": {"notification": {"lightSettings": {"color": {"red": 0.5, "alpha": 1}}}}},
        {"fid": "f", "apns": {"payload": {"aps": {"badge": 1, "alert": {"title": "t"}}}}},  # free-form
        {"fid": "f", "notification": None},  # proto3 JSON null: not set
        {"topic": "news"},
        {"condition": "'news' in topics"},
        {"token": "device-token-1"},
    ],
)
def test_every_form_google_accepts_is_accepted(fcm: FcmStandIn, message: dict[str, Any]) -> None:
    response = _post(fcm, {"message": message}, _access_token(fcm))

    assert response.status_code == 200, response.text
    assert fcm.messages() == [{"message": message, "status": 200}]


@pytest.mark.parametrize(
    ("authorization", "message"),
    [
        (None, "Request is missing required authentication credential."),
        ("Bearer not-a-token-it-issued", "Request had invalid authentication credentials."),
        ("Basic dXNlcjpwYXNz", "Request is missing required authentication credential."),
    ],
)
def test_sends_without_a_token_it_issued_are_unauthenticated(
    fcm: FcmStandIn, authorization: str | None, message: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}

    response = requests.post(fcm.send_url, json={"message": {"fid": "f"}}, headers=headers, timeout=10)

    assert response.status_code == 401
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (401, "UNAUTHENTICATED")
    assert error["message"].startswith(message)
    assert fcm.messages() == []


def test_another_projects_send_url_is_not_found(fcm: FcmStandIn) -> None:
    url = fcm.send_url_template.format("someone-elses-project")

    response = requests.post(
        url, json={"message": {"fid": "f"}}, headers={"Authorization": f"Bearer {_access_token(fcm)}"}, timeout=10
    )

    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"
    assert fcm.messages() == []


# The token endpoint


@pytest.mark.parametrize("audience", [GOOGLE_TOKEN_ENDPOINT, "token_uri"])
def test_a_signed_assertion_is_exchanged_for_a_bearer_token(fcm: FcmStandIn, audience: str) -> None:
    aud = fcm.token_uri if audience == "token_uri" else audience

    response = _grant(fcm, _assertion(fcm, aud=aud))

    assert response.status_code == 200
    answer = response.json()
    assert (answer["expires_in"], answer["token_type"]) == (3600, "Bearer")
    sent = _post(fcm, {"message": {"fid": "f"}}, answer["access_token"])
    assert sent.status_code == 200


@pytest.mark.parametrize(
    ("make_assertion", "error"),
    [
        (lambda fcm: _assertion(fcm, key=rsa.generate_private_key(65537, 2048)), "invalid_grant"),
        (lambda fcm: _assertion(fcm, aud="https://example.com/token"), "invalid_grant"),
        (lambda fcm: _assertion(fcm, iss="someone@else.iam.gserviceaccount.com"), "invalid_grant"),
        (lambda fcm: _assertion(fcm, exp=int(time.time()) - 3600), "invalid_grant"),
        (lambda fcm: "not.a.jwt", "invalid_grant"),
    ],
    ids=["foreign-key", "wrong-audience", "wrong-issuer", "expired", "garbage"],
)
def test_a_bad_assertion_is_an_invalid_grant(fcm: FcmStandIn, make_assertion: Any, error: str) -> None:
    response = _grant(fcm, make_assertion(fcm))

    assert response.status_code == 400
    assert response.json()["error"] == error


def test_only_the_jwt_bearer_grant_is_served(fcm: FcmStandIn) -> None:
    response = _grant(fcm, _assertion(fcm), grant_type="client_credentials")

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


# Latency and concurrency


def test_latency_set_at_construction_delays_every_send() -> None:
    with FcmStandIn.start(project_id=PROJECT, latency_seconds=0.4) as fcm:
        token = _access_token(fcm)

        started = time.monotonic()
        response = _post(fcm, {"message": {"fid": "f"}}, token)

        assert response.status_code == 200
        assert time.monotonic() - started >= 0.4


def test_latency_can_be_changed_while_running(fcm: FcmStandIn, app: firebase_admin.App) -> None:
    # Given a warm app (its access token already fetched)
    messaging.send(messaging.Message(fid="warm-up"), app=app)

    # When latency is injected, then removed
    fcm.latency_seconds = 0.5
    started = time.monotonic()
    messaging.send(messaging.Message(fid="slow"), app=app)
    slow = time.monotonic() - started
    fcm.latency_seconds = 0
    started = time.monotonic()
    messaging.send(messaging.Message(fid="fast"), app=app)
    fast = time.monotonic() - started

    # Then only the send made meanwhile was delayed
    assert slow >= 0.5
    assert fast < 0.5
    with pytest.raises(ValueError, match="latency"):
        fcm.latency_seconds = -1


def test_fifty_concurrent_sends_all_succeed_and_are_served_in_parallel(
    fcm: FcmStandIn, app: firebase_admin.App
) -> None:
    # Given 50 threads released together, against a stand-in that takes 0.3 s per send
    fcm.latency_seconds = 0.3
    senders = 50
    start_together = threading.Barrier(senders)

    def send(i: int) -> str:
        start_together.wait()
        name: str = messaging.send(messaging.Message(fid=f"device-{i}"), app=app)
        return name

    # When they all send
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=senders) as pool:
        names = list(pool.map(send, range(senders)))
    elapsed = time.monotonic() - started

    # Then every send succeeded once, and far faster than 50 x 0.3 s in series
    assert len(set(names)) == senders
    records = fcm.messages()
    assert sorted(record["message"]["fid"] for record in records) == sorted(f"device-{i}" for i in range(senders))
    assert {record["status"] for record in records} == {200}
    assert elapsed < 5


def test_point_firebase_admin_at_needs_a_project_placeholder() -> None:
    with pytest.raises(ValueError, match="project id"):
        point_firebase_admin_at("http://127.0.0.1:1/v1/projects/p/messages:send")
