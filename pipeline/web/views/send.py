"""The Send page of an edition (approvers): who it reaches, by language; a confirmation that
names the number of recipients; live progress (htmx polling); pause and resume."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import EditionError, PipelineError
from pipeline.jobs.send import pause_sending
from pipeline.jobs.send_control import SendOverview, send_overview, start_sending
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.states import EditionStatus
from pipeline.web.i18n import N_
from pipeline.web.routing import Ctx, view
from pipeline.web.views.editions import edition_row

CONFIRM_FIRST = N_("Tick the box to confirm the number of recipients.")
STARTED = N_("Sending has started.")
PAUSED = N_("Sending is paused: no message goes out until you resume.")
RESUMED = N_("Sending has resumed.")
DELIVERY_STATES = {"pending": N_("Waiting"), "sending": N_("Being sent"), "sent": N_("Sent"),
                   "deferred": N_("To retry"), "failed": N_("Failed"),
                   "bounced": N_("Bounced"), "skipped": N_("Skipped (unsubscribed)")}
DONE = {"started": STARTED, "paused": PAUSED, "resumed": RESUMED}


def overview_of(ctx: Ctx) -> SendOverview:
    edition_id = int(ctx.request.path_params["edition_id"])
    try:
        return send_overview(ctx.app, ctx.actor, edition_id)
    except EditionError:
        raise HTTPException(404) from None


def values(ctx: Ctx, overview: SendOverview) -> dict[str, Any]:
    edition = overview.edition
    return {
        "row": edition_row(ctx, edition), "overview": overview,
        "languages": [(lang, overview.audience.get(lang, 0),
                       overview.languages.get(lang, {"total": 0, "sent": 0}))
                      for lang in LANGUAGES],
        "states": [(status, ctx.gettext(label), overview.counts.get(status, 0))
                   for status, label in DELIVERY_STATES.items() if overview.counts.get(status)],
        "live": edition.status == EditionStatus.SENDING,
        "can_start": edition.status == EditionStatus.APPROVED and not overview.problem,
        "can_pause": edition.status == EditionStatus.SENDING,
        "can_resume": edition.status == EditionStatus.PAUSED and not overview.problem,
    }


def page(ctx: Ctx, *, status_code: int = 200, error: str = "") -> Response:
    overview = overview_of(ctx)
    done = DONE.get(ctx.request.query_params.get("done", ""))
    return ctx.render("send.html", status_code=status_code, error=error,
                      done=ctx.gettext(done) if done else "", **values(ctx, overview))


@view("/editions/{edition_id:int}/send", access=Action.SEND, name="send")
def send_page(ctx: Ctx) -> Response:
    return page(ctx)


@view("/editions/{edition_id:int}/send/progress", access=Action.SEND, name="send_progress")
def send_progress(ctx: Ctx) -> Response:
    """The progress block alone, polled by htmx every two seconds while sending (the whole
    page for a plain request)."""
    if "hx-request" not in ctx.request.headers:
        return page(ctx)
    return ctx.render("_send_progress.html", **values(ctx, overview_of(ctx)))


@view("/editions/{edition_id:int}/send", access=Action.SEND, methods=("POST",),
      name="send_start")
def send_start(ctx: Ctx) -> Response:
    edition_id = int(ctx.request.path_params["edition_id"])
    if ctx.field("confirm", 10) != "yes":
        return page(ctx, status_code=400, error=ctx.gettext(CONFIRM_FIRST))
    try:
        recipients = int(ctx.field("recipients", 12))
    except ValueError:
        raise HTTPException(400) from None
    try:
        start_sending(ctx.app, ctx.actor, edition_id, recipients=recipients)
    except PipelineError as exc:
        return page(ctx, status_code=409, error=str(exc))
    return ctx.redirect(f"/editions/{edition_id}/send?done=started")


@view("/editions/{edition_id:int}/send/pause", access=Action.SEND, methods=("POST",),
      name="send_pause")
def send_pause(ctx: Ctx) -> Response:
    edition_id = int(ctx.request.path_params["edition_id"])
    try:
        pause_sending(ctx.app, ctx.actor, edition_id)
    except PipelineError as exc:
        return page(ctx, status_code=409, error=str(exc))
    return ctx.redirect(f"/editions/{edition_id}/send?done=paused")


@view("/editions/{edition_id:int}/send/resume", access=Action.SEND, methods=("POST",),
      name="send_resume")
def send_resume(ctx: Ctx) -> Response:
    edition_id = int(ctx.request.path_params["edition_id"])
    try:
        start_sending(ctx.app, ctx.actor, edition_id, resume=True)
    except PipelineError as exc:
        return page(ctx, status_code=409, error=str(exc))
    return ctx.redirect(f"/editions/{edition_id}/send?done=resumed")


VIEWS = (send_page, send_progress, send_start, send_pause, send_resume)
