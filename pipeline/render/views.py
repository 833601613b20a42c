"""Build the per-language view of a plan that both the HTML and the plain-text templates read.

All escaping is left to the templates, except the editorial, which is rich text: it is cleaned
with nh3 here and passed on as :class:`markupsafe.Markup`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Mapping
from typing import Any

from babel import Locale
from markupsafe import Markup

from pipeline.errors import RenderError
from pipeline.render.i18n import format_day, format_moment, format_number
from pipeline.render.labels import label_region, label_section
from pipeline.render.model import EntryLike, EventLike, FigureLike, PlanLike, SectionLike, TextLike
from pipeline.render.safety import (
    check_url,
    looks_like_html,
    paragraphs_to_html,
    sanitize_html,
    strip_invisible,
)
from pipeline.states import UNREVIEWED_TEXT_STATES, TextState

Gettext = Callable[[str], str]
MISSING = (TextState.NEEDS_TRANSLATION,)


def is_missing(texts: Mapping[str, TextLike], lang: str) -> bool:
    """Whether a record has no usable text in ``lang``."""
    text = texts.get(lang)
    return text is None or text.origin in MISSING or not text.title.strip()


def find_untranslated(plan: PlanLike, lang: str) -> tuple[str, ...]:
    """Ids of the records of the plan that have no usable text in ``lang``, in plan order."""
    missing: list[str] = []
    for section in plan.sections:
        if section.kind == "editorial" and section.editorial and is_missing(
            section.editorial, lang
        ):
            missing.append("editorial")
        missing.extend(e.item_id for e in section.entries if is_missing(e.texts, lang))
        missing.extend(f.figure_id for f in section.figures if is_missing(f.texts, lang))
        missing.extend(v.event_id for v in section.events if is_missing(v.texts, lang))
    return tuple(missing)


def pick_text(texts: Mapping[str, TextLike], lang: str, fallback_lang: str) -> tuple[TextLike, str]:
    """The text to show in ``lang`` and the language it is really in (fallback when missing)."""
    if not is_missing(texts, lang):
        return texts[lang], lang
    for code in (fallback_lang, *sorted(texts)):
        if code in texts and texts[code].title.strip():
            return texts[code], code
    raise RenderError(f"{lang}: no title in any language")


def name_language(code: str, lang: str) -> str:
    """The name of language ``code`` written in ``lang`` ("anglais")."""
    try:
        return Locale.parse(code).get_display_name(lang) or code
    except (ValueError, TypeError):
        return code


def _view_entry(
    entry: EntryLike, lang: str, previous_group: str, gettext: Gettext
) -> dict[str, Any]:
    text, text_lang = pick_text(entry.texts, lang, entry.original_lang)
    image_url = check_url(entry.image_url)
    return {
        "item_id": entry.item_id,
        "title": strip_invisible(text.title).strip(),
        "summary": text.summary.strip(),
        "text_lang": text_lang,
        "url": check_url(entry.url),
        "source": entry.source_name,
        "date": format_day(entry.published_at, lang),
        "original_lang_label": (
            name_language(entry.original_lang, lang) if entry.original_lang != lang else ""
        ),
        "outlets_count": entry.outlets_count,
        "machine": text_lang == lang and text.origin in UNREVIEWED_TEXT_STATES,
        "missing": text_lang != lang,
        "also_in": [
            {"url": url, "lang": link.lang,
             "label": f"{name_language(link.lang, lang)} ({link.source_name})"
             if link.source_name else name_language(link.lang, lang)}
            for link in entry.also_in
            if (url := check_url(link.url)) is not None
        ],
        "image": ({"url": image_url, "alt": text.title.strip()}
                  if image_url and image_url.lower().startswith(("https://", "http://")) else None),
        "group_label": label_region(entry.group, gettext) if entry.group != previous_group else "",
    }


def _view_event(event: EventLike, lang: str) -> dict[str, Any]:
    text, text_lang = pick_text(event.texts, lang, lang)
    when = format_moment(event.starts_at, lang)
    if event.ends_at and event.ends_at.date() != event.starts_at.date():
        when = f"{format_day(event.starts_at, lang)} – {format_day(event.ends_at, lang)}"
    return {"title": text.title.strip(), "description": text.summary.strip(), "when": when,
            "place": event.place, "url": check_url(event.url),
            "machine": text_lang == lang and text.origin in UNREVIEWED_TEXT_STATES}


def _view_figure(figure: FigureLike, lang: str) -> dict[str, Any]:
    text, text_lang = pick_text(figure.texts, lang, lang)
    return {"value": format_number(figure.value, lang), "unit": text.title.strip(),
            "context": text.summary.strip(), "source_name": figure.source_name,
            "source_url": check_url(figure.source_url),
            "machine": text_lang == lang and text.origin in UNREVIEWED_TEXT_STATES}


def _view_editorial(section: SectionLike, lang: str) -> dict[str, Any]:
    text, text_lang = pick_text(section.editorial, lang, "fr")
    body = text.summary.strip()
    cleaned = sanitize_html(body) if looks_like_html(body) else paragraphs_to_html(body)
    plain = re.sub(r"\s*</p>\s*", "\n\n", cleaned)
    plain = html.unescape(re.sub(r"<br\s*/?>", "\n", plain))
    plain = re.sub(r"<[^>]+>", "", plain).strip()
    return {"editorial_title": text.title.strip(), "editorial_html": Markup(cleaned),
            "editorial_text": plain,
            "machine": text_lang == lang and text.origin in UNREVIEWED_TEXT_STATES}


def build_sections(
    plan: PlanLike, lang: str, gettext: Gettext, excluded: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The sections of the plan as template views; empty sections are left out."""
    views: list[dict[str, Any]] = []
    for section in plan.sections:
        view: dict[str, Any] = {"id": section.id, "kind": section.kind,
                                "title": label_section(section.id, gettext)}
        if section.kind == "editorial":
            if not section.editorial:
                continue
            view.update(_view_editorial(section, lang))
        elif section.kind == "key-figures":
            view["figures"] = [_view_figure(f, lang) for f in section.figures]
            if not view["figures"]:
                continue
        elif section.kind == "agenda":
            view["events"] = [_view_event(e, lang) for e in section.events]
            if not view["events"]:
                continue
        else:
            entries, group = [], ""
            for entry in section.entries:
                if entry.item_id in excluded:
                    continue
                entries.append(_view_entry(entry, lang, group, gettext))
                group = entry.group
            if not entries:
                continue
            view["entries"] = entries
        views.append(view)
    return views


def find_machine_translated(plan: PlanLike, lang: str) -> tuple[str, ...]:
    """Ids of the records whose ``lang`` text is an unreviewed machine translation (for approval:
    the approver accepts these explicitly)."""
    found: list[str] = []
    for section in plan.sections:
        if section.editorial and lang in section.editorial and (
            section.editorial[lang].origin in UNREVIEWED_TEXT_STATES
        ):
            found.append("editorial")
        for records in (section.entries, section.figures, section.events):
            for record in records:
                text = record.texts.get(lang)
                if text is not None and text.origin in UNREVIEWED_TEXT_STATES:
                    found.append(_record_id(record))
    return tuple(found)


def _record_id(record: EntryLike | FigureLike | EventLike) -> str:
    for name in ("item_id", "figure_id", "event_id"):
        value = getattr(record, name, None)
        if isinstance(value, str):
            return value
    return "?"
