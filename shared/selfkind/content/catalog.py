"""The exercise catalog and the affirmations: the content every reminder and catalog route reads."""

from __future__ import annotations

import json
from functools import cache

from pydantic import TypeAdapter

from selfkind.content import FOLDER
from selfkind.models.catalog import AffirmationContent, CatalogContent, ExerciseContent

EXERCISES_FILE = "exercises.json"
AFFIRMATIONS_FILE = "affirmations.json"

ExerciseContentList = TypeAdapter(tuple[ExerciseContent, ...])
AffirmationContentList = TypeAdapter(tuple[AffirmationContent, ...])


@cache
def exercise_ids() -> frozenset[str]:
    """The catalog's exercise ids alone, without validating the content (the sync function's rollups)."""
    return frozenset(item["id"] for item in json.loads((FOLDER / EXERCISES_FILE).read_bytes()))


@cache
def load_catalog_content() -> CatalogContent:
    """Read and validate both files once per container; no database read per request."""
    exercises = ExerciseContentList.validate_json((FOLDER / EXERCISES_FILE).read_bytes())
    affirmations = AffirmationContentList.validate_json((FOLDER / AFFIRMATIONS_FILE).read_bytes())
    return CatalogContent(exercises=exercises, affirmations=affirmations)
