"""Bar charts of the last weeks, drawn on the server as inline SVG (no script, no style
attribute: colours come from ``app.css`` classes, so dark mode and the CSP hold)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time

from markupsafe import Markup, escape

from pipeline.web.i18n import format_day

WIDTH, HEIGHT, AXIS = 560, 120, 16


def bar_chart(values: Sequence[int], days: Sequence[date], label: str, lang: str) -> Markup:
    """One bar per day; each bar's tooltip gives its day and value; the chart is an image
    named ``label`` for screen readers (the numbers are in the table beside it)."""
    count = max(len(values), 1)
    top = max([*values, 1])
    step = WIDTH / count
    bar = max(step - 2, 1)
    plot = HEIGHT - AXIS
    parts = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'aria-label="{escape(label)}" preserveAspectRatio="none">',
             f'<line class="axis" x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}"/>']
    for n, (value, day) in enumerate(zip(values, days, strict=True)):
        height = round(plot * value / top, 1)
        parts.append(f'<rect class="bar" x="{round(n * step + 1, 1)}" y="{plot - height}" '
                     f'width="{round(bar, 1)}" height="{height}"><title>'
                     f'{escape(format_day(_at(day), lang))}: {value}</title></rect>')
    if days:
        parts.append(f'<text class="tick" x="0" y="{HEIGHT - 2}">'
                     f'{escape(format_day(_at(days[0]), lang))}</text>')
        parts.append(f'<text class="tick" x="{WIDTH}" y="{HEIGHT - 2}" text-anchor="end">'
                     f'{escape(format_day(_at(days[-1]), lang))}</text>')
    parts.append(f'<text class="tick" x="2" y="10">{top}</text></svg>')
    return Markup("".join(parts))


def _at(day: date) -> datetime:
    return datetime.combine(day, time(12), UTC)


__all__ = ["bar_chart"]
