"""Render an edition plan to HTML email (Jinja2 → MJML → HTML) and plain text, per language.

Nothing is written before all three languages rendered and validated: :func:`render_all` returns
them in memory, :func:`write_rendered` writes them.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    select_autoescape,
)
from lxml import etree
from lxml import html as lxml_html
from markupsafe import Markup
from mjml import mjml2html

from pipeline.errors import RenderError
from pipeline.records import LANGUAGES
from pipeline.render.i18n import format_period, load_translations
from pipeline.render.labels import PREHEADER, PUBLICATIONS, SUBJECT
from pipeline.render.model import PlanLike, RenderedEdition
from pipeline.render.safety import check_url, strip_invisible
from pipeline.render.views import build_sections, find_untranslated, name_language
from pipeline.resources import TEMPLATES_DIR

MAX_EMAIL_BYTES = 95 * 1024
"""Gmail clips messages at about 102 KB; stay well below."""
PREHEADER_CHARS = 140
_UNICODE_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_URL_ATTRIBUTES = ("href", "src", "srcset", "action", "formaction", "background", "poster",
                   "data", "xlink:href")
_ACTIVE_SCHEME = re.compile(r"^(?:javascript|data|vbscript):", re.I)
_WEB_FONTS = "fonts.googleapis"


@dataclass(frozen=True, slots=True)
class EditionLinks:
    """The addresses an edition points to in one language.

    For a send, ``unsubscribe_url`` and ``preferences_url`` may hold a placeholder that the
    sender replaces per subscriber (it must still look like an http(s) address).
    """

    web_url: str = ""
    unsubscribe_url: str = ""
    preferences_url: str = ""
    ical_url: str = ""


def _refuse_include(path: str) -> str:
    raise RenderError(f"mj-include of {path!r} refused: templates use Jinja includes only")


def printable(value: Any) -> Any:
    """Every value a template prints loses control characters and lone surrogates: an edited
    title holding one must not stop the MJML compiler (and the whole edition with it)."""
    if isinstance(value, Markup):
        return Markup(_UNPRINTABLE.sub("", str(value)))
    if isinstance(value, str):
        return _UNPRINTABLE.sub("", value)
    return value


@lru_cache(maxsize=8)
def make_environment(lang: str) -> Environment:
    """The Jinja2 environment of one language: autoescaping on for .mjml/.html, strict undefined."""
    env = Environment(
        finalize=printable,
        loader=FileSystemLoader(str(TEMPLATES_DIR)),
        autoescape=select_autoescape(enabled_extensions=("mjml", "html", "xml"),
                                     default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(load_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def compile_mjml(source: str) -> str:
    """MJML → HTML with mjml-python: no web fonts, no includes, comments stripped."""
    try:
        return mjml2html(source, disable_comments=True, fonts={}, include_loader=_refuse_include)
    except RenderError:
        raise
    except Exception as error:  # mjml-python raises plain exceptions for invalid MJML
        raise RenderError(f"MJML did not compile: {error}") from error


def _context(plan: PlanLike, lang: str, links: EditionLinks, excluded: frozenset[str],
             overflow_count: int) -> dict[str, Any]:
    translations = load_translations(lang)
    gettext = translations.gettext
    publication = gettext(PUBLICATIONS.get(plan.kind, plan.kind))
    period = format_period(plan.period_start_at, plan.period_end_at, lang)
    sections = build_sections(plan, lang, gettext, excluded)
    count = sum(len(s.get("entries", ())) for s in sections)
    first = next((e["title"] for s in sections for e in s.get("entries", ())), "")
    subject = strip_invisible(gettext(SUBJECT) % {"publication": publication, "period": period})
    preheader = gettext(PREHEADER) % {"count": count, "language": name_language(lang, lang)}
    if first:
        preheader = f"{first} – {preheader}"
    if len(preheader) > PREHEADER_CHARS:
        preheader = preheader[: PREHEADER_CHARS - 1].rstrip() + "…"
    return {
        "lang": lang,
        "publication": publication,
        "period": period,
        "subject": subject,
        # mjml-python writes Unicode spaces of <mj-title> as "\u{2009}" in the aria-label
        "title": _UNICODE_SPACES.sub(" ", subject),
        "preheader": preheader,
        "sections": sections,
        "overflow_count": overflow_count,
        "web_url": check_url(links.web_url) or "",
        "unsubscribe_url": check_url(links.unsubscribe_url) or "",
        "preferences_url": check_url(links.preferences_url) or "",
        "ical_url": check_url(links.ical_url) or "",
    }


def build_mjml(plan: PlanLike, *, lang: str, links: EditionLinks = EditionLinks(),
               excluded: frozenset[str] = frozenset()) -> str:
    """The MJML source of one language (before compilation), e.g. to compare MJML compilers."""
    context = _context(plan, lang, links, excluded, len(excluded))
    try:
        return make_environment(lang).get_template("edition.mjml").render(context)
    except TemplateError as error:
        raise RenderError(f"{lang}: template error: {error}") from error


def _render_once(plan: PlanLike, lang: str, links: EditionLinks,
                 excluded: frozenset[str], overflow_count: int) -> tuple[str, str, str]:
    env = make_environment(lang)
    context = _context(plan, lang, links, excluded, overflow_count)
    try:
        source = env.get_template("edition.mjml").render(context)
        text = env.get_template("edition.txt").render(context)
    except TemplateError as error:
        raise RenderError(f"{lang}: template error: {error}") from error
    page = compile_mjml(source)
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return page, text, context["subject"]


def check_html(page: str, lang: str) -> None:
    """Refuse output that lost its language, pulls in web fonts or carries active content.

    What is checked is the document's own resources, tag by tag and attribute by attribute
    (scripts, leftover MJML tags, stylesheets and imports from the web-font service, links and
    sources with javascript:/data: addresses), never the text: an item titled "fonts.googleapis
    blocked in schools" is news, not a web font."""
    if f'<html lang="{lang}"' not in page:
        raise RenderError(f"{lang}: rendered HTML has no lang={lang!r} on the document")
    try:
        document = lxml_html.document_fromstring(page)
    except (etree.ParserError, ValueError) as error:
        raise RenderError(f"{lang}: rendered HTML does not parse: {error}") from None
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue  # comments (Outlook's conditional ones included)
        tag = element.tag.lower()
        if tag == "script" or tag.startswith("mj-"):
            raise RenderError(f"{lang}: rendered HTML contains a <{tag}> element")
        if tag == "link" and _WEB_FONTS in (element.get("href") or ""):
            raise RenderError(f"{lang}: rendered HTML links a web font stylesheet")
        if tag == "style" and _WEB_FONTS in (element.text or ""):
            raise RenderError(f"{lang}: rendered HTML imports web fonts in a <style>")
        for name in _URL_ATTRIBUTES:
            value = strip_invisible(element.get(name) or "").strip()
            if value and _ACTIVE_SCHEME.match(value.replace("\t", "").replace("\n", "")):
                raise RenderError(f"{lang}: rendered HTML has a {value.split(':')[0]}: address "
                                  f"in <{tag} {name}>")


def render_edition(
    plan: PlanLike,
    *,
    lang: str,
    links: EditionLinks = EditionLinks(),
    allow_incomplete: bool = False,
    max_bytes: int | None = MAX_EMAIL_BYTES,
) -> RenderedEdition:
    """Render one language of a plan to HTML and plain text.

    A record without usable text in ``lang`` (missing or ``needs_translation``) raises
    :class:`RenderError` naming the items, unless ``allow_incomplete`` (a preview): then the
    original text is shown with a "translation missing" mark and a warning. When the HTML would
    exceed ``max_bytes`` the worst-ranked entries move to the web version (``None``: no cap,
    which is what the web/archive version uses).
    """
    if lang not in LANGUAGES:
        raise RenderError(f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    warnings: list[str] = []
    missing = find_untranslated(plan, lang)
    if missing:
        message = f"{lang}: no usable translation for {', '.join(missing)}"
        if not allow_incomplete:
            raise RenderError(message)
        warnings.append(message + " (original text shown)")
    excluded: frozenset[str] = frozenset()
    page, text, subject = _render_once(plan, lang, links, excluded, 0)
    ranked = sorted((e for s in plan.sections for e in s.entries), key=lambda e: -e.rank)
    while max_bytes is not None and len(page.encode()) > max_bytes:
        left = [e for e in ranked if e.item_id not in excluded]
        if not left:
            raise RenderError(f"{lang}: {len(page.encode())} bytes even without entries")
        size = len(page.encode())
        per_entry = size / max(len(ranked), 1)
        drop = max(1, math.ceil((size - max_bytes) / per_entry))
        excluded = excluded | {e.item_id for e in left[:drop]}
        page, text, subject = _render_once(plan, lang, links, excluded, len(excluded))
    if excluded:
        warnings.append(f"{lang}: {len(excluded)} entries moved to the web version to stay under "
                        f"{max_bytes} bytes")
    check_html(page, lang)
    overflow = tuple(e.item_id for e in reversed(ranked) if e.item_id in excluded)
    return RenderedEdition(lang, page, text, subject, tuple(warnings), overflow)


def find_unrenderable(
    plan: PlanLike, *, links: Mapping[str, EditionLinks] | None = None
) -> dict[str, str]:
    """The entries that cannot be rendered, each with the reason: each entry is rendered
    alone, in every language. Raises the error itself when the edition fails even without
    any entry (then no item is to blame)."""
    links = links or {}
    ids = [e.item_id for s in plan.sections for e in s.entries]
    everyone = frozenset(ids)
    for lang in LANGUAGES:
        page, _, _ = _render_once(plan, lang, links.get(lang, EditionLinks()), everyone, 0)
        check_html(page, lang)
    bad: dict[str, str] = {}
    for item_id in ids:
        for lang in LANGUAGES:
            try:
                page, _, _ = _render_once(plan, lang, links.get(lang, EditionLinks()),
                                          everyone - {item_id}, 0)
                check_html(page, lang)
            except RenderError as error:
                bad[item_id] = str(error)
                break
    return bad


def render_all(
    plan: PlanLike,
    *,
    links: Mapping[str, EditionLinks] | None = None,
    allow_incomplete: bool = False,
    max_bytes: int | None = MAX_EMAIL_BYTES,
) -> dict[str, RenderedEdition]:
    """Render FR, EN and ES in memory; any failing language raises before anything is returned.

    Missing translations of every language are reported together in one :class:`RenderError`.
    """
    if not allow_incomplete:
        problems = [
            f"{lang}: {', '.join(ids)}"
            for lang in LANGUAGES
            if (ids := find_untranslated(plan, lang))
        ]
        if problems:
            raise RenderError("no usable translation for " + "; ".join(problems))
    links = links or {}
    return {
        lang: render_edition(plan, lang=lang, links=links.get(lang, EditionLinks()),
                             allow_incomplete=allow_incomplete, max_bytes=max_bytes)
        for lang in LANGUAGES
    }


def write_rendered(rendered: Mapping[str, RenderedEdition], out_dir: Path) -> list[Path]:
    """Write ``{lang}.html`` and ``{lang}.txt`` for every language (each replaced atomically)."""
    missing = [lang for lang in LANGUAGES if lang not in rendered]
    if missing:
        raise RenderError(f"refusing to write an edition without {', '.join(missing)}")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for lang in LANGUAGES:
        for suffix, content in (("html", rendered[lang].html), ("txt", rendered[lang].text)):
            target = out_dir / f"{lang}.{suffix}"
            temporary = out_dir / f".{lang}.{suffix}.tmp"
            temporary.write_text(content, encoding="utf-8")
            os.replace(temporary, target)
            written.append(target)
    return written
