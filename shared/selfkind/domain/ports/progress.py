"""What a person's progress reads: the insights rollups of their weeks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from selfkind.domain.rollups import Rollups


class RollupReader(Protocol):
    def read(self, user_id: str, weeks: Sequence[date]) -> tuple[str, Rollups]:
        """The user's zone and the rollups of the given weeks (absent weeks: nothing recorded)."""
        ...
