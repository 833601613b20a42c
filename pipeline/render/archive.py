"""The static web archive: one page per edition and language, an index and an Atom feed each.

Layout under ``archive_root``::

    <publication>/editions.json            what was archived (slug, date, titles per language)
    <publication>/<lang>/<slug>.html       the edition as a web page (strict CSP)
    <publication>/<lang>/index.html        every archived edition, newest first
    <publication>/<lang>/feed.atom         the same as an Atom feed

Edition pages are written once: archiving the same content again is a no-op, different content
for an existing page is refused with :class:`EditionError`. Index, feed and ``editions.json`` are
regenerated from ``editions.json`` on every call.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from pipeline.errors import EditionError, RenderError
from pipeline.records import LANGUAGES
from pipeline.render.email import make_environment
from pipeline.render.i18n import format_day, load_translations
from pipeline.render.labels import ALL_EDITIONS, INITIATIVE, PUBLICATIONS
from pipeline.render.model import PlanLike, RenderedEdition
from pipeline.render.views import name_language

CSP = ("default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,99}")
ATOM = "http://www.w3.org/2005/Atom"


def check_slug(slug: str) -> str:
    """Refuse edition slugs that could escape the archive (``..``, slashes, encodings, NUL)."""
    if not SLUG.fullmatch(slug):
        raise EditionError(f"invalid edition slug {slug!r}: use lowercase letters, digits and '-'")
    return slug


def _inside(root: Path, *parts: str) -> Path:
    target = root.joinpath(*parts).resolve()
    if not target.is_relative_to(root.resolve()):
        raise EditionError(f"path {'/'.join(parts)!r} leaves the archive")
    return target


def _write_atomic(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(content, encoding="utf-8")
    os.replace(temporary, path)


def build_page(rendered: RenderedEdition, slug: str) -> str:
    """The web page of one language: the email HTML with a CSP meta and language links."""
    page = rendered.html
    if "<head>" not in page or "<body" not in page:
        raise RenderError(f"{rendered.lang}: rendered HTML has no <head> or <body>")
    alternates = "".join(
        f'<link rel="alternate" hreflang="{lang}" href="../{lang}/{slug}.html">'
        for lang in LANGUAGES
    )
    head = (f'<head><meta http-equiv="Content-Security-Policy" content="{CSP}">'
            f'<meta name="referrer" content="no-referrer">{alternates}')
    nav = "".join(
        f'<a href="../{lang}/{slug}.html" hreflang="{lang}" lang="{lang}" '
        f'style="color:#2f5d3a;margin:0 6px;">{name_language(lang, lang)}</a>'
        for lang in LANGUAGES if lang != rendered.lang
    )
    index = load_translations(rendered.lang).gettext(ALL_EDITIONS)
    nav_html = (f'<nav style="text-align:center;font:14px Helvetica,Arial,sans-serif;'
                f'padding:10px 0;"><a href="index.html" style="color:#2f5d3a;margin:0 6px;">'
                f"{index}</a> · {nav}</nav>")
    page = page.replace("<head>", head, 1)
    body_end = page.index(">", page.index("<body")) + 1
    return page[:body_end] + nav_html + page[body_end:]


def _load_manifest(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise EditionError(f"{path}: unreadable archive manifest: {error}") from error
    return list(data)


def _build_feed(publication: str, lang: str, editions: list[dict[str, Any]], base_url: str,
                title: str) -> str:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": lang})
    prefix = f"{base_url.rstrip('/')}/{publication}/{lang}/" if base_url else ""
    ET.SubElement(feed, f"{{{ATOM}}}id").text = (
        f"{prefix}feed.atom" if prefix else f"tag:4p1000.pipeline,2015:{publication}/{lang}")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    updated = max((e["published_at"] for e in editions), default="1970-01-01T00:00:00+00:00")
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": f"{prefix}feed.atom"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = load_translations(lang).gettext(INITIATIVE)
    for edition in editions:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = (
            f"{prefix}{edition['slug']}.html" if prefix
            else f"tag:4p1000.pipeline,2015:{publication}/{lang}/{edition['slug']}")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = edition["titles"].get(lang, edition["slug"])
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = edition["published_at"]
        ET.SubElement(entry, f"{{{ATOM}}}link", {
            "rel": "alternate", "type": "text/html", "href": f"{prefix}{edition['slug']}.html"})
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"


def _build_index(publication: str, lang: str, editions: list[dict[str, Any]], title: str) -> str:
    template = make_environment(lang).get_template("archive_index.html")
    return template.render(
        lang=lang, csp=CSP, title=title,
        languages=[{"lang": code, "name": name_language(code, code)} for code in LANGUAGES],
        editions=[{"slug": e["slug"], "title": e["titles"].get(lang, e["slug"]),
                   "date": format_day(datetime.fromisoformat(e["published_at"]), lang)}
                  for e in editions],
    )


def write_archive(
    rendered_by_lang: Mapping[str, RenderedEdition],
    plan: PlanLike,
    archive_root: Path,
    edition_slug: str,
    *,
    published_at: datetime,
    base_url: str = "",
) -> list[Path]:
    """Archive one edition in every language; returns the files written or regenerated.

    Pass the web rendering (``render_all(plan, max_bytes=None)``, without per-subscriber
    links). Raises :class:`EditionError` before writing anything if a page exists with other
    content, if a language is missing, or if the slug is unsafe.
    """
    slug = check_slug(edition_slug)
    publication = plan.kind
    if publication not in PUBLICATIONS:
        raise EditionError(f"unknown publication {publication!r}")
    missing = [lang for lang in LANGUAGES if lang not in rendered_by_lang]
    if missing:
        raise EditionError(f"edition {slug}: cannot archive without {', '.join(missing)}")
    if published_at.tzinfo is None:
        raise EditionError("published_at must be timezone-aware (UTC)")
    root = archive_root
    pages = {lang: build_page(rendered_by_lang[lang], slug) for lang in LANGUAGES}
    targets = {lang: _inside(root, publication, lang, f"{slug}.html") for lang in LANGUAGES}
    for lang, target in targets.items():
        if target.exists() and target.read_text(encoding="utf-8") != pages[lang]:
            raise EditionError(f"archive page {target} already exists with different content; "
                               "refusing to overwrite it (archive under a new slug)")
    written: list[Path] = []
    for lang, target in targets.items():
        if not target.exists():
            _write_atomic(target, pages[lang])
            written.append(target)
    manifest_path = _inside(root, publication, "editions.json")
    editions = _load_manifest(manifest_path)
    if not any(e.get("slug") == slug for e in editions):  # the first archiving's entry stays
        editions.append({"slug": slug, "published_at": published_at.isoformat(),
                         "titles": {lang: rendered_by_lang[lang].subject for lang in LANGUAGES}})
    editions.sort(key=lambda e: (e["published_at"], e["slug"]), reverse=True)
    _write_atomic(manifest_path, json.dumps(editions, ensure_ascii=False, indent=1,
                                            sort_keys=True) + "\n")
    written.append(manifest_path)
    for lang in LANGUAGES:
        gettext = load_translations(lang).gettext
        title = f"{gettext(PUBLICATIONS[publication])} – {gettext(INITIATIVE)}"
        for name, content in (("index.html", _build_index(publication, lang, editions, title)),
                              ("feed.atom", _build_feed(publication, lang, editions, base_url,
                                                        title))):
            path = _inside(root, publication, lang, name)
            _write_atomic(path, content)
            written.append(path)
    return written
