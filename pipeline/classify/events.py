"""Announcements of upcoming events in items (conferences, webinars, workshops, days…).

An item is an event announcement when its title names a kind of event and its title or summary
gives a date after the item's own publication: the Newsletter's agenda then lists it beside the
team's events file. Dates are read in French, English and Spanish with CLDR month names (Babel).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from babel.dates import get_month_names

from pipeline.classify.text import clean_text, fold_accents

EVENT_WORDS = {
    "en": ("conference", "webinar", "workshop", "summit", "forum", "symposium", "congress",
           "seminar", "meeting", "world soil day", "day of", "cop"),
    "fr": ("conference", "webinaire", "atelier", "sommet", "forum", "symposium", "congres",
           "seminaire", "colloque", "reunion", "journee", "rencontre"),
    "es": ("conferencia", "webinario", "seminario", "taller", "cumbre", "foro", "simposio",
           "congreso", "reunion", "jornada", "dia mundial", "encuentro"),
}


@dataclass(frozen=True, slots=True)
class EventHint:
    starts_at: datetime
    matched: str
    """The event word that was found (evidence for the reviewer)."""


def _fold(text: str) -> str:
    return fold_accents(text.lower())


@cache
def _months() -> dict[str, int]:
    names: dict[str, int] = {}
    for lang in ("en", "fr", "es"):
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=lang).items():
                names[_fold(name).rstrip(".")] = number
    return names


@cache
def _date_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    month = "|".join(sorted((re.escape(m) for m in _months()), key=len, reverse=True))
    day_first = re.compile(rf"\b(\d{{1,2}})(?:er|st|nd|rd|th)?\s+(?:de\s+)?({month})\.?"
                           rf"(?:\s+(?:de\s+)?(\d{{4}}))?\b")
    month_first = re.compile(rf"\b({month})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b")
    return day_first, month_first


_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def find_dates(text: str, year_hint: int) -> list[date]:
    """Every calendar date written in ``text`` (a missing year is taken from ``year_hint``)."""
    folded = _fold(text)
    months = _months()
    day_first, month_first = _date_patterns()
    found: list[date] = []
    for match in day_first.finditer(folded):
        found += _valid(int(match[3] or year_hint), months[match[2]], int(match[1]))
    for match in month_first.finditer(folded):
        found += _valid(int(match[3]), months[match[1]], int(match[2]))
    for match in _ISO.finditer(folded):
        found += _valid(int(match[1]), int(match[2]), int(match[3]))
    return found


def _valid(year: int, month: int, day: int) -> list[date]:
    try:
        return [date(year, month, day)]
    except ValueError:
        return []


def find_event(title: str, summary: str, lang: str, published_at: datetime | None
               ) -> EventHint | None:
    """An upcoming event announced by the item, or None."""
    words = EVENT_WORDS.get(lang, EVENT_WORDS["en"])
    title = clean_text(title, 500)
    summary = clean_text(summary, 1000)
    folded_title = _fold(title)
    matched = next((w for w in words if re.search(rf"\b{re.escape(w)}", folded_title)), None)
    if matched is None or published_at is None:
        return None
    after = published_at.date()
    dates = [d for d in find_dates(f"{title}\n{summary}", published_at.year) if d > after]
    if not dates:
        return None
    first = min(dates)
    return EventHint(datetime(first.year, first.month, first.day, tzinfo=UTC), matched)
