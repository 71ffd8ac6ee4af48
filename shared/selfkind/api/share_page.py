"""The share page (`GET /s/{token}`): server-rendered HTML, no script, no request to any other origin,
made to print (a print stylesheet fits it on A4 or Letter, so the browser's "Save as PDF" is the PDF).

Everything the user wrote (journal entries, the display name) is escaped; so is everything else that
reaches the markup. The headers (SHARE_HEADERS) forbid script, outside origins, framing, caching,
indexing and the referrer.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from selfkind.api.share_charts import bar_chart, line_chart
from selfkind.api.share_text import TEXT
from selfkind.domain import catalog, instruments
from selfkind.models.insights import MIN_SESSIONS_TO_SAY, PracticeInsight
from selfkind.models.language import Language
from selfkind.models.shares import SharedEntry, SharePage, utc_day

_STYLE = """
body{font-family:Georgia,'Times New Roman',serif;color:#222;max-width:46rem;margin:2rem auto;padding:0 1rem;
line-height:1.5}h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem;
border-bottom:1px solid #ccc}.meta{color:#444}.chart{width:100%;height:auto;margin:.5rem 0}
figure{margin:1rem 0}figcaption{font-weight:bold;font-size:.95rem}.bar{fill:#5b7f95}
.line{fill:none;stroke:#7a5b95;stroke-width:2}.dot{fill:#7a5b95}.axis{stroke:#999}
.tick{font-size:11px;fill:#555;font-family:sans-serif}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e5e5e5}article{margin:1rem 0;
padding:.5rem 0;border-bottom:1px dashed #ccc}article p{white-space:pre-wrap}.note{color:#555;font-size:.9rem}
footer{margin-top:2rem;color:#555;font-size:.9rem}
@media print{body{margin:0;max-width:none;font-size:11pt}details{display:block}details>summary{display:none}
h2{break-after:avoid}article,svg,table{break-inside:avoid}@page{size:auto;margin:15mm}}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
SHARE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        # img-src data: for the empty icon only (without one, a browser asks the origin for /favicon.ico).
        f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
}


def _document(language: str, title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="{escape(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex, nofollow"><link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def message_page(language: str, kind: str) -> str:
    """The same page for every link that opens nothing (`not_found`), and the kind one for `expired`."""
    text = TEXT.get(language, TEXT["en"])
    title = text[f"{kind}_title"]
    return _document(language, title, f"<main><h1>{escape(title)}</h1><p>{escape(text[kind])}</p></main>")


def render_share_page(page: SharePage) -> str:
    text = TEXT[page.language]
    name = page.shared_by or text["someone"]
    weeks = [week.isoformat() for week in page.week_starts]
    parts = [text[f"part_{part}"] for part in ("practice", "moods", "check_ins") if getattr(page, part) is not None]
    if page.entries is not None:
        entries = len(page.entries)
        parts.append(text["part_entry"] if entries == 1 else text["part_entries"].format(n=entries))
    header = (
        f'<header><h1>{escape(text["page_title"])}</h1><p class="meta">'
        + escape(text["shared"].format(name=name, created=page.created_at.date(), expires=page.expires_at.date()))
        + "<br>"
        + escape(
            text["covers"].format(
                weeks=len(weeks),
                first=weeks[0] if weeks else "",
                last=weeks[-1] if weeks else "",
                timezone=page.timezone,
            )
        )
        + "<br>"
        + escape(text["includes"].format(name=name, parts=", ".join(parts) or text["nothing"]))
        + "</p></header>"
    )
    sections = [
        _practice(page, text, weeks) if page.practice is not None else "",
        _moods(page, text, weeks) if page.moods is not None else "",
        _check_ins(page, text) if page.check_ins is not None else "",
        _entries(page.entries, text) if page.entries is not None else "",
    ]
    body = f"{header}<main>{''.join(sections)}</main><footer>{escape(text['footer'])}</footer>"
    return _document(page.language, text["page_title"], body)


def _table(caption: str, headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _details(text: dict[str, str], table: str) -> str:
    return f"<details><summary>{escape(text['numbers'])}</summary>{table}</details>"


def _practice(page: SharePage, text: dict[str, str], weeks: list[str]) -> str:
    practice = page.practice or []
    days = [week.days_practised for week in practice]
    minutes = [week.minutes for week in practice]
    if not any(days):
        return f"<section><h2>{escape(text['practice'])}</h2><p>{escape(text['no_practice'])}</p></section>"
    charts = bar_chart(
        "days", text["days_chart"], text["chart_desc"].format(values=", ".join(map(str, days))), weeks, days
    ) + bar_chart(
        "minutes", text["minutes_chart"], text["chart_desc"].format(values=", ".join(map(str, minutes))), weeks, minutes
    )
    numbers = _table(
        text["practice"],
        [text["week"], text["days"], text["minutes"]],
        [[week, str(d), str(m)] for week, d, m in zip(weeks, days, minutes, strict=True)],
    )
    practices = _table(
        text["practices"],
        [text["practice_name"], text["sessions"], text["minutes"], text["shift"]],
        [_practice_row(item, page.language, text) for item in page.practices or []],
    )
    return (
        f"<section><h2>{escape(text['practice'])}</h2>{charts}{_details(text, numbers)}"
        f"<h3>{escape(text['practices'])}</h3>{practices}</section>"
    )


def _practice_row(item: PracticeInsight, language: str, text: dict[str, str]) -> list[str]:
    exercise = catalog.find_exercise(item.exercise_id, Language(language)) if item.exercise_id != "other" else None
    name = exercise.title if exercise else text["other"]
    shift = item.feeling_shift
    said = f"{shift.avg:+.2f} (n = {shift.n})" if shift and shift.n >= MIN_SESSIONS_TO_SAY else text["too_few"]
    return [name, str(item.sessions), str(item.minutes), said]


def _moods(page: SharePage, text: dict[str, str], weeks: list[str]) -> str:
    moods = [week.mood.avg if week.mood else None for week in page.moods or []]
    if all(mood is None for mood in moods):
        return f"<section><h2>{escape(text['moods'])}</h2><p>{escape(text['no_moods'])}</p></section>"
    values = ", ".join(f"{week} {mood:g}" for week, mood in zip(weeks, moods, strict=True) if mood is not None)
    chart = line_chart("moods", text["mood_chart"], text["line_desc"].format(values=values), weeks, moods, 1, 5)
    rows = [[week, f"{w.mood.avg:g}", str(w.mood.n)] for week, w in zip(weeks, page.moods or [], strict=True) if w.mood]
    table = _table(text["moods"], [text["week"], text["average"], text["notes"]], rows)
    return f"<section><h2>{escape(text['moods'])}</h2>{chart}{_details(text, table)}</section>"


def _check_ins(page: SharePage, text: dict[str, str]) -> str:
    scores = page.check_ins or []
    instrument = instruments.get_scs_sf(Language(page.language))
    note = instrument.language_note.text + " " if instrument.language_note else ""
    about = f'<p class="note">{escape(note + instrument.about)} {escape(instrument.citation.text)}</p>'
    if not scores:
        return f"<section><h2>{escape(text['check_ins'])}</h2><p>{escape(text['no_check_ins'])}</p>{about}</section>"
    dates = [_day(score.taken_at) for score in scores]
    values = [score.score for score in scores]
    described = text["check_in_desc"].format(values=", ".join(f"{d} {v:g}" for d, v in zip(dates, values, strict=True)))
    chart = line_chart("check-ins", text["check_in_chart"], described, dates, values, 1, 5)
    table = _table(
        text["check_ins"], [text["taken"], text["score"]], [[d, f"{v:g}"] for d, v in zip(dates, values, strict=True)]
    )
    return f"<section><h2>{escape(text['check_ins'])}</h2>{chart}{_details(text, table)}{about}</section>"


def _day(millis: int) -> str:
    day = utc_day(millis)
    return day.isoformat() if day else ""


def _entries(entries: list[SharedEntry] | None, text: dict[str, str]) -> str:
    if not entries:
        return f"<section><h2>{escape(text['entries'])}</h2><p>{escape(text['no_entries'])}</p></section>"
    shown = "".join(_entry(entry, text) for entry in entries)
    return f"<section><h2>{escape(text['entries'])}</h2>{shown}</section>"


def _entry(entry: SharedEntry, text: dict[str, str]) -> str:
    meta = [entry.written_on.isoformat() if entry.written_on else ""]
    if entry.mood is not None:
        meta.append(f"{text['mood']}: {entry.mood}/5")
    title = f"<h3>{escape(entry.title)}</h3>" if entry.title else ""
    prompt = f'<p class="note">{escape(text["prompt"])}: {escape(entry.prompt)}</p>' if entry.prompt else ""
    return (
        f'<article>{title}<p class="note">{escape(" · ".join(m for m in meta if m))}</p>{prompt}'
        f"<p>{escape(entry.body)}</p></article>"
    )
