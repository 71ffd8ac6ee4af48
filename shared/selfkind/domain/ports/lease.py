"""A lease held by one invocation: the sender's claims and the tick's shard leases both take one (its own
module, so the tick does not import what the sender's ports need)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# A lease ends this long after the invocation holding it would be stopped: a live holder never loses it.
LEASE_MARGIN = timedelta(seconds=30)


@dataclass(frozen=True)
class Lease:
    owner: str  # one invocation's id
    until: datetime  # the invocation's end plus LEASE_MARGIN

    @classmethod
    def for_invocation(cls, owner: str, now: datetime, remaining_seconds: float) -> Lease:
        return cls(owner, now + timedelta(seconds=remaining_seconds) + LEASE_MARGIN)
