"""Event announcements found in items, for the Newsletter's agenda."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.classify.events import find_dates, find_event

PUBLISHED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("Le webinaire aura lieu le 12 décembre 2026 à 14 h", [(2026, 12, 12)]),
    ("El taller se celebrará el 3 de febrero de 2027 en Lima", [(2027, 2, 3)]),
    ("Join us on December 5, 2026 for World Soil Day", [(2026, 12, 5)]),
    ("Registration closes 2026-11-30.", [(2026, 11, 30)]),
    ("Rendez-vous le 1er mars", [(2026, 3, 1)]),
    ("No date here, only 2,000 hectares and 31 farmers", []),
    ("31 février 2027 is not a date", []),
])
def test_dates_in_three_languages(text: str, expected: list[tuple[int, int, int]]) -> None:
    assert [(d.year, d.month, d.day) for d in find_dates(text, 2026)] == expected


def test_upcoming_event_is_found_with_its_start() -> None:
    hint = find_event("Webinaire : stocker du carbone dans les sols agricoles",
                      "Le webinaire aura lieu le 12 décembre 2026 à 14 h (heure de Paris).",
                      "fr", PUBLISHED)
    assert hint is not None
    assert hint.starts_at == datetime(2026, 12, 12, tzinfo=UTC)
    assert hint.matched == "webinaire"


@pytest.mark.parametrize(("title", "summary", "lang"), [
    # a past date: a report on an event, not an announcement
    ("Taller sobre suelos en Lima", "El taller se celebró el 3 de octubre de 2026.", "es"),
    # a future date but no kind of event in the title
    ("Soil carbon credits: new rules", "The rules apply from 1 January 2027.", "en"),
    # an event word but no date at all
    ("Conference on soil health", "Experts met to discuss soil health.", "en"),
])
def test_not_an_announcement(title: str, summary: str, lang: str) -> None:
    assert find_event(title, summary, lang, PUBLISHED) is None


def test_hostile_and_huge_text_gives_a_result() -> None:
    assert find_event("<script>Conference</script>", "9" * 5_000_000, "en", PUBLISHED) is None
