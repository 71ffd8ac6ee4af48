"""The person is here: reminders that thinned out while they went unopened come back to their cadence.

Apart from `pacing` (which decides the cadence from the settings and the streak) so that the sync
function, which calls this on every pull and push, imports no reminder models for it.
"""

from __future__ import annotations

from selfkind.domain.ports.presence import UnopenedStreakStore


def user_returned(streak: UnopenedStreakStore, user_id: str) -> None:
    """The person opened a notification, pulled or pushed: back to the normal cadence."""
    streak.reset_unopened(user_id)
