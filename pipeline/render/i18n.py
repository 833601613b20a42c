"""Interface strings and locale formatting for the three publication languages.

Catalogs live in ``translations/<lang>/LC_MESSAGES/messages.po`` (maintained with Babel's
extract/update, see ``babel.cfg``; installed as package data, see pipeline/resources.py). They
are compiled in memory when first used, so a fresh checkout works without a compile step; a
``messages.mo`` next to the ``.po`` is ignored.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from babel.dates import format_date, format_interval, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from pipeline.errors import RenderError
from pipeline.records import LANGUAGES
from pipeline.resources import CATALOGS_DIR

LANGUAGE_NAMES = {"fr": "français", "en": "English", "es": "español"}


@lru_cache(maxsize=8)
def load_translations(lang: str) -> Translations:
    """The compiled catalog of ``lang`` (from its ``.po`` file; English falls back to msgids)."""
    if lang not in LANGUAGES:
        raise RenderError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    po_path = CATALOGS_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        if lang == "en":
            return Translations()
        raise RenderError(f"missing catalog {po_path}")
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


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
