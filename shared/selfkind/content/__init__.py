"""The catalog's content: human-edited JSON files under version control, bundled with the layer.

Each file keeps English and Spanish side by side so a translation can never fall out of step.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import TypeAdapter

from selfkind.models.catalog import AffirmationContent, CatalogContent, ExerciseContent

EXERCISES_FILE = "exercises.json"
AFFIRMATIONS_FILE = "affirmations.json"


ExerciseContentList = TypeAdapter(tuple[ExerciseContent, ...])
AffirmationContentList = TypeAdapter(tuple[AffirmationContent, ...])


@cache
def load_catalog_content() -> CatalogContent:
    """Read and validate both files once per container; no database read per request."""
    folder = Path(__file__).parent
    exercises = ExerciseContentList.validate_json((folder / EXERCISES_FILE).read_bytes())
    affirmations = AffirmationContentList.validate_json((folder / AFFIRMATIONS_FILE).read_bytes())
    return CatalogContent(exercises=exercises, affirmations=affirmations)
