"""The SCS-SF's scoring (Raes, Pommier, Neff & Van Gucht, 2011)."""

from __future__ import annotations

SCS_SF_ITEM_COUNT = 12
REVERSE_KEYED = frozenset({1, 4, 8, 9, 11, 12})


def score_scs_sf(answers: str) -> float:
    """The mean of the 12 answers (1-5) after each reverse-keyed answer x becomes 6 - x."""
    if len(answers) != SCS_SF_ITEM_COUNT or not all(c in "12345" for c in answers):
        raise ValueError("the SCS-SF takes exactly 12 answers from 1 to 5")
    scored = [6 - int(c) if item in REVERSE_KEYED else int(c) for item, c in enumerate(answers, start=1)]
    return sum(scored) / SCS_SF_ITEM_COUNT
