"""Rendering: golden files, hostile input, missing translations, size cap, catalogs, files."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from pipeline.draft import Candidate, EditionPlan, Entry, LocalText, Section, draft_press_review
from pipeline.errors import RenderError
from pipeline.records import LANGUAGES
from pipeline.render import (
    MAX_EMAIL_BYTES,
    EditionLinks,
    find_unrenderable,
    render_all,
    render_edition,
    sanitize_html,
    write_rendered,
)
from pipeline.render.email import check_html
from tests.render.fixtures import GOLDEN, press_review_plan
from tests.render.regen_golden import build_golden

ROOT = Path(__file__).resolve().parents[2]
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 8, tzinfo=UTC)
HOSTILE_TITLE = ('{{ config }} {% for x in y %}</mj-text><mj-include path="https://evil.example/x.mjml"/>'
                 "<mj-raw><b>raw</b></mj-raw>")
HOSTILE_SUMMARY = ('<script>alert(1)</script><img src=x onerror=alert(2)>'
                   '<a href="java&#9;script:alert(3)">x</a><meta http-equiv="refresh" content="0">')


def entry(item_id: str, *, title: str = "A title", summary: str = "A summary.",
          origin: str = "reviewed", rank: int = 1, **changes: object) -> Entry:
    texts = {lang: LocalText(f"{title}", summary, origin) for lang in LANGUAGES}  # type: ignore[arg-type]
    values: dict[str, object] = {
        "item_id": item_id, "story_id": item_id, "source_name": "Outlet",
        "url": f"https://news.example/{item_id}", "original_lang": "en",
        "published_at": SINCE, "themes": ("soil-carbon",), "regions": ("africa",),
        "texts": texts, "rank": rank, "group": "africa",
    }
    values.update(changes)
    return Entry(**values)  # type: ignore[arg-type]


def plan_of(*sections: Section) -> EditionPlan:
    return EditionPlan("press-review", SINCE, UNTIL, tuple(sections))


def test_golden_files_match() -> None:
    """Regenerate with: .venv/bin/python -m tests.render.regen_golden"""
    expected = build_golden()
    assert len(expected) == 15
    for relative, content in expected.items():
        golden = (GOLDEN / relative).read_bytes().decode("utf-8")
        assert content == golden, f"{relative} differs from the golden file"


def test_document_language_preheader_links_and_no_web_fonts() -> None:
    links = EditionLinks("https://w.example/fr", "https://u.example/?t=1&l=fr",
                         "https://p.example/fr")
    page = render_edition(press_review_plan(), lang="fr", links=links)
    assert page.html.startswith("<!doctype html><html lang=\"fr\"")
    assert "\\u{" not in page.html  # mjml-python escapes Unicode spaces in aria-label
    assert "googleapis" not in page.html and "@import" not in page.html
    assert 'href="https://u.example/?t=1&amp;l=fr"' in page.html
    assert "Se désabonner" in page.html and "Changer de langue" in page.html
    assert "Voir cette édition dans votre navigateur" in page.html
    assert re.search(r'<div style="display:none;[^"]*">[^<]{20,}', page.html)  # preheader
    assert "https://u.example/?t=1&l=fr" in page.text
    assert page.subject.startswith("Revue de presse de l'Initiative « 4 pour 1000 »")


def test_machine_translation_mark_only_on_machine_texts() -> None:
    plan = plan_of(Section("theme-soil-carbon", entries=(
        entry("m", title="Machine made", origin="machine"),
        entry("h", title="Human edited", origin="reviewed", rank=2))))
    page = render_edition(plan, lang="es")
    assert page.html.count("traducción automática") == 1
    assert page.text.count("traducción automática") == 1


def test_hostile_html_and_template_syntax_come_out_literally() -> None:
    plan = plan_of(Section("theme-soil-carbon", entries=(
        entry("evil", title=HOSTILE_TITLE, summary=HOSTILE_SUMMARY,
              url="javascript:alert(1)", image_url="javascript:alert(1)"),)))
    for lang, edition in render_all(plan).items():
        html = edition.html
        tags = re.findall(r"<[^>]+>", html)
        for forbidden in ("<script", "<mj-", "<img", "onerror", "javascript:", "refresh"):
            assert not [t for t in tags if forbidden in t.lower()], (lang, forbidden)
        assert "{{ config }} {% for x in y %}&lt;/mj-text&gt;&lt;mj-include" in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert " ".join(HOSTILE_TITLE.split()) in " ".join(edition.text.split())  # as typed


def test_editorial_rich_text_is_sanitised() -> None:
    body = ('<p onclick="x()">Hello <a href="javascript:alert(1)">bad</a> '
            '<a href="https://ok.example/">good</a></p><script>alert(1)</script>'
            '<iframe srcdoc="<script>x</script>"></iframe><form><button formaction="https://x">'
            'b</button></form><style>@import url(https://evil.example/x.css);</style>')
    editorial = {lang: LocalText("Edito", body) for lang in LANGUAGES}
    plan = plan_of(Section("editorial", kind="editorial", editorial=editorial))
    html = render_edition(plan, lang="en").html
    assert '<a href="https://ok.example/" rel="noopener noreferrer">good</a>' in html
    for forbidden in ("onclick", "javascript:", "<script", "<iframe", "formaction", "evil.example"):
        assert forbidden not in html


def test_missing_and_unsafe_images_are_left_out_and_images_have_alt() -> None:
    plan = plan_of(Section("theme-soil-carbon", entries=(
        entry("none", image_url=None),
        entry("empty", image_url="", rank=2),
        entry("data", image_url="data:image/png;base64,AAAA", rank=3),
        entry("good", title="Soil pit", image_url="https://img.example/pit.jpg", rank=4))))
    html = render_edition(plan, lang="en").html
    images = re.findall(r"<img [^>]*>", html)
    assert len(images) == 1
    assert 'src="https://img.example/pit.jpg"' in images[0] and 'alt="Soil pit"' in images[0]


def test_long_titles_render_and_wrap_in_text() -> None:
    title = ("Soil " * 60).strip()[:300]
    plan = plan_of(Section("theme-soil-carbon", entries=(entry("long", title=title),)))
    edition = render_edition(plan, lang="en")
    assert title in edition.html
    assert max(len(line) for line in edition.text.splitlines()
               if "Soil" in line) <= 74


def test_empty_sections_are_left_out() -> None:
    plan = plan_of(Section("theme-policy"), Section("agenda", kind="agenda"),
                   Section("theme-soil-carbon", entries=(entry("a"),)))
    edition = render_edition(plan, lang="en")
    assert "Soil carbon" in edition.html
    assert "Policy" not in edition.html and "Agenda" not in edition.html
    assert "POLICY" not in edition.text


def test_untranslated_item_blocks_rendering_and_names_the_items() -> None:
    ok = entry("ok-item")
    texts = dict(ok.texts)
    texts["es"] = LocalText("Sin traducir", "", "needs_translation")
    half = replace(entry("half-item", rank=2), texts=texts)
    gone = replace(entry("gone-item", rank=3), texts={"en": ok.texts["en"]})
    plan = plan_of(Section("theme-soil-carbon", entries=(ok, half, gone)))
    with pytest.raises(RenderError) as caught:
        render_all(plan)
    message = str(caught.value)
    assert "es: half-item, gone-item" in message and "fr: gone-item" in message
    assert "ok-item" not in message
    preview = render_all(plan, allow_incomplete=True)
    assert "traducción pendiente" in preview["es"].html
    assert any("half-item" in w for w in preview["es"].warnings)
    assert preview["en"].warnings == ()


def test_size_cap_moves_overflow_to_the_web_version() -> None:
    summary = "Soil organic carbon matters for food security and climate. " * 6
    entries = tuple(entry(f"item-{n:03d}", title=f"Story number {n}", summary=summary, rank=n)
                    for n in range(1, 301))
    plan = plan_of(Section("theme-soil-carbon", entries=entries))
    links = EditionLinks(web_url="https://w.example/full")
    edition = render_edition(plan, lang="en", links=links)
    assert len(edition.html.encode()) <= MAX_EMAIL_BYTES
    assert edition.overflow_item_ids and edition.overflow_item_ids[-1] == "item-300"
    assert "item-001" not in edition.overflow_item_ids
    assert f"{len(edition.overflow_item_ids)} more items are in the web version" in edition.html
    assert any("web version" in w for w in edition.warnings)
    assert "Story number 300<" not in edition.html and "Story number 1<" in edition.html
    web = render_edition(plan, lang="en", links=links, max_bytes=None)
    assert "Story number 300<" in web.html and web.overflow_item_ids == ()


def test_forty_item_review_stays_under_the_cap_without_overflow() -> None:
    candidates = [
        Candidate(f"i{n}", f"s{n}", "Outlet", f"https://n.example/{n}", "en",
                  SINCE + timedelta(hours=n), True, ("practices",), ("europe",),
                  {lang: LocalText("Title " * 12, "Summary sentence. " * 10, "machine")
                   for lang in LANGUAGES})
        for n in range(40)
    ]
    rendered = render_all(draft_press_review(candidates, since_at=SINCE, until_at=UNTIL))
    for edition in rendered.values():
        assert edition.overflow_item_ids == ()
        assert len(edition.html.encode()) <= MAX_EMAIL_BYTES


def test_write_rendered_writes_six_files_and_refuses_partial(tmp_path: Path) -> None:
    rendered = render_all(press_review_plan())
    written = write_rendered(rendered, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(
        f"{lang}.{ext}" for lang in LANGUAGES for ext in ("html", "txt"))
    assert (tmp_path / "out" / "es.txt").read_text(encoding="utf-8") == rendered["es"].text
    with pytest.raises(RenderError, match="without es"):
        write_rendered({k: v for k, v in rendered.items() if k != "es"}, tmp_path / "partial")
    assert not (tmp_path / "partial").exists()


def test_catalogs_are_complete_and_in_sync_with_the_template() -> None:
    with (ROOT / "translations" / "messages.pot").open("rb") as handle:
        template_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert "Unsubscribe" in template_ids
    for lang in ("fr", "es"):
        path = ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        assert ids == template_ids, f"{lang}: run pybabel update (see babel.cfg)"
        untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not (
            m.string if isinstance(m.string, str) else all(m.string or ())))]
        assert untranslated == [], f"{lang}: untranslated {untranslated}"


def test_machine_translations_are_listed_for_the_approver() -> None:
    from pipeline.render import find_machine_translated
    from tests.render.fixtures import newsletter_plan

    plan = newsletter_plan()
    # plan order; en-03 (machine in es) is the sixth press item: not in "from the press"
    assert find_machine_translated(plan, "es") == ("editorial", "fr-08", "fr-13", "kf-2-drought")
    assert "en-12" in find_machine_translated(plan, "fr")


def test_messages_pot_is_up_to_date(tmp_path: Path) -> None:
    """A string added to a template or to labels.py must be extracted (see babel.cfg)."""
    import subprocess
    import sys

    fresh = tmp_path / "fresh.pot"
    subprocess.run([str(Path(sys.executable).parent / "pybabel"), "extract", "-F", "babel.cfg",
                    "-k", "N_", "--no-location", "-o", str(fresh), "."],
                   cwd=ROOT, check=True, capture_output=True, timeout=120)

    def ids(path: Path) -> set[str]:
        with path.open("rb") as handle:
            return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}

    assert ids(fresh) == ids(ROOT / "translations" / "messages.pot")


def test_mjml_includes_are_never_loaded() -> None:
    from pipeline.render import compile_mjml

    source = ('<mjml><mj-body><mj-include path="https://evil.example/x.mjml" />'
              '<mj-include path="../../etc/passwd" /></mj-body></mjml>')
    with pytest.raises(RenderError, match="included template"):
        compile_mjml(source)


def test_also_in_links_name_the_language_and_drop_unsafe_addresses() -> None:
    from pipeline.draft import AlsoIn

    story = entry("s", also_in=(AlsoIn("es", "https://es.example/a", "El Diario"),
                                AlsoIn("fr", "javascript:alert(1)", "Piège")))
    html = render_edition(plan_of(Section("theme-soil-carbon", entries=(story,))), lang="fr").html
    assert ('Aussi en : <a href="https://es.example/a" rel="noopener noreferrer" '
            'hreflang="es">espagnol (El Diario)</a>') in html
    assert "Piège" not in html


def test_the_safety_check_reads_tags_and_attributes_not_item_text() -> None:
    """Issue 11, case 2: an item about web fonts is news; the template's own resources are
    what must not pull in web fonts or carry active content."""
    title = "Soil carbon web tools: fonts.googleapis.com blocked in schools"
    plan = plan_of(Section("theme-soil-carbon", entries=(
        entry("fonts", title=title, summary="<script> and javascript: written as text"),)))
    for edition in render_all(plan).values():
        assert title in edition.html
    page = render_edition(plan, lang="en").html
    head = page.index("</head>")
    for resource in ('<link rel="stylesheet" href="https://fonts.googleapis.com/css">',
                     "<style>@import url(https://fonts.googleapis.com/x);</style>",
                     "<script>x()</script>", '<a href=" javascript:alert(1)">x</a>',
                     '<img src="data:image/svg+xml,x">', "<mj-raw>x</mj-raw>"):
        with pytest.raises(RenderError):
            check_html(page[:head] + resource + page[head:], "en")


def test_control_characters_and_lone_surrogates_never_stop_a_render() -> None:
    plan = plan_of(Section("theme-soil-carbon", entries=(
        entry("ctl", title="Soil\x0b carbon\x1b[31m\udcff", summary="a\x00b"),)))
    for edition in render_all(plan).values():
        for output in (edition.html, edition.text):
            assert "carbon[31m" in output and "ab" in output
            assert not re.search("[\x00-\x08\x0b\x1b\udcff]", output)


def test_an_entry_that_cannot_be_rendered_is_found_by_name() -> None:
    plan = plan_of(Section("theme-soil-carbon", entries=(
        entry("good", title="Soil carbon"), entry("blank", title="\u2028 ", rank=2))))
    with pytest.raises(RenderError):
        render_all(plan, allow_incomplete=True)
    assert find_unrenderable(plan) == {"blank": "fr: no title in any language"}


def test_bidi_and_zero_width_are_stripped_from_titles() -> None:
    plan = plan_of(Section("theme-soil-carbon", entries=(
        entry("bidi", title="Soil\u200b carbon \u202egpj.exe\u202c"),)))
    edition = render_edition(plan, lang="en")
    assert "Soil carbon gpj.exe" in edition.html and "\u202e" not in edition.html
    assert "\u202e" not in edition.subject and "\u200b" not in edition.text


def test_editorial_links_must_be_absolute() -> None:
    """Issue 11, case 7: protocol-relative and relative links are dropped (they would point
    wherever the email is read), absolute http(s) and mailto kept."""
    body = ('<p><a href="//evil.example/x">a</a> <a href="/relative">b</a> '
            '<a href="relative/path">c</a> <a href="https://ok.example/">d</a> '
            '<a href="mailto:team@4p1000.example">e</a></p>')
    cleaned = sanitize_html(body)
    assert "evil.example" not in cleaned and "relative" not in cleaned
    assert 'href="https://ok.example/"' in cleaned
    assert 'href="mailto:team@4p1000.example"' in cleaned
    editorial = {lang: LocalText("Edito", body) for lang in LANGUAGES}
    html = render_edition(plan_of(Section("editorial", kind="editorial", editorial=editorial)),
                          lang="fr").html
    assert "evil.example" not in html and 'href="/relative"' not in html
