"""What a reminder says: which affirmation or practice, and kind words around it, per device locale.

The sender calls one function, `compose_reminder`; every content decision lives here, pure.

Privacy: journal text never reaches a push. A user's own affirmation is the only user writing a push
may carry, and only in the body, and only when their `notification_preview` is `full`. In every mode
the push's `data` carries the notification id alone: catalog ids are slugs of their words, so no
content id travels through FCM and APNs. `ComposedReminder.data` holds the content ids chosen, which
the notification's record keeps; the app reads the content through `GET /v1/notifications/{id}`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from functools import cache
from math import gcd

from selfkind.content.catalog import load_catalog_content
from selfkind.domain import suggestions
from selfkind.domain.rollups import WeekRollup
from selfkind.domain.time_of_day import suitable_times_at
from selfkind.models.catalog import AffirmationContent, Category, ExerciseContent
from selfkind.models.language import Language
from selfkind.models.reminders import Engagement, NotificationPreview, ReminderKind

RECENT_WINDOW = 7  # no affirmation repeats within the last 7 when at least 8 are available
MAX_PRACTICE_MINUTES = 10
CATEGORY_ROTATION = tuple(Category)

TITLES = {
    (ReminderKind.AFFIRMATION, Language.EN): "A kind word for you",
    (ReminderKind.AFFIRMATION, Language.ES): "Unas palabras amables para ti",
    (ReminderKind.PRACTICE, Language.EN): "A moment for yourself, if you'd like",
    (ReminderKind.PRACTICE, Language.ES): "Un momento para ti, si quieres",
    (ReminderKind.CHECK_IN, Language.EN): "A moment to check in with yourself",
    (ReminderKind.CHECK_IN, Language.ES): "Un momento para mirar cómo estás",
}
# A check-in's push is the same gentle line whatever the preview: it carries no content to hide.
CHECK_IN_BODY = {
    Language.EN: "If you'd like, a few questions on how you've been treating yourself lately.",
    Language.ES: "Si quieres, unas preguntas sobre cómo te has tratado últimamente.",
}
PRACTICE_BODY = {
    Language.EN: "{title} ({minutes} min), whenever suits you.",
    Language.ES: "{title} ({minutes} min), cuando te venga bien.",
}
# In place of the user's own words on the lock screen (own_hidden): the app shows them once open.
OWN_WORDS_WAITING = {
    Language.EN: "Your own words are waiting for you in the app.",
    Language.ES: "Tus propias palabras te esperan en la app.",
}
# discreet: nothing that says what the reminder is about.
DISCREET_TITLE = {Language.EN: "A gentle reminder", Language.ES: "Un recordatorio amable"}
DISCREET_BODY = {Language.EN: "Open the app whenever suits you.", Language.ES: "Abre la app cuando te venga bien."}


@dataclass(frozen=True)
class OwnAffirmation:
    affirmation_id: str
    text: str = field(repr=False)  # the user's own words: never in a repr, so never in a log line


@dataclass(frozen=True)
class AffirmationChoice:
    affirmation_id: str
    source: str  # "own" or "catalog"
    own_text: str | None = field(repr=False)  # the user's own words, the same in every locale

    def text(self, language: Language) -> str:
        if self.own_text is not None:
            return self.own_text
        return _catalog_affirmations()[self.affirmation_id].text.in_language(language)


@dataclass(frozen=True)
class ContentIds:
    affirmation_id: str | None
    exercise_id: str | None


@dataclass(frozen=True)
class ComposedReminder:
    """One reminder's content for every device of the user: `data` is the same for all of them,
    `title` and `body` follow each device's language."""

    kind: ReminderKind
    preview: NotificationPreview
    data: dict[str, str]  # the content chosen, kept in the notification's record, never pushed: its id and source
    engagement_after: Engagement
    _body: Callable[[Language], str] = field(repr=False)

    def title(self, language: Language) -> str:
        if self.preview is NotificationPreview.DISCREET:
            return DISCREET_TITLE[language]
        return TITLES[(self.kind, language)]

    def body(self, language: Language) -> str:
        return self._body(language)


def compose_reminder(
    kind: ReminderKind,
    *,
    own: list[OwnAffirmation],
    engagement: Engagement,
    preview: NotificationPreview,
    local_time: datetime,
    same_as: ContentIds | None = None,
    practice_sums: WeekRollup | None = None,
) -> ComposedReminder:
    """The reminder to send at `local_time` (the reminder's wall-clock time in its own zone).

    `own` is read only for affirmation reminders, `practice_sums` (the person's all-time practice sums)
    only for practice reminders; hard-moment content is never chosen here. `same_as`: the content an
    earlier attempt at this occurrence chose, said again (and not counted again) so every device reads
    the same; a fresh choice when it is gone.
    """
    body: Callable[[Language], str]
    if kind is ReminderKind.CHECK_IN:
        data: dict[str, str] = {}
        body = DISCREET_BODY.__getitem__ if preview is NotificationPreview.DISCREET else CHECK_IN_BODY.__getitem__
    elif kind is ReminderKind.AFFIRMATION:
        earlier = same_as.affirmation_id if same_as else None
        choice = affirmation_by_id(own, earlier) if earlier else None
        if choice is None:
            choice = choose_affirmation(own, engagement)
            engagement = remember_affirmation(engagement, choice)
        data = {"affirmation_id": choice.affirmation_id, "affirmation_source": choice.source}
        if preview is NotificationPreview.DISCREET:
            body = DISCREET_BODY.__getitem__
        elif choice.source == "own" and preview is not NotificationPreview.FULL:
            body = OWN_WORDS_WAITING.__getitem__
        else:
            body = choice.text
    else:
        earlier = same_as.exercise_id if same_as else None
        exercise = exercise_by_id(earlier) if earlier else None
        if exercise is None:
            exercise = choose_exercise(engagement, local_time.time(), practice_sums)
            engagement = remember_exercise(engagement, exercise)
        data = {"exercise_id": exercise.id}
        body = DISCREET_BODY.__getitem__ if preview is NotificationPreview.DISCREET else _practice_body(exercise)
    return ComposedReminder(
        kind=kind,
        preview=preview,
        data=data,
        engagement_after=engagement,
        _body=body,
    )


@cache
def _catalog_affirmations() -> dict[str, AffirmationContent]:
    return {item.id: item for item in load_catalog_content().affirmations}


@cache
def _schedulable_affirmation_ids() -> tuple[str, ...]:
    """Affirmations written for a hard moment are for when a person seeks them, never on a schedule."""
    return tuple(item.id for item in load_catalog_content().affirmations if not item.for_hard_moments)


@cache
def _catalog_positions() -> dict[str, int]:
    return {item: position for position, item in enumerate(_schedulable_affirmation_ids())}


@cache
def _stride(count: int) -> int:
    return next(step for step in range(RECENT_WINDOW, RECENT_WINDOW + count + 1) if gcd(step, count) == 1)


def device_language(locale: str) -> Language:
    """English or Spanish from a BCP 47 tag, else English."""
    return Language.ES if locale.lower().split("-")[0] == "es" else Language.EN


def choose_affirmation(own: list[OwnAffirmation], engagement: Engagement) -> AffirmationChoice:
    """The user's own affirmations at least as often as catalog ones (when they have any unused one),
    and none of the last 7 again while at least 8 are available."""
    catalog_ids = list(_schedulable_affirmation_ids())
    available = len(own) + len(catalog_ids)
    recent = set(engagement.recent_affirmations[-RECENT_WINDOW:]) if available > RECENT_WINDOW else set()
    fresh_own = [item for item in own if item.affirmation_id not in recent]
    sources = engagement.recent_affirmation_sources
    owns_turn = sources.count("own") <= sources.count("catalog")
    if fresh_own and (owns_turn or not catalog_ids):
        pick = fresh_own[len(sources) % len(fresh_own)]
        return AffirmationChoice(pick.affirmation_id, "own", pick.text)
    # Walk the catalog in a stable order, a few places on from the last one sent: varied, never random
    # twice, and round the whole catalog (a stride coprime with its size visits every affirmation).
    count = len(catalog_ids)
    last = next((item for item in reversed(engagement.recent_affirmations) if item in _catalog_positions()), None)
    start = (_catalog_positions()[last] + _stride(count)) % count if last else 0
    for offset in range(count):
        candidate = catalog_ids[(start + offset) % count]
        if candidate not in recent:
            return AffirmationChoice(candidate, "catalog", None)
    return AffirmationChoice(catalog_ids[start], "catalog", None)


def suggestable_exercises(local: time) -> list[ExerciseContent]:
    """Short enough to suggest, right for the hour, and not a one-minute form meant for a hard moment."""
    fits = suitable_times_at(local)
    return [
        item
        for item in load_catalog_content().exercises
        if item.duration_minutes <= MAX_PRACTICE_MINUTES and item.suitable_time in fits and not item.for_hard_moments
    ]


def choose_exercise(engagement: Engagement, local: time, practice_sums: WeekRollup | None = None) -> ExerciseContent:
    """The ranking of GET /v1/suggestions (selfkind.domain.suggestions), for a reminder: 10 minutes or less,
    right for the hour, never content for hard moments. What has helped this person (their all-time
    practice sums) rises, practices suggested lately sink, and the next category in turn breaks ties."""
    short = suggestable_exercises(local)
    if not short:
        raise LookupError("the catalog has no practice of 10 minutes or less for this hour")
    last = Category(engagement.last_category) if engagement.last_category else CATEGORY_ROTATION[-1]
    history = suggestions.history_for_reminder(
        practice_sums,
        recent=engagement.recent_exercises,
        next_category=CATEGORY_ROTATION[(CATEGORY_ROTATION.index(last) + 1) % len(CATEGORY_ROTATION)],
    )
    moment = suggestions.Moment(local, minutes=MAX_PRACTICE_MINUTES, scheduled=True)
    return suggestions.rank(short, moment, history)[0].exercise


def _practice_body(exercise: ExerciseContent) -> Callable[[Language], str]:
    def body(language: Language) -> str:
        return practice_body(exercise, language)

    return body


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
    """The affirmation an earlier attempt chose; None if it is gone (deleted, or no longer in the
    catalog's schedulable affirmations)."""
    for item in own:
        if item.affirmation_id == affirmation_id:
            return AffirmationChoice(item.affirmation_id, "own", item.text)
    if affirmation_id in _catalog_positions():
        return AffirmationChoice(affirmation_id, "catalog", None)
    return None


def exercise_by_id(exercise_id: str) -> ExerciseContent | None:
    return next((item for item in load_catalog_content().exercises if item.id == exercise_id), None)
