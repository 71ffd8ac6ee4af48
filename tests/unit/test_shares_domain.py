"""The share rules over in-memory fakes: the link's secret, what opens a page and what does not, and
that a view is counted only when the page is shown."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from selfkind.domain import share_viewing, shares
from selfkind.domain.rollups import Rollups
from selfkind.models.exceptions import NotFoundError, ShareExpiredError, ShareLimitError
from selfkind.models.shares import ShareInclude, ShareRequest, StoredShare
from selfkind.models.sync import StoredRecord

NOW = datetime(2027, 5, 3, 10, tzinfo=UTC)


class FakeShares:
    def __init__(self) -> None:
        self.shares: dict[str, tuple[str, StoredShare]] = {}  # by token hash
        self.lookups = 0
        self.views: list[str] = []

    def create(self, user_id: str, share: StoredShare, max_live: int, now: datetime) -> None:
        live = [s for owner, s in self.shares.values() if owner == user_id and s.expires_at > now]
        if len(live) >= max_live:
            raise ShareLimitError(max_live)
        self.shares[share.token_sha256] = (user_id, share)

    def list(self, user_id: str) -> list[StoredShare]:
        return [share for owner, share in self.shares.values() if owner == user_id]

    def revoke(self, user_id: str, share_id: str) -> bool:
        for key, (owner, share) in list(self.shares.items()):
            if owner == user_id and share.share_id == share_id:
                del self.shares[key]
                return True
        return False

    def find(self, token_sha256: str) -> tuple[str, StoredShare] | None:
        self.lookups += 1
        return self.shares.get(token_sha256)

    def count_view(self, user_id: str, share_id: str, now: datetime) -> None:
        self.views.append(share_id)


class NoRollups:
    def read(self, user_id: str, weeks: Sequence[date]) -> tuple[str, Rollups]:
        return "UTC", {}


class NoRecords:
    def read_record(self, user_id: str, table: str, record_id: str) -> StoredRecord | None:
        return None


def _request(**overrides: object) -> ShareRequest:
    return ShareRequest.model_validate({"weeks": 4, "include": {"practice": True}, "language": "en"} | overrides)


def _open(store: FakeShares, token: str, now: datetime = NOW) -> object:
    return share_viewing.open_share(store, NoRollups(), NoRecords(), token, now)


def test_the_link_carries_256_bits_and_the_store_only_their_hash() -> None:
    store = FakeShares()
    created = shares.create_share(store, "ana", _request(), "https://api.example/", NOW)

    token = created.url.removeprefix("https://api.example/s/")
    assert len(token) == 43
    [(owner, stored)] = store.shares.values()
    assert owner == "ana"
    assert stored.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored.model_dump_json()
    assert created.expires_at == NOW + timedelta(days=14)  # the default


def test_two_links_are_never_the_same() -> None:
    store = FakeShares()
    urls = {shares.create_share(store, f"user-{n}", _request(), "https://a", NOW).url for n in range(200)}
    assert len(urls) == 200


def test_a_malformed_token_is_not_even_looked_up() -> None:
    store = FakeShares()
    for token in ("", "short", "x" * 44, "+" * 43):
        with pytest.raises(NotFoundError):
            _open(store, token)
    assert store.lookups == 0


def test_a_page_is_counted_when_shown_and_never_when_expired() -> None:
    store = FakeShares()
    created = shares.create_share(store, "ana", _request(expires_in_days=1), "https://a", NOW)
    token = created.url.rsplit("/s/", 1)[1]

    _open(store, token, NOW + timedelta(hours=1))
    with pytest.raises(ShareExpiredError):
        _open(store, token, NOW + timedelta(days=1))

    assert store.views == [created.id]


def test_the_page_shows_only_the_parts_included() -> None:
    store = FakeShares()
    share = StoredShare(
        share_id="0" * 16,
        token_sha256=shares.token_sha256("T" * 43),
        created_at=NOW,
        expires_at=NOW + timedelta(days=3),
        weeks=2,
        include=ShareInclude(moods=True),
        language="es",
    )
    store.create("ana", share, max_live=5, now=NOW)

    page = share_viewing.open_share(store, NoRollups(), NoRecords(), "T" * 43, NOW)

    assert (page.practice, page.practices, page.check_ins, page.entries) == (None, None, None, None)
    assert page.moods is not None
    assert len(page.week_starts) == 2


def test_revoking_anothers_share_is_not_found() -> None:
    store = FakeShares()
    created = shares.create_share(store, "ana", _request(), "https://a", NOW)
    with pytest.raises(NotFoundError):
        shares.revoke_share(store, "bob", created.id)
    shares.revoke_share(store, "ana", created.id)
    assert store.list("ana") == []
