"""Approval: each language of an edition, then the edition.

A language is refused while any of its texts is missing, ``machine`` or ``needs_editing``:
the page lists them, each a link to its translation review, unless the approver ticks the box
that accepts the remaining machine texts as they are (audited item by item). The edition is
approved once its three languages are, and its content frozen with a hash: any later change
undoes the approvals it touches and returns the edition to review.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.draft import LocalText
from pipeline.errors import EditionError
from pipeline.jobs.approval import Standing, approve_edition, approve_language, load_standing
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.web.i18n import N_
from pipeline.web.routing import Ctx, view
from pipeline.web.views.editions import edition_row

DONE = {"language": N_("The language is approved."),
        "edition": N_("The edition is approved. Its content is frozen: any change sends it "
                      "back to review.")}
REFUSED_LANGUAGE = N_("%(language)s cannot be approved yet: the texts listed below still "
                      "need a person. Review them, or accept the machine texts as they are.")
MISSING = N_("%(language)s cannot be approved: some texts have no translation at all.")
REFUSED_EDITION = N_("Approve each language first.")
NOT_NOW = N_("This edition cannot be approved in its present state.")


def edition_id_of(ctx: Ctx) -> int:
    return int(ctx.request.path_params["edition_id"])


def standing_or_404(ctx: Ctx) -> Standing:
    try:
        return load_standing(ctx.app, ctx.actor, edition_id_of(ctx))
    except EditionError:
        raise HTTPException(404) from None


def titles_of(standing: Standing, lang: str) -> dict[str, str]:
    """Each record id of the plan with a title to show (in ``lang`` when it has one)."""
    titles: dict[str, str] = {}
    for section in standing.plan.sections:
        records: list[tuple[str, Mapping[str, LocalText]]] = [
            *((e.item_id, e.texts) for e in section.entries),
            *((e.event_id, e.texts) for e in section.events),
            *((f.figure_id, f.texts) for f in section.figures)]
        if section.editorial:
            records.append(("editorial", section.editorial))
        for record_id, texts in records:
            text = texts.get(lang) or next(iter(texts.values()), None)
            titles[record_id] = text.title if text else record_id
    return titles


def approval_page(ctx: Ctx, standing: Standing, status_code: int = 200, *,
                  problem: dict[str, Any] | None = None) -> Response:
    done = DONE.get(ctx.request.query_params.get("done", ""))
    item_ids = {e.item_id for e in standing.plan.entries}
    languages = []
    for lang in standing.languages:
        titles = titles_of(standing, lang.lang)
        languages.append({
            "code": lang.lang, "standing": lang,
            "missing": [(i, titles.get(i, i), i in item_ids) for i in lang.missing],
            "unreviewed": [(i, titles.get(i, i), i in item_ids) for i in lang.unreviewed]})
    return ctx.render("approval.html", status_code=status_code,
                      edition=edition_row(ctx, standing.edition), standing=standing,
                      languages=languages, problem=problem or {},
                      notice=ctx.gettext(done) if done else "",
                      can_approve=ctx.can(Action.APPROVE),
                      open=standing.edition.status in ("draft", "in_review"))


@view("/editions/{edition_id:int}/approval", access=Action.READ, name="approval")
def approval(ctx: Ctx) -> Response:
    return approval_page(ctx, standing_or_404(ctx))


@view("/editions/{edition_id:int}/approval/{lang}", access=Action.APPROVE, methods=("POST",),
      name="approval_language")
def approval_language(ctx: Ctx) -> Response:
    lang = str(ctx.request.path_params["lang"])
    if lang not in LANGUAGES:
        raise HTTPException(404)
    standing = standing_or_404(ctx)
    accept = ctx.field("accept_machine", 5) == "yes"
    try:
        approve_language(ctx.app, ctx.actor, edition_id_of(ctx), lang, accept_machine=accept)
    except EditionError:
        state = next(s for s in standing.languages if s.lang == lang)
        message = MISSING if state.missing else (
            REFUSED_LANGUAGE if state.unreviewed else NOT_NOW)
        return approval_page(ctx, standing_or_404(ctx), 409, problem={
            "lang": lang, "message": ctx.gettext(message, language=lang.upper())})
    return ctx.redirect(f"/editions/{edition_id_of(ctx)}/approval?done=language#lang-{lang}")


@view("/editions/{edition_id:int}/approval", access=Action.APPROVE, methods=("POST",),
      name="approval_edition")
def approval_edition(ctx: Ctx) -> Response:
    standing = standing_or_404(ctx)
    try:
        approve_edition(ctx.app, ctx.actor, edition_id_of(ctx))
    except EditionError:
        message = REFUSED_EDITION if not standing.all_approved else NOT_NOW
        return approval_page(ctx, standing, 409, problem={
            "lang": "", "message": ctx.gettext(message)})
    return ctx.redirect(f"/editions/{edition_id_of(ctx)}/approval?done=edition")


VIEWS = (approval, approval_language, approval_edition)
