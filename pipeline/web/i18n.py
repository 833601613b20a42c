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

import io
from datetime import UTC, datetime
from functools import lru_cache

from babel.dates import format_date, format_interval, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from pipeline.records import LANGUAGES
from pipeline.resources import CATALOGS_DIR

TRANSLATIONS_DIR = CATALOGS_DIR
"""The catalogs the package ships (``translations/`` of the repository; pipeline/resources.py)."""
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"fr": "français", "en": "English", "es": "español"}
"""Each language named in itself: a person who cannot read the current one finds their own."""


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def load_translations(lang: str) -> Translations:
    """The catalog of ``lang`` compiled from its ``.po`` file (English: the msgids)."""
    po_path = TRANSLATIONS_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang not in LANGUAGES or not po_path.is_file():
        return Translations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


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
