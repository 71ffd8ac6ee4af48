"""The share page's charts: inline SVG, drawn on the server, each with a title and a description (its
text alternative), and no script. Every string that reaches the markup is escaped here."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 640, 200
_LEFT, _RIGHT, _TOP, _BOTTOM = 40, 10, 10, 30


def _frame(chart_id: str, title: str, description: str, body: str) -> str:
    # The caption shows the title to every reader; the SVG's own title and description are its text
    # alternative (aria-labelledby), so the figure is announced once, by them.
    return (
        f'<figure><figcaption aria-hidden="true">{escape(title)}</figcaption>'
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f"{body}</svg></figure>"
    )


def _axis(low: float, high: float) -> str:
    bottom = HEIGHT - _BOTTOM
    return (
        f'<line x1="{_LEFT}" y1="{bottom}" x2="{WIDTH - _RIGHT}" y2="{bottom}" class="axis"/>'
        f'<text x="{_LEFT - 6}" y="{bottom}" class="tick" text-anchor="end">{_number(low)}</text>'
        f'<text x="{_LEFT - 6}" y="{_TOP + 10}" class="tick" text-anchor="end">{_number(high)}</text>'
    )


def _number(value: float) -> str:
    return f"{value:g}"


def _x(index: int, count: int) -> float:
    span = WIDTH - _LEFT - _RIGHT
    return _LEFT + span * (index + 0.5) / max(count, 1)


def _y(value: float, low: float, high: float) -> float:
    span = HEIGHT - _TOP - _BOTTOM
    share = 0.0 if high == low else (value - low) / (high - low)
    return HEIGHT - _BOTTOM - span * min(max(share, 0.0), 1.0)


def _labels(labels: Sequence[str]) -> str:
    step = max(1, len(labels) // 8)  # at most about 8 labels under the axis
    return "".join(
        f'<text x="{_x(i, len(labels)):.1f}" y="{HEIGHT - 10}" class="tick" text-anchor="middle">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % step == 0 or i == len(labels) - 1
    )


def bar_chart(chart_id: str, title: str, description: str, labels: Sequence[str], values: Sequence[float]) -> str:
    high = max([*values, 1])
    width = (WIDTH - _LEFT - _RIGHT) / max(len(values), 1) * 0.7
    bars = "".join(
        f'<rect class="bar" x="{_x(i, len(values)) - width / 2:.1f}" y="{_y(value, 0, high):.1f}" '
        f'width="{width:.1f}" height="{HEIGHT - _BOTTOM - _y(value, 0, high):.1f}"/>'
        for i, value in enumerate(values)
    )
    return _frame(chart_id, title, description, _axis(0, high) + bars + _labels(labels))


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    low: float,
    high: float,
) -> str:
    """A line through the values that exist (a gap where there is none), each point marked."""
    points = [(_x(i, len(values)), _y(v, low, high)) for i, v in enumerate(values) if v is not None]
    segments, current = [], []  # type: ignore[var-annotated]
    for i, value in enumerate(values):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append((_x(i, len(values)), _y(value, low, high)))
    if current:
        segments.append(current)
    lines = "".join(
        '<polyline class="line" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in segment) + '"/>'
        for segment in segments
        if len(segment) > 1
    )
    dots = "".join(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"/>' for x, y in points)
    return _frame(chart_id, title, description, _axis(low, high) + lines + dots + _labels(labels))
