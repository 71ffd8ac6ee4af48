"""The sender's Firebase adapter against the FCM stand-in (firebase-admin over HTTP) and its secret in
moto: credentials before anything else, every failure of a push reported as its result, never raised."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from devstack.fcm import FcmStandIn
from selfkind.adapters.firebase_push import FirebasePushGateway
from selfkind.adapters.secrets import CachedSecret
from selfkind.domain.ports.push import CredentialsUnavailableError, Push, PushOutcome


def _push(n: int, target: str = "fid-gateway") -> Push:
    return Push(
        notification_id=f"n{n}",
        device_id="phone",
        fid=f"{target}-{n:04d}",
        token=None,
        title="A kind word for you",
        body="You are allowed to rest.",
        data={"type": "affirmation", "notification_id": f"n{n}"},
        kind="affirmation",
    )


@pytest.fixture
def gateway(aws: dict[str, str], fcm: FcmStandIn) -> Iterator[FirebasePushGateway]:
    secret = CachedSecret(aws["FirebaseServiceAccount"], max_age_seconds=300, client=boto3.client("secretsmanager"))
    gateway = FirebasePushGateway(secret, fcm_url=fcm.send_url_template, sleep=lambda _: None)
    yield gateway
    gateway.close()
    fcm.clear_faults()


def test_results_come_back_by_push_id_whatever_each_push_met(gateway: FirebasePushGateway) -> None:
    gateway.prepare()
    pushes = [_push(0), _push(1, "unregistered"), _push(2, "internal"), _push(3)]

    results = gateway.send_all(pushes)

    assert {push_id: result.outcome for push_id, result in results.items()} == {
        "n0/phone": PushOutcome.DELIVERED,
        "n1/phone": PushOutcome.DEVICE_GONE,
        "n2/phone": PushOutcome.RETRYABLE,
        "n3/phone": PushOutcome.DELIVERED,
    }


def test_our_credentials_refused_are_never_a_gone_device_and_hold_the_next_batches_back(
    gateway: FirebasePushGateway, fcm: FcmStandIn
) -> None:
    gateway.prepare()
    fcm.fail_sends(403, 2, "SENDER_ID_MISMATCH")

    results = gateway.send_all([_push(0), _push(1)])

    assert {result.outcome for result in results.values()} == {PushOutcome.CREDENTIALS_REFUSED}
    assert {result.error_code for result in results.values()} == {"PERMISSION_DENIED"}  # its gRPC status
    with pytest.raises(CredentialsUnavailableError):  # the next batch claims nothing for a while
        gateway.prepare()


def test_with_oauth_down_and_no_token_yet_preparing_fails_before_anything_is_sent(
    gateway: FirebasePushGateway, fcm: FcmStandIn
) -> None:
    fcm.fail_oauth()

    with pytest.raises(CredentialsUnavailableError):
        gateway.prepare()

    assert fcm.messages() == []


def test_a_token_refused_mid_batch_leaves_every_push_retryable_not_raised(
    gateway: FirebasePushGateway, fcm: FcmStandIn
) -> None:
    # Given a gateway that holds a valid token, then OAuth goes down (tokens issued before are refused)
    gateway.prepare()
    fcm.fail_oauth()

    results = gateway.send_all([_push(0), _push(1)])

    # Then firebase-admin's refresh fails with a google-auth error, and each push is reported retryable
    assert {result.outcome for result in results.values()} == {PushOutcome.RETRYABLE}
    assert {result.error_code for result in results.values()} <= {"RefreshError", "TransportError", "UNAUTHENTICATED"}

    # And once OAuth is back, the same gateway sends again (a fresh token is fetched)
    fcm.clear_faults()
    gateway.prepare()
    assert gateway.send_all([_push(2)])["n2/phone"].outcome is PushOutcome.DELIVERED


def test_an_fcm_outage_is_reported_per_push_and_ends_with_the_fault(
    gateway: FirebasePushGateway, fcm: FcmStandIn
) -> None:
    gateway.prepare()
    fcm.fail_sends(503, count=1_000)  # past firebase-admin's own four retries

    during = gateway.send_all([_push(0), _push(1)])
    fcm.clear_faults()
    after = gateway.send_all([_push(2)])

    assert {result.outcome for result in during.values()} == {PushOutcome.RETRYABLE}
    assert after["n2/phone"].outcome is PushOutcome.DELIVERED


def test_a_secret_that_cannot_be_read_is_unavailable_credentials(fcm: FcmStandIn, aws: dict[str, str]) -> None:
    secret = CachedSecret("no-such-secret", max_age_seconds=300, client=boto3.client("secretsmanager"))
    gateway = FirebasePushGateway(secret, fcm_url=fcm.send_url_template)

    with pytest.raises(CredentialsUnavailableError):
        gateway.prepare()
