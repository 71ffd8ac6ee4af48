"""Guides: short readings (what self-compassion is, backdraft, how to start), both languages."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from selfkind.models.catalog import LocalizedText, Slug


class GuideSectionContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    heading: LocalizedText | None = None
    body: LocalizedText


class GuideContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Slug
    title: LocalizedText
    summary: LocalizedText
    minutes_to_read: Annotated[int, Field(ge=1, le=15)]
    sections: Annotated[tuple[GuideSectionContent, ...], Field(min_length=1, max_length=12)]
    related_exercises: tuple[Slug, ...] = ()


class GuideSection(BaseModel):
    heading: str | None
    body: str


class GuideSummary(BaseModel):
    id: str
    title: str
    summary: str
    minutes_to_read: int


class Guide(GuideSummary):
    sections: list[GuideSection]
    related_exercises: list[str] = Field(description="Ids of exercises that put the guide into practice.")


class GuideList(BaseModel):
    items: list[GuideSummary]
