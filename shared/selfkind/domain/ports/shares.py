"""The shares' store: a user's shares, and the one lookup a page view makes, by the token's hash."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from selfkind.models.shares import StoredShare


class ShareStore(Protocol):
    def create(self, user_id: str, share: StoredShare, max_live: int, now: datetime) -> None:
        """Stores the share and its lookup by hash, only while the user has fewer than `max_live` live
        shares (ConflictError otherwise) and no erasure began; atomically, whatever runs beside it."""
        ...

    def list(self, user_id: str) -> list[StoredShare]: ...

    def revoke(self, user_id: str, share_id: str) -> bool:
        """Deletes the share and its lookup at once; False when the user has no such share."""
        ...

    def find(self, token_sha256: str) -> tuple[str, StoredShare] | None:
        """The owner and the share a token's hash opens (strongly consistent); None when none does."""
        ...

    def count_view(self, user_id: str, share_id: str, now: datetime) -> None:
        """One more view, and when; nothing about the viewer."""
        ...
