"""The ambassador portal: send a link or a text from one's region, and follow what became of
each submission; and the team's side: every submission, and "return with comment".

An ambassador sees their own submissions only (the list is read by account; one submission's
page checks region and owner with ``ctx.require``); the region of their submissions is their
account's. A team member submitting chooses the region.
"""

from __future__ import annotations

from typing import Any

from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import FormError, TooManySubmissions
from pipeline.jobs.submissions import (
    MAX_COMMENT,
    MAX_CREDIT,
    MAX_SUMMARY,
    MAX_TITLE,
    MAX_URL,
    NewSubmission,
    archive_link,
    kick_submissions,
    return_to_ambassador,
    submit_news,
)
from pipeline.permissions import Action
from pipeline.records import LANGUAGES, REGIONS
from pipeline.states import Role, SubmissionStatus, TextState
from pipeline.store.submissions import SubmissionRow, get_submission, list_submissions
from pipeline.store.texts import load_texts
from pipeline.web.i18n import N_
from pipeline.web.labels import (
    REGIONS as REGION_NAMES,
)
from pipeline.web.labels import (
    SUBMISSION_STATUSES,
    THEMES,
    WRITTEN_LANGUAGES,
)
from pipeline.web.routing import Ctx, view
from pipeline.web.security import safe_next

PAGE_SIZE = 100
TEXT_STATES = {TextState.ORIGINAL: N_("Original"), TextState.MACHINE: N_("Machine translation"),
               TextState.NEEDS_TRANSLATION: N_("Needs a translator"),
               TextState.NEEDS_EDITING: N_("Needs editing"), TextState.REVIEWED: N_("Reviewed"),
               TextState.APPROVED: N_("Approved")}
PROBLEMS = {
    "kind": N_("Choose a link or a text."),
    "region": N_("Choose a region."),
    "lang": N_("Choose the language it is written in."),
    "theme": N_("Choose one of the themes offered."),
    "url_missing": N_("Give the address of the page."),
    "url_refused": N_("This address cannot be collected: only public http and https "
                      "addresses can."),
    "url_long": N_("This address is too long."),
    "image_url_refused": N_("The image link must be a public http or https address."),
    "image_url_long": N_("This address is too long."),
    "title_missing": N_("Give a title."),
    "title_long": N_("The title is too long (at most %(max)d characters)."),
    "summary_missing": N_("Write a short summary."),
    "summary_long": N_("The summary is too long (at most %(max)d characters)."),
    "image_credit_long": N_("The credit is too long (at most %(max)d characters)."),
    "comment_missing": N_("Write a comment for the ambassador."),
    "comment_long": N_("The comment is too long (at most %(max)d characters)."),
}
LIMITS = {"title_long": MAX_TITLE, "summary_long": MAX_SUMMARY,
          "image_credit_long": MAX_CREDIT, "comment_long": MAX_COMMENT}
TOO_MANY = N_("You have sent many submissions in the last hour. Wait a while, then try again.")
DONE = {"received": N_("Received, thank you. You can follow what becomes of it below."),
        "duplicate": N_("This link was already collected: you are added as a second source "
                        "of it."),
        "returned": N_("The submission is returned to the ambassador with your comment.")}
FORM_FIELDS = ("kind", "url", "title", "summary", "lang", "region", "theme", "image_url",
               "image_credit")


def problem_text(ctx: Ctx, code: str) -> str:
    message = PROBLEMS.get(code, PROBLEMS["kind"])
    return ctx.gettext(message, max=LIMITS[code]) if code in LIMITS else ctx.gettext(message)


def archive_url(ctx: Ctx, row: SubmissionRow) -> str:
    """The archive page of the edition that published it, in the visitor's language."""
    return archive_link(ctx.app, row.edition, ctx.lang) \
        if row.status == SubmissionStatus.PUBLISHED else ""


def shown(ctx: Ctx, row: SubmissionRow) -> dict[str, Any]:
    """A submission as a template shows it (every value plain text, escaped there)."""
    url = row.url if row.url and row.url.startswith(("https://", "http://")) else ""
    image = row.image_url if row.image_url and row.image_url.startswith(
        ("https://", "http://")) else ""
    return {
        "id": row.id, "user_name": row.user_name, "kind": row.kind, "url": url,
        "title": row.title or row.item_title or row.url or "", "summary": row.summary,
        "lang": WRITTEN_LANGUAGES.get(row.lang or "", row.lang or ""),
        "region": ctx.gettext(REGION_NAMES[row.region]) if row.region in REGION_NAMES else "",
        "theme": ctx.gettext(THEMES[row.theme]) if row.theme in THEMES else "",
        "image_url": image, "image_credit": row.image_credit or "",
        "status": str(row.status), "status_label": ctx.gettext(SUBMISSION_STATUSES[row.status]),
        "error": row.error or "", "duplicate": row.duplicate, "item_id": row.item_id,
        "returned_by": row.returned_by or "", "returned_at": row.returned_at,
        "comment": row.return_comment or "", "created_at": row.created_at,
        "archive_url": archive_url(ctx, row)}


def form_choices(ctx: Ctx) -> dict[str, Any]:
    return {
        "languages": list(WRITTEN_LANGUAGES.items()),
        "themes": [(key, ctx.gettext(label)) for key, label in THEMES.items()],
        "regions": [(key, ctx.gettext(REGION_NAMES[key])) for key in REGIONS],
        "limits": {"title": MAX_TITLE, "summary": MAX_SUMMARY, "url": MAX_URL,
                   "credit": MAX_CREDIT}}


def portal_page(ctx: Ctx, status_code: int = 200, values: dict[str, str] | None = None,
                errors: dict[str, str] | None = None, alert: str = "") -> Response:
    actor = ctx.actor
    with ctx.app.session(readonly=True) as db:
        rows = list_submissions(db, user_id=actor.user_id or -1, limit=PAGE_SIZE)
    done = DONE.get(ctx.request.query_params.get("done", ""))
    own_region = actor.region if actor.role is Role.AMBASSADOR else None
    defaults = {"kind": "link", "lang": ctx.lang}
    return ctx.render(
        "portal.html", status_code=status_code, rows=[shown(ctx, r) for r in rows],
        values={**defaults, **(values or {})}, errors=errors or {}, alert=alert,
        done=ctx.gettext(done) if done else "",
        own_region=ctx.gettext(REGION_NAMES[own_region]) if own_region else "",
        **form_choices(ctx))


@view("/portal", access=Action.SUBMIT, name="portal")
def portal(ctx: Ctx) -> Response:
    return portal_page(ctx)


@view("/portal/submissions", access=Action.SUBMIT, methods=("POST",), name="portal_submit")
def portal_submit(ctx: Ctx) -> Response:
    values = {name: ctx.field(name, MAX_SUMMARY + 1) for name in FORM_FIELDS}
    try:
        receipt = submit_news(ctx.app, ctx.actor, NewSubmission(**values))
    except FormError as exc:
        return portal_page(ctx, 400, values, {exc.path or "kind": problem_text(ctx, exc.code)})
    except TooManySubmissions as exc:
        response = portal_page(ctx, 429, values, alert=ctx.gettext(TOO_MANY))
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response
    response = ctx.redirect("/portal?done=" + ("duplicate" if receipt.duplicate else
                                               "received"))
    if ctx.app.settings.submissions_in_web and not receipt.duplicate:
        response.background = BackgroundTask(kick_submissions, ctx.app)
    return response


def submission_id_of(ctx: Ctx) -> int:
    return int(ctx.request.path_params["submission_id"])


@view("/portal/submissions/{submission_id:int}", access=Action.SUBMIT,
      name="portal_submission")
def portal_submission(ctx: Ctx) -> Response:
    submission_id = submission_id_of(ctx)
    with ctx.app.session(readonly=True) as db:
        row = get_submission(db, submission_id)
        if row is None:
            raise HTTPException(404)
        ctx.require(Action.SUBMIT, region=row.region, owner_id=row.user_id or -1)
        found = list_submissions(db, ids=[submission_id], limit=1)
    return ctx.render("submission.html", row=shown(ctx, found[0]), team=False, errors={},
                      texts=[], done="")


@view("/submissions", access=Action.READ, name="submissions")
def team_submissions(ctx: Ctx) -> Response:
    status = ctx.request.query_params.get("status", "")
    region = ctx.request.query_params.get("region", "")
    with ctx.app.session(readonly=True) as db:
        rows = list_submissions(
            db, status=SubmissionStatus(status) if status in set(SubmissionStatus) else None,
            region=region if region in REGIONS else None, limit=PAGE_SIZE)
    done = DONE.get(ctx.request.query_params.get("done", ""))
    return ctx.render(
        "submissions.html", rows=[shown(ctx, r) for r in rows],
        status=status if status in set(SubmissionStatus) else "",
        region=region if region in REGIONS else "", done=ctx.gettext(done) if done else "",
        statuses=[(str(s), ctx.gettext(label)) for s, label in SUBMISSION_STATUSES.items()],
        **form_choices(ctx))


def team_submission_page(ctx: Ctx, status_code: int = 200,
                         errors: dict[str, str] | None = None) -> Response:
    submission_id = submission_id_of(ctx)
    with ctx.app.session(readonly=True) as db:
        found = list_submissions(db, ids=[submission_id], limit=1)
        item_id = found[0].item_id if found else None
        texts = load_texts(db, [item_id]).get(item_id, {}) if item_id else {}
    if not found:
        raise HTTPException(404)
    shown_texts = [{"lang": lang, "title": texts[lang].title, "summary": texts[lang].summary,
                    "state": ctx.gettext(TEXT_STATES.get(texts[lang].origin, N_("Machine")))}
                   for lang in LANGUAGES if lang in texts]
    done = DONE.get(ctx.request.query_params.get("done", ""))
    return ctx.render("submission.html", status_code=status_code, row=shown(ctx, found[0]),
                      team=True, errors=errors or {}, max_comment=MAX_COMMENT,
                      texts=shown_texts, done=ctx.gettext(done) if done else "")


@view("/submissions/{submission_id:int}", access=Action.READ, name="team_submission")
def team_submission(ctx: Ctx) -> Response:
    return team_submission_page(ctx)


@view("/submissions/{submission_id:int}/return", access=Action.EDIT, methods=("POST",),
      name="return_submission")
def return_submission(ctx: Ctx) -> Response:
    try:
        return_to_ambassador(ctx.app, ctx.actor, submission_id_of(ctx),
                             ctx.field("comment", MAX_COMMENT + 1))
    except FormError as exc:
        if exc.code == "missing":
            raise HTTPException(404) from None
        return team_submission_page(ctx, 400, {"comment": problem_text(ctx, exc.code)})
    target = safe_next(ctx.field("next", 300)) or "/submissions"
    return ctx.redirect(f"{target}{'&' if '?' in target else '?'}done=returned")


VIEWS = (portal, portal_submit, portal_submission, team_submissions, team_submission,
         return_submission)
