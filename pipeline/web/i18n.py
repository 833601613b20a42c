"""The interface in French, English and Spanish: the project's gettext catalogs, one Jinja2
environment per language, and the language a visitor gets.

A signed-in person gets the language stored on their account; before that (or when they chose
"as my browser"), the best match of the browser's ``Accept-Language``; English otherwise.
Catalogs are the ``translations/<lang>/LC_MESSAGES/messages.po`` files that the rendered
editions use too, compiled in memory on first use (as the render stage does), so a fresh
checkout needs no compile step. ``pybabel extract -F babel.cfg`` finds the strings of
``pipeline/web/**.py`` and ``pipeline/web/templates/**.html``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from babel.dates import format_date, format_interval, format_time

from pipeline.records import LANGUAGES

"""The catalogs the package ships (``translations/`` of the repository; pipeline/resources.py)."""
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"fr": "français", "en": "English", "es": "español"}
"""Each language named in itself: a person who cannot read the current one finds their own."""


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message




def negotiate_language(accept_language: str | None) -> str:
    """The best of fr/en/es for an ``Accept-Language`` header (q-values honoured)."""
    if not accept_language:
        return DEFAULT_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, position, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


def format_day(value: datetime | None, lang: str) -> str:
    """``24 nov. 2026`` / ``Nov 24, 2026`` / ``24 nov 2026``."""
    return format_date(value.date(), format="medium", locale=lang) if value else ""


def format_moment(value: datetime | None, lang: str) -> str:
    """A day and a time (UTC) in the language's way: ``28 nov. 2026, 06:00 UTC``."""
    if value is None:
        return ""
    day = format_date(value.date(), format="medium", locale=lang)
    return f"{day}, {format_time(value, format='short', tzinfo=UTC, locale=lang)} UTC"


def format_days(start_at: datetime, last_at: datetime, lang: str) -> str:
    """A span of days, both included: ``17–23 nov. 2026``."""
    first, last = start_at.date(), max(last_at.date(), start_at.date())
    return format_interval(first, last, skeleton="yMMMd", locale=lang)
