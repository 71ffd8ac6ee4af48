"""Sharing with a therapist: creating, listing and revoking a share (opening one by its link is
selfkind.domain.share_viewing, which only the page's route imports: it needs the insights and the
catalog's content).

The link carries a 256-bit secret from `secrets`; only its SHA-256 is stored, so a copy of the table
opens nothing.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from selfkind.domain.ports.shares import ShareStore
from selfkind.models.exceptions import NotFoundError
from selfkind.models.shares import MAX_LIVE_SHARES, ShareCreated, ShareList, ShareRequest, StoredShare

TOKEN_BYTES = 32  # 256 bits
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # 32 bytes, URL-safe base64 without padding


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def create_share(store: ShareStore, user_id: str, request: ShareRequest, base_url: str, now: datetime) -> ShareCreated:
    """The link is in this answer only."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    share = StoredShare(
        share_id=secrets.token_hex(8),
        token_sha256=token_sha256(token),
        created_at=now,
        expires_at=now + timedelta(days=request.expires_in_days),
        weeks=request.weeks,
        include=request.include,
        language=request.language,
        display_name=request.display_name,
    )
    store.create(user_id, share, MAX_LIVE_SHARES, now)
    return ShareCreated(id=share.share_id, url=f"{base_url.rstrip('/')}/s/{token}", expires_at=share.expires_at)


def list_shares(store: ShareStore, user_id: str) -> ShareList:
    return ShareList(items=[share.summary() for share in store.list(user_id)])


def revoke_share(store: ShareStore, user_id: str, share_id: str) -> None:
    if not store.revoke(user_id, share_id):
        raise NotFoundError("share", share_id)
