"""Sharing with a therapist, through the account function against moto: creating, listing, revoking,
the live limit, expiry, erasure and export, the page (HTML and JSON) and its headers, and the token
stored only as its hash."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from devstack.events import http_api_event
from selfkind.data.rollup_repository import RollupRepository
from selfkind.data.share_repository import ShareRepository
from selfkind.data.sync_repository import SyncRepository
from selfkind.domain import share_viewing, shares
from selfkind.models.exceptions import ShareExpiredError
from selfkind.models.shares import ShareInclude, ShareRequest, StoredShare
from tests.conftest import Handler
from tests.sync_client import Device, changes, journal_entry

JSON = {"content-type": "application/json"}
HOSTILE = '<script>alert(1)</script></svg><img src=x onerror="alert(2)">'


def _request(**overrides: Any) -> dict[str, Any]:
    return {
        "weeks": 4,
        "include": {"practice": True, "moods": True, "check_ins": True, "entry_ids": []},
        "language": "en",
    } | overrides


def _create(account: Handler, user: str, **overrides: Any) -> dict[str, Any]:
    event = http_api_event(
        "POST", "/v1/shares", headers=JSON, body=json.dumps(_request(**overrides)), claims={"sub": user}
    )
    return account(event)


def _token(created: dict[str, Any]) -> str:
    return str(json.loads(created["body"])["url"]).rsplit("/s/", 1)[1]


def _page(account: Handler, token: str, accept: str = "text/html", language: str = "en") -> dict[str, Any]:
    return account(http_api_event("GET", f"/s/{token}", headers={"accept": accept, "accept-language": language}))


def _list(account: Handler, user: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads(
        account(http_api_event("GET", "/v1/shares", claims={"sub": user}))["body"]
    )["items"]
    return items


def _headers(response: dict[str, Any]) -> dict[str, str]:
    return {name.lower(): value for name, value in response["headers"].items()}


def _items(aws: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = boto3.client("dynamodb").scan(TableName=aws["Table"])["Items"]
    return items


def test_a_share_opens_its_page_and_the_link_appears_once(account: Handler, aws: dict[str, str]) -> None:
    created = _create(account, "ana", display_name="Ana")
    assert created["statusCode"] == 201
    answer = json.loads(created["body"])
    token = _token(created)
    assert answer["url"] == f"https://127.0.0.1/s/{token}"  # the host the request came to
    assert len(token) == 43  # 256 bits, URL-safe

    page = _page(account, token)

    assert page["statusCode"] == 200
    headers = _headers(page)
    assert headers["content-type"].startswith("text/html")
    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-robots-tag"] == "noindex, nofollow"
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "Shared by Ana on " in page["body"]
    # The token is stored only as its hash; the list never shows the link
    stored = json.dumps(_items(aws))
    assert token not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    [listed] = _list(account, "ana")
    assert token not in json.dumps(listed)
    assert "url" not in listed
    assert listed["id"] == answer["id"]


def test_each_view_is_counted_and_nothing_about_the_viewer_is_kept(account: Handler, aws: dict[str, str]) -> None:
    token = _token(_create(account, "ana"))
    before = json.dumps(_items(aws))
    viewer = {"accept": "text/html", "user-agent": "TherapistBrowser/9.9"}

    assert account(http_api_event("GET", f"/s/{token}", headers=viewer))["statusCode"] == 200
    as_json = _page(account, token, accept="application/json")

    assert as_json["statusCode"] == 200
    assert set(json.loads(as_json["body"])) >= {"practice", "moods", "check_ins", "entries", "week_starts"}
    [listed] = _list(account, "ana")
    assert listed["views"] == 2
    assert listed["last_viewed_at"] is not None
    after = json.dumps(_items(aws))
    assert "TherapistBrowser" not in after
    assert "127.0.0.1" not in after
    assert "127.0.0.1" not in before


def test_unknown_revoked_and_malformed_links_answer_the_same_404_page(account: Handler) -> None:
    created = _create(account, "ana")
    token, share_id = _token(created), json.loads(created["body"])["id"]
    unknown = _page(account, "A" * 43)

    revoke = account(http_api_event("DELETE", f"/v1/shares/{share_id}", claims={"sub": "ana"}))

    assert revoke["statusCode"] == 204
    revoked, malformed = _page(account, token), _page(account, "not-a-token")
    unroutable = [_page(account, f"{token[:20]}{bad}{token[20:]}") for bad in ("%0A", "%11", "%C3%AE")]
    assert [r["statusCode"] for r in (unknown, revoked, malformed, *unroutable)] == [404] * 6
    assert {r["body"] for r in (unknown, revoked, malformed, *unroutable)} == {unknown["body"]}
    assert all(_headers(r)["content-type"].startswith("text/html") for r in unroutable)
    assert _list(account, "ana") == []
    again = account(http_api_event("DELETE", f"/v1/shares/{share_id}", claims={"sub": "ana"}))
    assert again["statusCode"] == 404  # a share the user has not (any more)


def test_another_user_cannot_revoke_or_list_a_share(account: Handler) -> None:
    created = _create(account, "ana")
    share_id = json.loads(created["body"])["id"]

    assert account(http_api_event("DELETE", f"/v1/shares/{share_id}", claims={"sub": "bob"}))["statusCode"] == 404
    assert _list(account, "bob") == []
    assert _page(account, _token(created))["statusCode"] == 200


def test_at_most_five_live_shares(account: Handler) -> None:
    made = [_create(account, "ana") for _ in range(5)]
    assert [m["statusCode"] for m in made] == [201] * 5

    sixth = _create(account, "ana")

    assert sixth["statusCode"] == 409
    assert _headers(sixth)["content-type"] == "application/problem+json"
    revoked = json.loads(made[0]["body"])["id"]
    assert account(http_api_event("DELETE", f"/v1/shares/{revoked}", claims={"sub": "ana"}))["statusCode"] == 204
    assert _create(account, "ana")["statusCode"] == 201


def test_an_expired_share_answers_a_kind_410_and_no_longer_counts(account: Handler, aws: dict[str, str]) -> None:
    store = ShareRepository(aws["Table"])
    created = datetime.now(UTC) - timedelta(days=3)
    token = "E" * 43
    share = StoredShare(
        share_id="0123456789abcdef",
        token_sha256=shares.token_sha256(token),
        created_at=created,
        expires_at=created + timedelta(days=1),
        weeks=4,
        include=ShareInclude(practice=True),
        language="es",
    )
    store.create("ana", share, max_live=5, now=created)

    page = _page(account, token, language="es")

    assert page["statusCode"] == 410
    assert "Este enlace ha caducado" in page["body"]
    assert [_create(account, "ana")["statusCode"] for _ in range(5)] == [201] * 5  # the expired one is not live


def test_the_page_expires_by_the_clock(aws: dict[str, str]) -> None:
    store, now = ShareRepository(aws["Table"]), datetime(2027, 3, 1, 12, tzinfo=UTC)
    request = ShareRequest.model_validate(_request(expires_in_days=1))
    created = shares.create_share(store, "ana", request, "https://example.test", now)
    token = created.url.rsplit("/s/", 1)[1]
    rollups, records = RollupRepository(aws["Table"]), SyncRepository(aws["Table"])

    assert share_viewing.open_share(store, rollups, records, token, now + timedelta(hours=23)).language == "en"
    with pytest.raises(ShareExpiredError):
        share_viewing.open_share(store, rollups, records, token, now + timedelta(days=1))


def test_chosen_entries_are_shown_verbatim_escaped_and_absent_once_deleted(
    sync: Handler, account: Handler, capsys: pytest.CaptureFixture[str]
) -> None:
    phone = Device(sync, "ana")
    phone.pull()
    phone.push(changes(created=[journal_entry("e1", body=HOSTILE), journal_entry("e2", body="not shared")]))
    token = _token(_create(account, "ana", include={"entry_ids": ["e1"]}))

    shown = _page(account, token)["body"]

    output = capsys.readouterr()
    assert "alert(1)" not in output.out + output.err  # the entry is in the page, never in the logs
    assert token not in output.out + output.err  # nor is the link's secret
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>" not in shown
    assert "not shared" not in shown
    phone.pull()
    phone.push(changes(deleted=["e1"]))
    assert "alert(1)" not in _page(account, token)["body"]


def test_erasure_deletes_every_share_and_its_lookup_and_export_lists_them_without_links(
    account: Handler, aws: dict[str, str]
) -> None:
    token = _token(_create(account, "ana"))
    export = json.loads(account(http_api_event("GET", "/v1/me/export", claims={"sub": "ana"}))["body"])
    assert [set(share) for share in export["shares"]] == [
        {"id", "created_at", "expires_at", "include", "views", "last_viewed_at"}
    ]
    assert token not in json.dumps(export)

    assert account(http_api_event("DELETE", "/v1/me", claims={"sub": "ana"}))["statusCode"] == 204

    assert _page(account, token)["statusCode"] == 404
    assert not [item for item in _items(aws) if item["pk"]["S"].startswith("SHARETOKEN#")]
    assert _list(account, "ana") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (_request(weeks=0), "weeks"),
        (_request(expires_in_days=31), "expires_in_days"),
        (_request(language="fr"), "language"),
        (_request(display_name="x" * 41), "display_name"),
        (_request(include={"entry_ids": [f"e{i}" for i in range(21)]}), "include.entry_ids"),
        (_request(include={"practice": True, "journal": True}), "include"),  # never the unknown name
    ],
)
def test_a_bad_request_names_its_field_and_creates_nothing(account: Handler, body: dict[str, Any], field: str) -> None:
    event = http_api_event("POST", "/v1/shares", headers=JSON, body=json.dumps(body), claims={"sub": "ana"})
    response = account(event)

    assert response["statusCode"] == 400
    assert field in [error["field"] for error in json.loads(response["body"])["errors"]]
    assert _list(account, "ana") == []


def test_the_page_never_shows_the_user_id_other_entries_or_own_affirmations(sync: Handler, account: Handler) -> None:
    user = "user-7f3a9c"
    phone = Device(sync, user)
    phone.pull()
    affirmation = {
        "id": "a1",
        "text": "my-own-private-affirmation",
        "is_active": True,
        "created_at": 1,
        "updated_at": 1,
    }
    phone.push(
        changes(created=[journal_entry("shown", body="shared words"), journal_entry("other", body="not chosen")])
    )
    phone.pull()
    phone.push(changes("affirmations", created=[affirmation]))
    token = _token(_create(account, user, include={"practice": True, "entry_ids": ["shown"]}))

    for accept in ("text/html", "application/json"):
        shown = _page(account, token, accept=accept)["body"]
        assert "shared words" in shown
        assert user not in shown
        assert "not chosen" not in shown
        assert "my-own-private-affirmation" not in shown
