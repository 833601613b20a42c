"""The static archive (write once, safe paths, CSP, index, Atom) and the iCalendar export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from defusedxml import ElementTree

from pipeline.draft import Event, LocalText
from pipeline.errors import EditionError
from pipeline.records import LANGUAGES
from pipeline.render import export_agenda, render_all, write_archive
from tests.render.fixtures import newsletter_plan, press_review_plan

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLISHED_AT = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def web_rendering() -> dict[str, object]:
    return dict(render_all(press_review_plan(), max_bytes=None))


def test_archive_pages_index_and_feed(tmp_path: Path, web_rendering: dict) -> None:
    root = tmp_path / "archive"
    written = write_archive(web_rendering, press_review_plan(), root, "2026-w45",
                            published_at=PUBLISHED_AT, base_url="https://4p1000.example/archive")
    assert root / "press-review" / "fr" / "2026-w45.html" in written
    for lang in LANGUAGES:
        page = (root / "press-review" / lang / "2026-w45.html").read_text(encoding="utf-8")
        assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'' in page
        assert page.index("Content-Security-Policy") < page.index("<style")
        others = [code for code in LANGUAGES if code != lang]
        for other in others:
            assert f'href="../{other}/2026-w45.html" hreflang="{other}"' in page
        index = (root / "press-review" / lang / "index.html").read_text(encoding="utf-8")
        assert 'href="2026-w45.html"' in index and f'<html lang="{lang}">' in index
        assert "Content-Security-Policy" in index
        feed = ElementTree.fromstring((root / "press-review" / lang / "feed.atom").read_bytes())
        entries = feed.findall(f"{ATOM}entry")
        assert len(entries) == 1
        link = entries[0].find(f"{ATOM}link")
        assert link is not None
        assert link.get("href") == (
            f"https://4p1000.example/archive/press-review/{lang}/2026-w45.html")
        updated = feed.find(f"{ATOM}updated")
        assert updated is not None and updated.text == PUBLISHED_AT.isoformat()


def test_archive_is_written_once(tmp_path: Path, web_rendering: dict) -> None:
    root = tmp_path / "archive"
    plan = press_review_plan()
    write_archive(web_rendering, plan, root, "2026-w45", published_at=PUBLISHED_AT)
    page = root / "press-review" / "en" / "2026-w45.html"
    before = page.read_bytes()
    again = write_archive(web_rendering, plan, root, "2026-w45", published_at=PUBLISHED_AT)
    assert page not in again  # same content: nothing rewritten
    changed = dict(web_rendering)
    changed["en"] = render_all(newsletter_plan(), max_bytes=None)["en"]
    with pytest.raises(EditionError, match="already exists with different content"):
        write_archive(changed, plan, root, "2026-w45", published_at=PUBLISHED_AT)
    assert page.read_bytes() == before


def test_second_edition_is_listed_newest_first(tmp_path: Path, web_rendering: dict) -> None:
    root = tmp_path / "archive"
    plan = press_review_plan()
    write_archive(web_rendering, plan, root, "2026-w45", published_at=PUBLISHED_AT)
    write_archive(web_rendering, plan, root, "2026-w46",
                  published_at=PUBLISHED_AT.replace(day=16))
    index = (root / "press-review" / "es" / "index.html").read_text(encoding="utf-8")
    assert index.index("2026-w46.html") < index.index("2026-w45.html")
    feed = ElementTree.fromstring((root / "press-review" / "es" / "feed.atom").read_bytes())
    assert len(feed.findall(f"{ATOM}entry")) == 2


@pytest.mark.parametrize("slug", ["../evil", "a/b", "a%2fb", "a\x00b", "", "A", "..", "x" * 101])
def test_unsafe_slugs_are_refused(tmp_path: Path, web_rendering: dict, slug: str) -> None:
    with pytest.raises(EditionError, match="slug"):
        write_archive(web_rendering, press_review_plan(), tmp_path, slug,
                      published_at=PUBLISHED_AT)
    assert list(tmp_path.iterdir()) == []


def test_archive_refuses_a_missing_language(tmp_path: Path, web_rendering: dict) -> None:
    partial = {k: v for k, v in web_rendering.items() if k != "fr"}
    with pytest.raises(EditionError, match="without fr"):
        write_archive(partial, press_review_plan(), tmp_path, "x", published_at=PUBLISHED_AT)


def unfold(document: str) -> list[str]:
    return document.replace("\r\n ", "").split("\r\n")


def test_ical_escapes_folds_and_skips_unsafe_links() -> None:
    title = "Réunion; sols, climat \\ « 4 pour 1000 »\nligne deux " + "é" * 60
    events = [Event("e1", {"fr": LocalText(title, "desc")},
                    datetime(2026, 12, 5, 9, tzinfo=UTC), None, "Rome, Italie",
                    "javascript:alert(1)")]
    document = export_agenda(events, lang="fr", stamp_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert document.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert document.endswith("END:VCALENDAR\r\n")
    assert all(len(line.encode()) <= 75 for line in document.split("\r\n"))
    lines = unfold(document)
    summary = next(line for line in lines if line.startswith("SUMMARY"))
    assert summary == ("SUMMARY;LANGUAGE=fr:Réunion\\; sols\\, climat \\\\ « 4 pour 1000 »"
                       "\\nligne deux " + "é" * 60)
    assert "LOCATION:Rome\\, Italie" in lines
    assert not any(line.startswith("URL") for line in lines)
    assert "DTSTART:20261205T090000Z" in lines and "UID:e1@4p1000.pipeline" in lines
