"""The translation review: an edition's texts worst first, and one item side by side
(original | FR | EN | ES) with its flags, the suspicious words marked, the glossary terms,
the translation memory's suggestions, a form per language and the states.

A save carries the version the person saw: when a colleague saved meanwhile, nothing is
overwritten; the page comes back (409) with "changed by X at T", their version and yours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import ConfigError, EditConflict, EditionError
from pipeline.jobs.translations import (
    LanguageReview,
    TextReview,
    load_review,
    load_text_review,
    mark_translation,
    save_translation,
)
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.states import TextState
from pipeline.web.i18n import N_, format_moment
from pipeline.web.labels import TEXT_FLAGS, TEXT_STATES
from pipeline.web.routing import Ctx, view
from pipeline.web.views.editions import edition_row

T = TypeVar("T")

SAVED = N_("Saved. The text is now reviewed.")
MARKED = N_("The state is changed.")
CONFLICT = N_("%(name)s changed this text at %(when)s while you were editing it. Your "
              "version is not saved: compare both below, then save yours again or keep "
              "theirs.")
THE_MACHINE = N_("the machine translation")
NO_TITLE = N_("A text needs a title.")
STATE_REFUSED = N_("This text cannot go from this state to that one.")
MARKS = {"number": N_("number not in the original"),
         "unknown": N_("word left untranslated"),
         "term": N_("glossary term")}
SHOW = ("todo", "all")
TITLE_CHARS = 500
SUMMARY_CHARS = 5000


def state_label(ctx: Ctx, state: str) -> str:
    return ctx.gettext(TEXT_STATES.get(TextState(state)) or state)


def edition_or_404(func: Callable[[], T]) -> T:
    """Run a reading job; an unknown edition (or an unreadable plan) is a 404."""
    try:
        return func()
    except EditionError:
        raise HTTPException(404) from None


@view("/editions/{edition_id:int}/translations", access=Action.READ, name="translations")
def translations_page(ctx: Ctx) -> Response:
    edition_id = int(ctx.request.path_params["edition_id"])
    edition, rows = edition_or_404(lambda: load_review(ctx.app, ctx.actor, edition_id))
    show = ctx.request.query_params.get("show", "todo")
    show = show if show in SHOW else "todo"
    shown = [row for row in rows if show == "all" or row.to_review]
    return ctx.render("translations.html", edition=edition_row(ctx, edition), rows=shown,
                      total=len(rows), to_review=sum(1 for r in rows if r.to_review),
                      show=show, state_label=lambda s: state_label(ctx, s),
                      flag_label=lambda f: ctx.gettext(TEXT_FLAGS.get(f) or f))


def lang_of(ctx: Ctx) -> str:
    lang = str(ctx.request.path_params.get("lang", ""))
    if lang not in LANGUAGES:
        raise HTTPException(404)
    return lang


def ids_of(ctx: Ctx) -> tuple[int, int]:
    return int(ctx.request.path_params["edition_id"]), int(ctx.request.path_params["item_id"])


def review_page(ctx: Ctx, review: TextReview, status_code: int = 200, *, notice: str = "",
                problem: dict[str, Any] | None = None) -> Response:
    """The side-by-side page; ``problem`` holds a refused save of one language (conflict or
    bad input) with what the person typed."""
    columns = [lang for lang in review.languages
               if review.original is None or lang.lang != review.original.lang]

    def changed_note(language: LanguageReview) -> str:
        if language.changed is None:
            return ""
        return language.changed.by or ctx.gettext(THE_MACHINE)

    return ctx.render(
        "translation.html", status_code=status_code, review=review, columns=columns,
        edition=edition_row(ctx, review.edition), notice=notice, problem=problem or {},
        state_label=lambda s: state_label(ctx, s),
        flag_label=lambda f: ctx.gettext(TEXT_FLAGS.get(f) or f),
        mark_label=lambda k: ctx.gettext(MARKS.get(k) or k), changed_note=changed_note,
        title_chars=TITLE_CHARS, summary_chars=SUMMARY_CHARS,
        can_approve=ctx.can(Action.APPROVE), can_edit=ctx.can(Action.EDIT),
        machine_states=("machine", "needs_editing"))


def load_or_404(ctx: Ctx) -> TextReview:
    edition_id, item_id = ids_of(ctx)
    review = edition_or_404(lambda: load_text_review(ctx.app, ctx.actor, edition_id, item_id))
    if review is None:
        raise HTTPException(404)
    return review


NOTICES = {"saved": SAVED, "marked": MARKED}


@view("/editions/{edition_id:int}/translations/{item_id:int}", access=Action.READ,
      name="translation")
def translation_page(ctx: Ctx) -> Response:
    review = load_or_404(ctx)
    notice = NOTICES.get(ctx.request.query_params.get("done", ""))
    return review_page(ctx, review, notice=ctx.gettext(notice) if notice else "")


def version_field(ctx: Ctx) -> int | None:
    raw = ctx.field("version", 12)
    if not raw:
        return None
    if not raw.isdigit():
        raise HTTPException(400)
    return int(raw)


def back_to(edition_id: int, item_id: int, lang: str, done: str) -> str:
    return f"/editions/{edition_id}/translations/{item_id}?done={done}#lang-{lang}"


@view("/editions/{edition_id:int}/translations/{item_id:int}/{lang}", access=Action.EDIT,
      methods=("POST",), name="translation_save")
def translation_save(ctx: Ctx) -> Response:
    edition_id, item_id = ids_of(ctx)
    lang = lang_of(ctx)
    title = ctx.field("title", TITLE_CHARS * 2)
    summary = ctx.field("summary", SUMMARY_CHARS * 2)
    version = version_field(ctx)
    try:
        saved = save_translation(ctx.app, ctx.actor, edition_id, item_id, lang, title=title,
                                 summary=summary, version=version)
    except EditConflict:
        review = load_or_404(ctx)
        return review_page(ctx, review, 409, problem={
            "lang": lang, "kind": "conflict", "message": conflict_message(ctx, review, lang),
            "title": title, "summary": summary})
    except ConfigError:
        review = load_or_404(ctx)
        return review_page(ctx, review, 400, problem={
            "lang": lang, "kind": "invalid", "message": ctx.gettext(NO_TITLE), "title": title,
            "summary": summary})
    if saved is None:
        raise HTTPException(404)
    return ctx.redirect(back_to(edition_id, item_id, lang, "saved"))


def conflict_message(ctx: Ctx, review: TextReview, lang: str) -> str:
    """"Changed by X at T": the last change of the stored text."""
    theirs = next(column for column in review.languages if column.lang == lang)
    changed = theirs.changed
    name = changed.by if changed and changed.by else ctx.gettext(THE_MACHINE)
    when = format_moment(changed.at, ctx.lang) if changed else ""
    return ctx.gettext(CONFLICT, name=name, when=when)


@view("/editions/{edition_id:int}/translations/{item_id:int}/{lang}/state",
      access=Action.EDIT, methods=("POST",), name="translation_state")
def translation_state(ctx: Ctx) -> Response:
    edition_id, item_id = ids_of(ctx)
    lang = lang_of(ctx)
    try:
        to = TextState(ctx.field("to", 30))
    except ValueError:
        raise HTTPException(400) from None
    if to not in (TextState.NEEDS_EDITING, TextState.REVIEWED, TextState.APPROVED):
        raise HTTPException(400)
    version = version_field(ctx)
    try:
        marked = mark_translation(ctx.app, ctx.actor, edition_id, item_id, lang, to,
                                  version=version)
    except EditConflict:
        review = load_or_404(ctx)
        return review_page(ctx, review, 409, problem={
            "lang": lang, "kind": "state", "message": conflict_message(ctx, review, lang)})
    except EditionError:
        review = load_or_404(ctx)
        return review_page(ctx, review, 409, problem={
            "lang": lang, "kind": "state", "message": ctx.gettext(STATE_REFUSED)})
    if marked is None:
        raise HTTPException(404)
    return ctx.redirect(back_to(edition_id, item_id, lang, "marked"))


VIEWS = (translations_page, translation_page, translation_save, translation_state)
