"""Interface strings and locale formatting for the three publication languages.

Catalogs live in ``translations/<lang>/LC_MESSAGES/messages.po`` (maintained with Babel's
extract/update, see ``babel.cfg``; installed as package data, see pipeline/resources.py). They
are compiled in memory when first used, so a fresh checkout works without a compile step; a
``messages.mo`` next to the ``.po`` is ignored.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from babel.dates import format_date, format_interval, format_time
from babel.numbers import format_decimal
from babel.support import Translations

from pipeline.catalogs import load_translations as compiled_catalog
from pipeline.errors import RenderError
from pipeline.records import LANGUAGES
from pipeline.resources import CATALOGS_DIR

LANGUAGE_NAMES = {"fr": "français", "en": "English", "es": "español"}


def load_translations(lang: str) -> Translations:
    """The compiled catalog of ``lang`` (English falls back to msgids); an unknown language or
    a missing French or Spanish catalog is a :class:`RenderError` (an e-mail must not go out
    half translated)."""
    if lang not in LANGUAGES:
        raise RenderError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    if lang != "en" and not (CATALOGS_DIR / lang / "LC_MESSAGES" / "messages.po").exists():
        raise RenderError(f"missing catalog {CATALOGS_DIR / lang / 'LC_MESSAGES' / 'messages.po'}")
    return compiled_catalog(lang)


def format_day(value: datetime | None, lang: str) -> str:
    """A date as the language writes it in running text ("24 novembre 2026")."""
    if value is None:
        return ""
    return format_date(value.date(), format="long", locale=lang)


def format_moment(value: datetime, lang: str) -> str:
    """A date and time (UTC) for the agenda: "24 novembre 2026, 09:30 UTC"."""
    day = format_date(value.date(), format="long", locale=lang)
    return f"{day}, {format_time(value, format='short', tzinfo=UTC, locale=lang)} UTC"


def format_number(value: float, lang: str) -> str:
    """A number with the language's separators (1 234,5 / 1,234.5)."""
    return format_decimal(value, locale=lang)


def format_period(start_at: datetime, end_at: datetime, lang: str) -> str:
    """The days an edition covers; ``end_at`` is exclusive, so the last day is the one before."""
    last_day = (end_at - timedelta(microseconds=1)).date()
    return format_interval(start_at.date(), max(last_day, start_at.date()), skeleton="yMMMd",
                           locale=lang)
