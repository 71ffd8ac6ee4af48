"""Guides in one language: the list, and one guide whole."""

from __future__ import annotations

from functools import cache

from selfkind.content.care import load_guides
from selfkind.models.exceptions import NotFoundError
from selfkind.models.guides import Guide, GuideContent, GuideList, GuideSection, GuideSummary
from selfkind.models.language import Language


def _summary(content: GuideContent, language: Language) -> GuideSummary:
    return GuideSummary(
        id=content.id,
        title=content.title.in_language(language),
        summary=content.summary.in_language(language),
        minutes_to_read=content.minutes_to_read,
    )


@cache
def list_guides(language: Language) -> GuideList:
    return GuideList(items=[_summary(guide, language) for guide in load_guides()])


@cache  # hits only: a miss raises, so client-chosen ids cannot grow the cache
def get_guide(guide_id: str, language: Language) -> Guide:
    for content in load_guides():
        if content.id == guide_id:
            return Guide(
                **_summary(content, language).model_dump(),
                sections=[
                    GuideSection(
                        heading=section.heading.in_language(language) if section.heading else None,
                        body=section.body.in_language(language),
                    )
                    for section in content.sections
                ],
                related_exercises=list(content.related_exercises),
            )
    raise NotFoundError("guide", guide_id)
