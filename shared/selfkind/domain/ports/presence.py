"""The port of a person's return: the unopened streak gentle pacing counts, set back to 0.

A port of its own, apart from the profile's, because the sync function calls it on every pull and
push: it need not build the reminders' models to say the person is here.
"""

from __future__ import annotations

from typing import Protocol


class UnopenedStreakStore(Protocol):
    def reset_unopened(self, user_id: str) -> None:
        """Back to the normal cadence; a no-op when the streak is 0 already."""
        ...
