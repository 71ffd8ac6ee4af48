"""The share page's rendering: what the user wrote is shown as text, parts left out or empty say so,
and both languages read as themselves."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

from selfkind.api.share_page import SHARE_HEADERS, message_page, render_share_page
from selfkind.models.insights import Average, CheckInScore, PracticeInsight, WeekInsight
from selfkind.models.shares import SharedEntry, SharePage

HOSTILE = '<script>alert(1)</script></svg><img src=x onerror="alert(2)">'
WEEKS = [date(2027, 1, 4), date(2027, 1, 11), date(2027, 1, 18)]


def _week(start: date, days: int, minutes: int, mood: float | None) -> WeekInsight:
    return WeekInsight(
        week_start=start,
        days_practised=days,
        sessions=days,
        minutes=minutes,
        entries=1 if mood else 0,
        mood=Average(avg=mood, n=2) if mood is not None else None,
    )


def _page(**parts: object) -> SharePage:
    weeks = [_week(WEEKS[0], 2, 20, 3.5), _week(WEEKS[1], 0, 0, None), _week(WEEKS[2], 4, 45, 4.0)]
    base: dict[str, object] = {
        "shared_by": None,
        "language": "en",
        "created_at": datetime(2027, 1, 20, 9, tzinfo=UTC),
        "expires_at": datetime(2027, 2, 3, 9, tzinfo=UTC),
        "timezone": "Europe/Madrid",
        "week_starts": WEEKS,
        "practice": weeks,
        "practices": [
            PracticeInsight(
                exercise_id="self-compassion-break", sessions=5, minutes=40, feeling_shift=Average(avg=1.2, n=5)
            ),
            PracticeInsight(exercise_id="other", sessions=1, minutes=5, feeling_shift=None),
        ],
        "moods": weeks,
        "check_ins": [
            CheckInScore(taken_at=1_799_000_000_000, score=2.75),
            CheckInScore(taken_at=1_800_000_000_000, score=3.25),
        ],
        "entries": [
            SharedEntry(
                written_on=date(2027, 1, 12), title="A hard day", body="I was kind to myself.", mood=2, prompt=None
            )
        ],
    }
    return SharePage.model_validate(base | parts)


class _Structure(HTMLParser):
    """The tags and the text of a document, as a browser's parser reads them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parsed(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


def test_what_the_user_wrote_is_text_never_markup() -> None:
    entry = SharedEntry(written_on=None, title=HOSTILE, body=HOSTILE, mood=None, prompt=None)
    page = render_share_page(_page(shared_by=HOSTILE[:40], entries=[entry]))

    parsed = _parsed(page)
    assert "script" not in parsed.tags
    assert "img" not in parsed.tags
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    assert HOSTILE in "".join(parsed.text)  # shown, as the person wrote it
    assert parsed.tags.count("svg") == 4  # the charts are still the page's own


def test_each_chart_has_a_title_a_description_and_its_numbers() -> None:
    page = render_share_page(_page())

    titles = re.findall(r"<title id=\"[^\"]+-title\">([^<]+)</title>", page)
    assert titles == [
        "Days practised per week",
        "Minutes of practice per week",
        "Average mood of the week&#x27;s journal entries (1 to 5)",
        "SCS-SF score over time (1 to 5)",
    ]
    assert "One bar per week, oldest first: 2, 0, 4." in page
    assert page.count("<details>") == 3  # practice (days and minutes in one table), moods, check-ins
    assert "<td>2027-01-18</td><td>4</td><td>45</td>" in page
    assert "+1.20 (n = 5)" in page
    assert "too few to say" in page
    assert "Raes, F., Pommier, E., Neff, K. D., &amp; Van Gucht, D. (2011)" in page  # the instrument's note


def test_a_part_left_out_is_absent_and_an_empty_one_says_so() -> None:
    page = render_share_page(
        _page(practice=None, practices=None, moods=None, check_ins=[], entries=[], shared_by="Ana")
    )

    assert "Days practised per week" not in page
    assert "Average mood" not in page
    assert "No check-in was taken in these weeks." in page
    assert "The entries chosen have since been deleted." in page
    assert "What Ana chose to show: self-compassion check-ins, 0 journal entries." in page


def test_null_data_is_drawn_as_a_gap_not_a_zero() -> None:
    page = render_share_page(_page(practice=None, practices=None, check_ins=None, entries=None))

    # Two moods with a week without one between them: two points, and no line drawn through the gap
    assert "<polyline" not in page
    assert page.count('class="dot"') == 2


def test_the_spanish_page_is_in_spanish() -> None:
    page = render_share_page(_page(language="es"))

    assert page.startswith('<!DOCTYPE html><html lang="es">')
    assert "Compartido por Una persona que usa Selfkind el 2027-01-20" in page
    assert "Días de práctica por semana" in page
    assert "Ver los números" in page
    assert "La versión española validada de esta escala aún no está disponible" in page
    assert "Days practised" not in page


@pytest.mark.parametrize(("kind", "expected"), [("not_found", "doesn't open anything"), ("expired", "has expired")])
def test_the_message_pages(kind: str, expected: str) -> None:
    assert expected in message_page("en", kind).replace("&#x27;", "'")
    assert message_page("es", kind).startswith('<!DOCTYPE html><html lang="es">')


def test_the_page_allows_no_script_no_outside_origin_and_no_framing() -> None:
    policy = SHARE_HEADERS["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "script-src" not in policy
    assert "http" not in policy
    # The one inline style is allowed by its hash, and it is the page's own
    page = render_share_page(_page())
    assert "<style>" in page
    assert "style-src 'sha256-" in policy
    assert "://" not in page.replace("http://www.w3.org/2000/svg", "").replace("https://doi.org/", "")
