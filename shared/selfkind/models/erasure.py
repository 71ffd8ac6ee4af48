"""Where a user's erasures stand: what every write of that user conditions on (see selfkind.data.erasure)."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ErasureEpoch(BaseModel):
    """Read at the start of a request; its writes succeed only while the epoch is still the one read."""

    model_config = ConfigDict(frozen=True)

    erasures: int = 0  # how many times the account was erased; 0: never
    erased_seq: int = 0  # the sync sequence number the last erasure took: records at or below it are gone
    erasing_until: float = 0  # while an erasure runs, when its lease ends (epoch seconds); 0: none runs

    def erasing(self, now: datetime) -> bool:
        return self.erasing_until > now.timestamp()

    def retry_after_seconds(self, now: datetime) -> int:
        """How long a write should wait: erasures take seconds; never past the lease."""
        return max(1, min(5, math.ceil(self.erasing_until - now.timestamp())))
