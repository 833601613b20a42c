"""An item's title and summary in one language, edited by a person; comments on items.

Saving carries the version the person saw: when a colleague saved the same text meanwhile,
nothing is written and the page shows "changed by X at T" with both versions (the stored one
and yours, ready to save again on top of theirs): never a silent overwrite.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import ConfigError, EditConflict, EditionError
from pipeline.jobs.review import comment_item
from pipeline.jobs.texts import edit_text
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.store.inbox import load_item_detail
from pipeline.store.models import ItemText
from pipeline.web.i18n import N_, format_moment
from pipeline.web.labels import TEXT_STATES
from pipeline.web.routing import Ctx, view
from pipeline.web.security import safe_next

CONFLICT = N_("%(name)s changed this text at %(when)s, after you opened it: nothing was saved. "
              "Compare the two versions; saving again puts yours in place of theirs.")
SOMEONE = N_("Someone")
TITLE_NEEDED = N_("A text needs a title.")
COMMENT_REFUSED = N_("The comment could not be added: %(reason)s")
MAX_SUMMARY = 5000


def _target(ctx: Ctx) -> tuple[int, str]:
    item_id, lang = int(ctx.request.path_params["item_id"]), ctx.request.path_params["lang"]
    if lang not in LANGUAGES:
        raise HTTPException(404)
    return item_id, lang


def _next(ctx: Ctx, item_id: int) -> str:
    given = ctx.request.query_params.get("next") or ctx.field("next", 2000)
    return safe_next(given) or f"/inbox/items/{item_id}#texts"


def last_change(text: ItemText) -> tuple[str | None, Any]:
    """Who changed a text last, and when (a person's step, else nobody known)."""
    steps = [(text.edited_at, text.edited_by), (text.reviewed_at, text.reviewed_by),
             (text.approved_at, text.approved_by)]
    dated = [(at, by) for at, by in steps if at is not None]
    if not dated:
        return None, None
    at, by = max(dated, key=lambda step: step[0])
    return by, at


def _page(ctx: Ctx, item_id: int, lang: str, status_code: int = 200, **values: Any
          ) -> Response:
    with ctx.app.session(readonly=True) as db:
        detail = load_item_detail(db, item_id)
    if detail is None:
        raise HTTPException(404)
    texts = {text.lang: text for text in detail.texts}
    current = texts.get(lang)
    return ctx.render(
        "text_edit.html", status_code=status_code, item=detail.item, lang_code=lang,
        current=current, others=[texts[code] for code in LANGUAGES if code in texts and
                                 code != lang], text_states=TEXT_STATES,
        next_url=_next(ctx, item_id), **{"mine": None, "problem": "", **values})


@view("/items/{item_id:int}/texts/{lang}", access=Action.EDIT, name="text_edit")
def edit_page(ctx: Ctx) -> Response:
    item_id, lang = _target(ctx)
    return _page(ctx, item_id, lang)


@view("/items/{item_id:int}/texts/{lang}", access=Action.EDIT, methods=("POST",),
      name="text_save")
def save_text(ctx: Ctx) -> Response:
    item_id, lang = _target(ctx)
    title, summary = ctx.field("title", 1000), ctx.field("summary", MAX_SUMMARY)
    raw_version = ctx.field("version", 12)
    version = int(raw_version) if raw_version.isdigit() else None
    mine = {"title": title, "summary": summary}
    if not title.strip():
        return _page(ctx, item_id, lang, 400, mine=mine, problem=ctx.gettext(TITLE_NEEDED))
    try:
        edit_text(ctx.app, ctx.actor, item_id, lang, title=title, summary=summary,
                  version=version)
    except EditConflict:
        with ctx.app.session(readonly=True) as db:
            detail = load_item_detail(db, item_id)
        stored = next((t for t in detail.texts if t.lang == lang), None) if detail else None
        by, at = last_change(stored) if stored else (None, None)
        problem = ctx.gettext(CONFLICT, name=by or ctx.gettext(SOMEONE),
                              when=_moment(ctx, at))
        return _page(ctx, item_id, lang, 409, mine=mine, problem=problem, conflict=True)
    except (EditionError, ConfigError) as error:
        return _page(ctx, item_id, lang, 409, mine=mine, problem=str(error))
    return ctx.redirect(_next(ctx, item_id))


def _moment(ctx: Ctx, value: Any) -> str:
    return format_moment(value, ctx.lang) if value else "?"


@view("/items/{item_id:int}/comments", access=Action.EDIT, methods=("POST",),
      name="comment_add")
def add_comment(ctx: Ctx) -> Response:
    item_id = int(ctx.request.path_params["item_id"])
    edition = ctx.field("edition", 12)
    try:
        comment_item(ctx.app, ctx.actor, item_id, ctx.field("body", 5000),
                     edition_id=int(edition) if edition.isdigit() else None)
    except EditionError as error:
        return ctx.render("error.html", status_code=400, status=400,
                          message=ctx.gettext(COMMENT_REFUSED, reason=str(error)))
    return ctx.redirect(safe_next(ctx.field("next", 2000)) or f"/inbox/items/{item_id}#comments")


VIEWS = (edit_page, save_text, add_comment)
"""Editing an item's text; comments."""

__all__ = ["VIEWS", "last_change"]
