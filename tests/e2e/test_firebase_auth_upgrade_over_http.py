"""Firebase Auth as the issuer, through the local stack: a person starts signed in anonymously, later
adds an e-mail and password to the same account (Firebase's upgrade keeps the uid, the token's `sub`),
and everything they wrote stays theirs. The local issuer mints tokens with Firebase's claims."""

from __future__ import annotations

import base64
import json
from typing import Any

from tests.local_stack import LocalStack, http_handler
from tests.sync_client import Device, changes, journal_entry

UID = "fB3xQk9anonUid0001"  # Firebase's uid: the same before and after the upgrade


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def _anonymous(stack: LocalStack, uid: str) -> str:
    return stack.token(uid, user_id=uid, firebase={"sign_in_provider": "anonymous", "identities": {}})


def _upgraded(stack: LocalStack, uid: str) -> str:
    return stack.token(
        uid,
        user_id=uid,
        email="someone@example.com",
        email_verified=True,
        firebase={"sign_in_provider": "password", "identities": {"email": ["someone@example.com"]}},
    )


def test_an_anonymous_users_data_stays_theirs_after_they_upgrade_to_an_account(stack: LocalStack) -> None:
    # Given an anonymous person who wrote an entry
    anonymous = _anonymous(stack, UID)
    assert _claims(anonymous)["firebase"]["sign_in_provider"] == "anonymous"
    before = Device(http_handler(stack, anonymous), "phone")
    before.pull()
    assert (
        before.push(changes(created=[journal_entry("first-steps", body="written before any account")]))["statusCode"]
        == 200
    )

    # When they add an e-mail and password (same uid, new token) and sync from a new device
    upgraded = _upgraded(stack, UID)
    claims = _claims(upgraded)
    assert (claims["sub"], claims["firebase"]["sign_in_provider"]) == (UID, "password")
    after = Device(http_handler(stack, upgraded), "tablet")
    after.pull_all()

    # Then the entry is theirs on the new device, and in their export
    assert ("journal_entries", "first-steps") in after.records
    export = stack.request("GET", "/v1/me/export", token=upgraded)
    assert export.status == 200
    assert "written before any account" in export.body.decode()


def test_another_anonymous_user_sees_nothing_of_it(stack: LocalStack) -> None:
    mine = Device(http_handler(stack, _anonymous(stack, "fB3xQkOwnerUid0002")), "phone")
    mine.pull()
    assert mine.push(changes(created=[journal_entry("private", body="mine")]))["statusCode"] == 200

    stranger = Device(http_handler(stack, _anonymous(stack, "fB3xQkOtherUid0003")), "phone")
    stranger.pull_all()
    assert stranger.records == {}


def test_the_local_issuer_never_lets_claims_override_the_subject_or_the_audience(stack: LocalStack) -> None:
    token = stack.request(
        "POST", "/_local/token", {"sub": "real", "claims": {"sub": "someone-else", "aud": "elsewhere", "x": 1}}
    ).json()["token"]
    claims = _claims(token)
    assert (claims["sub"], claims["x"]) == ("real", 1)
    assert claims["aud"] != "elsewhere"
