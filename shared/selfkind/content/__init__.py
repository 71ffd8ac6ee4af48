"""The catalog's content: human-edited JSON files under version control, bundled with the layer.

Each file keeps English and Spanish side by side so a translation can never fall out of step. Each
file is read and validated once per container, and only when a route first needs it. Each kind has a
module of its own (`catalog`, `care`, `progress`), so a function builds the models only of what it
serves: the account function reads the catalog for notifications, and never builds the care content's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path

FOLDER = Path(__file__).parent


def check_unique_ids(ids: Iterable[str]) -> None:
    repeated = sorted(item for item, count in Counter(ids).items() if count > 1)
    if repeated:
        raise ValueError(f"ids used more than once: {repeated}")
