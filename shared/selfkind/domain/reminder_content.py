"""What a reminder says: which affirmation or practice, and kind words around it, per device locale.

Never journal text: the only user writing a push may carry is the user's own affirmation.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from selfkind.content import load_catalog_content
from selfkind.models.catalog import AffirmationContent, Category, ExerciseContent, Language
from selfkind.models.reminders import Engagement

RECENT_WINDOW = 7  # no affirmation repeats within the last 7 when at least 8 are available
MAX_PRACTICE_MINUTES = 10
CATEGORY_ROTATION = tuple(Category)

TITLES = {
    ("affirmation", Language.EN): "A kind word for you",
    ("affirmation", Language.ES): "Unas palabras amables para ti",
    ("practice", Language.EN): "A moment for yourself, if you'd like",
    ("practice", Language.ES): "Un momento para ti, si te apetece",
}
PRACTICE_BODY = {
    Language.EN: "{title}: {minutes} min, whenever suits you.",
    Language.ES: "{title}: {minutes} min, cuando te venga bien.",
}


@dataclass(frozen=True)
class OwnAffirmation:
    affirmation_id: str
    text: str


@dataclass(frozen=True)
class AffirmationChoice:
    affirmation_id: str
    source: str  # "own" or "catalog"
    own_text: str | None  # the user's own words, the same in every locale

    def text(self, language: Language) -> str:
        if self.own_text is not None:
            return self.own_text
        return _catalog_affirmations()[self.affirmation_id].text.in_language(language)


@cache
def _catalog_affirmations() -> dict[str, AffirmationContent]:
    return {item.id: item for item in load_catalog_content().affirmations}


def device_language(locale: str) -> Language:
    """English or Spanish from a BCP 47 tag, else English."""
    return Language.ES if locale.lower().split("-")[0] == "es" else Language.EN


def choose_affirmation(own: list[OwnAffirmation], engagement: Engagement) -> AffirmationChoice:
    """The user's own affirmations at least as often as catalog ones (when they have any unused one),
    and none of the last 7 again while at least 8 are available."""
    catalog_ids = list(_catalog_affirmations())
    available = len(own) + len(catalog_ids)
    recent = set(engagement.recent_affirmations[-RECENT_WINDOW:]) if available > RECENT_WINDOW else set()
    fresh_own = [item for item in own if item.affirmation_id not in recent]
    sources = engagement.recent_affirmation_sources
    owns_turn = sources.count("own") <= sources.count("catalog")
    if fresh_own and (owns_turn or not catalog_ids):
        pick = fresh_own[len(sources) % len(fresh_own)]
        return AffirmationChoice(pick.affirmation_id, "own", pick.text)
    fresh_catalog = [item for item in catalog_ids if item not in recent] or catalog_ids
    # Walk the catalog in a stable order from where the last one was: varied, never random twice.
    start = len(engagement.recent_affirmations) * 7
    return AffirmationChoice(fresh_catalog[start % len(fresh_catalog)], "catalog", None)


def choose_exercise(engagement: Engagement) -> ExerciseContent:
    """A short practice (at most 10 minutes) from the next category in turn, not one suggested lately."""
    short = [item for item in load_catalog_content().exercises if item.duration_minutes <= MAX_PRACTICE_MINUTES]
    last = Category(engagement.last_category) if engagement.last_category else CATEGORY_ROTATION[-1]
    for step in range(1, len(CATEGORY_ROTATION) + 1):
        category = CATEGORY_ROTATION[(CATEGORY_ROTATION.index(last) + step) % len(CATEGORY_ROTATION)]
        candidates = [item for item in short if item.category is category]
        if candidates:
            fresh = [item for item in candidates if item.id not in engagement.recent_exercises] or candidates
            return fresh[0]
    raise LookupError("the catalog has no practice of 10 minutes or less")


def practice_body(exercise: ExerciseContent, language: Language) -> str:
    return PRACTICE_BODY[language].format(title=exercise.title.in_language(language), minutes=exercise.duration_minutes)


def remember_affirmation(engagement: Engagement, choice: AffirmationChoice) -> Engagement:
    return engagement.model_copy(
        update={
            "recent_affirmations": [*engagement.recent_affirmations, choice.affirmation_id][-RECENT_WINDOW * 2 :],
            "recent_affirmation_sources": [*engagement.recent_affirmation_sources, choice.source][-RECENT_WINDOW * 2 :],
        }
    )


def remember_exercise(engagement: Engagement, exercise: ExerciseContent) -> Engagement:
    return engagement.model_copy(
        update={
            "recent_exercises": [*engagement.recent_exercises, exercise.id][-RECENT_WINDOW:],
            "last_category": exercise.category.value,
        }
    )


def affirmation_by_id(own: list[OwnAffirmation], affirmation_id: str) -> AffirmationChoice | None:
    """The affirmation an earlier attempt chose, to say the same again; None if it is gone."""
    for item in own:
        if item.affirmation_id == affirmation_id:
            return AffirmationChoice(item.affirmation_id, "own", item.text)
    if affirmation_id in _catalog_affirmations():
        return AffirmationChoice(affirmation_id, "catalog", None)
    return None


def exercise_by_id(exercise_id: str) -> ExerciseContent | None:
    return next((item for item in load_catalog_content().exercises if item.id == exercise_id), None)
