"""What the team writes into a Newsletter: the editorial (per language), key figures (number,
unit, one sentence, source link) and agenda entries (dates, place, link; also exported as
iCalendar). Each form writes one language's words and the block's own fields; a change made
on an older version than stored is refused with both versions shown, never written over.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import EditConflict, EditionError
from pipeline.jobs.editor import (
    STEPS,
    BlockForm,
    add_block,
    agenda_ics,
    move_block,
    remove_block,
    save_block,
    save_editorial,
)
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.states import BlockKind
from pipeline.store.blocks import load_blocks
from pipeline.web.i18n import N_
from pipeline.web.routing import Ctx, view
from pipeline.web.views.editor import Problem, changed, content_lang, edition_id_of

BAD_NUMBER = N_("The number must be written with digits, such as 17 or 1.5.")
BAD_DATE = N_("The dates must be written as year-month-day, with a time if needed.")
BAD_LINK = N_("Links must start with https:// or http://.")
CONFLICT = N_("Someone changed this meanwhile: nothing was saved. Compare, then save again.")
KINDS = {"key-figure": BlockKind.KEY_FIGURE, "event": BlockKind.EVENT}
MAX_TEXT = 20_000


@dataclass(frozen=True, slots=True)
class Conflict:
    """A block's save refused: what is stored now (by whom, when) and what the person sent."""

    block_id: int
    lang: str
    theirs_title: str
    theirs_summary: str
    by: str | None
    at: datetime | None
    mine_title: str
    mine_summary: str
    text_version: int | None
    block_version: int


def _number(ctx: Ctx, raw: str) -> float:
    text = raw.strip().replace("\u202f", "").replace("\xa0", "").replace(" ", "")
    text = text.replace(",", ".") if text.count(",") == 1 and "." not in text else text
    try:
        value = float(text)
    except ValueError:
        raise Problem(ctx.gettext(BAD_NUMBER), 400) from None
    if not math.isfinite(value) or abs(value) > 1e15:
        raise Problem(ctx.gettext(BAD_NUMBER), 400)
    return value


def _moment(ctx: Ctx, raw: str) -> datetime | None:
    if not raw.strip():
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise Problem(ctx.gettext(BAD_DATE), 400) from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _link(ctx: Ctx, raw: str) -> str:
    link = raw.strip()
    if link and not link.lower().startswith(("https://", "http://")):
        raise Problem(ctx.gettext(BAD_LINK), 400)
    return link


def _version(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


def read_form(ctx: Ctx, kind: BlockKind) -> BlockForm:
    """The fields of a key figure or agenda entry form, checked."""
    fields: dict[str, Any] = {}
    if kind is BlockKind.KEY_FIGURE:
        fields = {"value": _number(ctx, ctx.field("value", 40)),
                  "source_name": ctx.field("source_name", 300).strip(),
                  "url": _link(ctx, ctx.field("url", 2000))}
    elif kind is BlockKind.EVENT:
        fields = {"starts_at": _moment(ctx, ctx.field("starts_at", 40)),
                  "ends_at": _moment(ctx, ctx.field("ends_at", 40)),
                  "place": ctx.field("place", 300).strip(),
                  "url": _link(ctx, ctx.field("url", 2000))}
    return BlockForm(content_lang(ctx), ctx.field("title", 500), ctx.field("summary", MAX_TEXT),
                     fields, text_version=_version(ctx.field("text_version", 12)),
                     block_version=_version(ctx.field("block_version", 12)))


def _block_id(ctx: Ctx) -> int:
    return int(ctx.request.path_params["block_id"])


def conflict_of(ctx: Ctx, edition_id: int, block_id: int, form: BlockForm) -> Problem:
    with ctx.app.session(readonly=True) as db:
        block = next((b for b in load_blocks(db, edition_id) if b.id == block_id), None)
    if block is None:
        raise HTTPException(404)
    stored = block.texts.get(form.lang)
    return Problem(ctx.gettext(CONFLICT), 409, conflict=Conflict(
        block_id, form.lang, stored.title if stored else "", stored.summary if stored else "",
        (stored.edited_by if stored else None) or block.updated_by,
        (stored.edited_at if stored else None) or block.updated_at, form.title, form.summary,
        stored.version if stored else None, block.version))


@view("/editions/{edition_id:int}/blocks", access=Action.EDIT, methods=("POST",),
      name="block_add")
def add(ctx: Ctx) -> Response:
    """A new key figure or agenda entry."""
    edition_id = edition_id_of(ctx)
    kind = KINDS.get(ctx.field("kind", 20))
    if kind is None:
        raise HTTPException(400)
    return changed(ctx, edition_id, lambda: add_block(ctx.app, ctx.actor, edition_id, kind,
                                                      read_form(ctx, kind)),
                   "section-key-figures" if kind is BlockKind.KEY_FIGURE else "section-agenda")


@view("/editions/{edition_id:int}/blocks/{block_id:int}", access=Action.EDIT,
      methods=("POST",), name="block_save")
def save(ctx: Ctx) -> Response:
    """A block's fields and its words in the chosen language."""
    edition_id, block_id = edition_id_of(ctx), _block_id(ctx)
    kind = KINDS.get(ctx.field("kind", 20))
    if kind is None:
        raise HTTPException(400)

    def change() -> None:
        form = read_form(ctx, kind)
        try:
            save_block(ctx.app, ctx.actor, edition_id, block_id, form)
        except EditConflict:
            raise conflict_of(ctx, edition_id, block_id, form) from None

    return changed(ctx, edition_id, change, f"block-{block_id}")


@view("/editions/{edition_id:int}/editorial", access=Action.EDIT, methods=("POST",),
      name="editorial_save")
def editorial(ctx: Ctx) -> Response:
    edition_id = edition_id_of(ctx)
    form = BlockForm(content_lang(ctx), ctx.field("title", 500), ctx.field("summary", MAX_TEXT),
                     {}, text_version=_version(ctx.field("text_version", 12)))

    def change() -> None:
        try:
            save_editorial(ctx.app, ctx.actor, edition_id, form.lang, title=form.title,
                           body=form.summary, version=form.text_version)
        except EditConflict:
            block_id = int(ctx.field("block_id", 12) or 0)
            raise conflict_of(ctx, edition_id, block_id, form) from None

    return changed(ctx, edition_id, change, "section-editorial")


@view("/editions/{edition_id:int}/blocks/{block_id:int}/remove", access=Action.EDIT,
      methods=("POST",), name="block_remove")
def remove(ctx: Ctx) -> Response:
    edition_id, block_id = edition_id_of(ctx), _block_id(ctx)
    return changed(ctx, edition_id, lambda: remove_block(ctx.app, ctx.actor, edition_id,
                                                         block_id))


@view("/editions/{edition_id:int}/blocks/{block_id:int}/move", access=Action.EDIT,
      methods=("POST",), name="block_move")
def move(ctx: Ctx) -> Response:
    edition_id, block_id = edition_id_of(ctx), _block_id(ctx)
    step = ctx.field("step", 10)
    if step not in STEPS:
        raise HTTPException(400)
    return changed(ctx, edition_id, lambda: move_block(ctx.app, ctx.actor, edition_id,
                                                       block_id, step), f"block-{block_id}")


@view("/editions/{edition_id:int}/agenda/{lang}.ics", access=Action.READ, name="agenda_ics")
def agenda(ctx: Ctx) -> Response:
    """The edition's agenda as iCalendar, in one language (what the render stage exports)."""
    lang = ctx.request.path_params["lang"]
    if lang not in LANGUAGES:
        raise HTTPException(404)
    edition_id = edition_id_of(ctx)
    try:
        body = agenda_ics(ctx.app, ctx.actor, edition_id, lang)
    except EditionError:
        raise HTTPException(404) from None
    return Response(body, media_type="text/calendar; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="agenda-{edition_id}-{lang}.ics"'})


VIEWS = (add, save, editorial, remove, move, agenda)
"""The views of the Newsletter's blocks."""

__all__ = ["VIEWS", "Conflict"]
