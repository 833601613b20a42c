"""The edition editor: an edition's sections in order, its entries arranged with buttons (no
JavaScript needed) or by drag and drop (static/app.js posts the same form), entries written
by the team; blocks (editorial, key figures, agenda) are :mod:`pipeline.web.views.blocks`.

Every change goes through :mod:`pipeline.jobs.editor` with the signed-in person as actor and
answers with the editor page (303 after a plain form post; htmx swaps ``#editor``). A change
the edition refuses (sent, or an entry gone meanwhile) shows its reason above the sections.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import ConfigError, EditConflict, EditionError
from pipeline.jobs.editions import current_plan, draft, last_day
from pipeline.jobs.editor import (
    STEPS,
    WRITABLE_SECTIONS,
    edition_sections,
    move_entry,
    remove_entry,
    write_entry,
)
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.states import BlockKind, EditionStatus
from pipeline.store.blocks import StoredBlock, load_blocks
from pipeline.store.comments import CommentView, load_comments
from pipeline.store.entries import OPEN_STATUSES
from pipeline.store.listings import find_edition
from pipeline.web.i18n import N_, format_days
from pipeline.web.labels import EDITION_STATUSES, PUBLICATIONS, REGIONS, SECTIONS, TEXT_STATES
from pipeline.web.routing import Ctx, view
from pipeline.web.security import safe_next

REFUSED = N_("This change could not be made: %(reason)s")
CLOSED = N_("This edition is “%(status)s”: its content can no longer change.")
APPROVED_NOTE = N_("This edition is approved: any change sends it back to review.")
DRAFT_FAILED = N_("The edition could not be drafted: %(reason)s")
MAX_TEXT = 5000


@dataclass(frozen=True, slots=True)
class EntryView:
    item_id: int
    title: str
    summary: str
    state: str
    text_lang: str
    """The language of the text shown (another one when none exists in the chosen one)."""
    source: str
    original_lang: str
    url: str
    group: str
    comments: list[CommentView]


@dataclass(slots=True)
class SectionView:
    id: str
    kind: str
    title: str
    entries: list[EntryView] = field(default_factory=list)
    blocks: list[StoredBlock] = field(default_factory=list)
    writable: bool = False


class Problem(Exception):
    """A change refused: shown above the editor's sections."""

    def __init__(self, message: str, status_code: int = 409, **context: Any) -> None:
        super().__init__(message)
        self.message, self.status_code, self.context = message, status_code, context


def edition_id_of(ctx: Ctx) -> int:
    return int(ctx.request.path_params["edition_id"])


def content_lang(ctx: Ctx) -> str:
    lang = ctx.request.query_params.get("lang") or ctx.field("lang", 8) or ctx.lang
    return lang if lang in LANGUAGES else ctx.lang


def editor_url(edition_id: int, lang: str, anchor: str = "") -> str:
    return f"/editions/{edition_id}/editor?{urlencode({'lang': lang})}" + (
        f"#{anchor}" if anchor else "")


def entry_view(entry: Any, lang: str, comments: list[CommentView]) -> EntryView:
    text = entry.texts.get(lang)
    shown = lang
    if text is None or not text.title.strip():
        shown = entry.original_lang if entry.original_lang in entry.texts else next(
            iter(entry.texts), lang)
        text = entry.texts.get(shown)
    url = entry.url if entry.url.startswith(("https://", "http://")) else ""
    return EntryView(int(entry.item_id), text.title if text else entry.item_id,
                     text.summary if text else "", str(text.origin) if text else "",
                     shown, entry.source_name, entry.original_lang, url, entry.group,
                     comments)


def build_sections(ctx: Ctx, edition: Any, lang: str) -> list[SectionView]:
    with ctx.app.session(readonly=True) as db:
        plan = current_plan(db, edition, ctx.app.settings.section_order)
        blocks = load_blocks(db, edition.id)
        comments = load_comments(db, [int(e.item_id) for e in plan.entries])
    placed = {section.id: section.entries for section in plan.sections}
    views = []
    for spec in edition_sections(ctx.app, edition, plan):
        label = SECTIONS.get(spec.id) or SECTIONS.get(f"theme-{spec.id}")
        section = SectionView(spec.id, spec.kind, ctx.gettext(label) if label else spec.id,
                              writable=spec.id in WRITABLE_SECTIONS)
        kind = {"editorial": BlockKind.EDITORIAL, "key-figures": BlockKind.KEY_FIGURE,
                "agenda": BlockKind.EVENT}.get(spec.kind)
        if kind is not None:
            section.blocks = [b for b in blocks if b.kind is kind]
            if kind is BlockKind.EVENT:
                section.blocks.sort(key=lambda b: (b.starts_at or edition.period_end_at, b.id))
        else:
            section.entries = [entry_view(e, lang, comments.get(int(e.item_id), []))
                               for e in placed.get(spec.id, ())]
        views.append(section)
    return views


def render_editor(ctx: Ctx, edition_id: int, *, status_code: int = 200, problem: str = "",
                  **context: Any) -> Response:
    lang = content_lang(ctx)
    with ctx.app.session(readonly=True) as db:
        edition = find_edition(db, edition_id)
    if edition is None:
        raise HTTPException(404)
    sections = build_sections(ctx, edition, lang)
    is_open = edition.status in OPEN_STATUSES
    notes = [] if is_open else [ctx.gettext(CLOSED, status=ctx.gettext(
        EDITION_STATUSES[edition.status]))]
    if edition.status == EditionStatus.APPROVED:
        notes.append(ctx.gettext(APPROVED_NOTE))
    if "hx-request" in ctx.request.headers and status_code >= 400:
        status_code = 200  # htmx swaps the page with the problem shown
    return ctx.render(
        "editor.html", status_code=status_code, edition=edition, content_lang=lang,
        sections=sections, editable=is_open and ctx.can(Action.EDIT),
        notes=notes, problem=problem, publication=ctx.gettext(PUBLICATIONS[edition.kind]),
        period=format_days(edition.period_start_at, last_day(edition), ctx.lang),
        status_label=ctx.gettext(EDITION_STATUSES[edition.status]), regions=REGIONS,
        text_states=TEXT_STATES, here=editor_url(edition.id, lang), steps=STEPS,
        entry_sections=[s for s in sections if s.kind == "entries"],
        conflict=context.get("conflict"), languages=LANGUAGES)


@view("/editions/{edition_id:int}/editor", access=Action.READ, name="editor")
def editor_page(ctx: Ctx) -> Response:
    return render_editor(ctx, edition_id_of(ctx))


def changed(ctx: Ctx, edition_id: int, change: Any, anchor: str = "") -> Response:
    """Run a change; back to the editor (303), or the editor with the reason it was refused."""
    try:
        change()
    except EditConflict as error:
        return render_editor(ctx, edition_id, status_code=409, problem=ctx.gettext(
            REFUSED, reason=str(error)))
    except Problem as problem:
        return render_editor(ctx, edition_id, status_code=problem.status_code,
                             problem=problem.message, **problem.context)
    except EditionError as error:
        return render_editor(ctx, edition_id, status_code=409,
                             problem=ctx.gettext(REFUSED, reason=str(error)))
    target = safe_next(ctx.field("next", 2000)) or editor_url(edition_id, content_lang(ctx),
                                                                anchor)
    return ctx.redirect(target)


def _ids(ctx: Ctx) -> tuple[int, int]:
    return edition_id_of(ctx), int(ctx.request.path_params["item_id"])


@view("/editions/{edition_id:int}/entries/{item_id:int}/move", access=Action.EDIT,
      methods=("POST",), name="entry_move")
def move(ctx: Ctx) -> Response:
    """``step`` (up, down, top, bottom), or ``section`` and optionally ``before`` (the item
    the entry goes before): the buttons, the "move to" list and a drag and drop."""
    edition_id, item_id = _ids(ctx)
    step, section, before = ctx.field("step", 10), ctx.field("section", 60), ctx.field(
        "before", 20)
    if (step and step not in STEPS) or (before and not before.isdigit()) or not (
            step or section):
        raise HTTPException(400)
    return changed(ctx, edition_id, lambda: move_entry(
        ctx.app, ctx.actor, edition_id, item_id, step=step or None,
        section=section or None, before=int(before) if before else None), f"entry-{item_id}")


@view("/editions/{edition_id:int}/entries/{item_id:int}/remove", access=Action.EDIT,
      methods=("POST",), name="entry_remove")
def remove(ctx: Ctx) -> Response:
    edition_id, item_id = _ids(ctx)
    return changed(ctx, edition_id, lambda: remove_entry(ctx.app, ctx.actor, edition_id,
                                                         item_id))


@view("/editions/{edition_id:int}/entries", access=Action.EDIT, methods=("POST",),
      name="entry_write")
def write(ctx: Ctx) -> Response:
    """An entry the team writes: a success story, a practical sheet."""
    edition_id = edition_id_of(ctx)
    url = ctx.field("url", 2000).strip()
    if url and not url.startswith(("https://", "http://")):
        raise HTTPException(400)
    lang = ctx.field("text_lang", 8)
    if lang not in LANGUAGES:
        raise HTTPException(400)
    section = ctx.field("section", 60)
    return changed(ctx, edition_id, lambda: write_entry(
        ctx.app, ctx.actor, edition_id, section, lang=lang, title=ctx.field("title", 500),
        summary=ctx.field("summary", MAX_TEXT), url=url,
        source_name=ctx.field("source_name", 300)), f"section-{section}")


@view("/editions/draft", access=Action.EDIT, methods=("POST",), name="edition_draft")
def draft_now(ctx: Ctx) -> Response:
    """Draft the next edition of a publication now (the scheduler does it every week or
    month); to its editor."""
    publication = ctx.field("publication", 20)
    if publication not in PUBLICATIONS:
        raise HTTPException(400)
    try:
        edition = draft(ctx.app, ctx.actor, publication)
    except (ConfigError, EditionError) as error:
        return ctx.render("error.html", status_code=409, status=409,
                          message=ctx.gettext(DRAFT_FAILED, reason=str(error)))
    return ctx.redirect(editor_url(edition.id, ctx.lang))


VIEWS = (editor_page, move, remove, write, draft_now)
"""The edition editor's views (its blocks: pipeline.web.views.blocks)."""

__all__ = ["VIEWS", "Problem", "changed", "content_lang", "edition_id_of", "editor_url",
           "render_editor"]
