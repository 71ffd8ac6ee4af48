"""Opening a share by its link: the page's content, read live at each view from the insights rollups
(nothing is recomputed from the history) and from the chosen journal entries; an entry deleted since
is absent. Only the page's route imports this module."""

from __future__ import annotations

from datetime import datetime

from selfkind.domain import insights, prompts
from selfkind.domain.ports.progress import RollupReader
from selfkind.domain.ports.shares import ShareStore
from selfkind.domain.ports.sync import OwnRecords
from selfkind.domain.shares import TOKEN, token_sha256
from selfkind.models.exceptions import NotFoundError, ShareExpiredError
from selfkind.models.language import Language
from selfkind.models.shares import SharedEntry, SharePage, utc_day
from selfkind.models.sync import columns_of


def open_share(store: ShareStore, rollups: RollupReader, records: OwnRecords, token: str, now: datetime) -> SharePage:
    """The page's content. Unknown, revoked and malformed tokens are alike (NotFoundError); an expired
    share is ShareExpiredError. Each view is counted; nothing about the viewer is kept."""
    found = store.find(token_sha256(token)) if TOKEN.fullmatch(token) else None
    if found is None:
        raise NotFoundError("share", "")
    user_id, share = found
    if share.expires_at <= now:
        raise ShareExpiredError("This link has expired.")
    store.count_view(user_id, share.share_id, now)
    language = Language(share.language)
    include = share.include
    seen = insights.get_insights(rollups, user_id, share.weeks, now, language)
    return SharePage(
        shared_by=share.display_name,
        language=share.language,
        created_at=share.created_at,
        expires_at=share.expires_at,
        timezone=seen.timezone,
        week_starts=[week.week_start for week in seen.weeks],
        practice=seen.weeks if include.practice else None,
        practices=seen.practices if include.practice else None,
        moods=seen.weeks if include.moods else None,
        check_ins=seen.check_ins if include.check_ins else None,
        entries=_entries(records, user_id, include.entry_ids, language) if include.entry_ids else None,
    )


def _entries(records: OwnRecords, user_id: str, entry_ids: list[str], language: Language) -> list[SharedEntry]:
    shown = []
    for entry_id in entry_ids:
        stored = records.read_record(user_id, "journal_entries", entry_id)
        for record in columns_of([stored] if stored is not None else []):
            shown.append(_entry(record.columns, language))
    return shown


def _entry(columns: dict[str, object], language: Language) -> SharedEntry:
    body, title, mood = columns.get("body"), columns.get("title"), columns.get("mood")
    return SharedEntry(
        written_on=utc_day(columns.get("created_at")),
        title=title if isinstance(title, str) else None,
        body=body if isinstance(body, str) else "",
        mood=mood if isinstance(mood, int) and not isinstance(mood, bool) else None,
        prompt=_prompt_text(columns.get("prompt_id"), language),
    )


def _prompt_text(prompt_id: object, language: Language) -> str | None:
    if not isinstance(prompt_id, str):
        return None
    try:
        return prompts.get_prompt(prompt_id, language).text
    except NotFoundError:
        return None  # a prompt no longer offered: the entry is shown without it
