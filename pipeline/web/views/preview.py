"""The preview: each language of an edition exactly as a subscriber will receive it (the
e-mail in a sandboxed frame, at a desktop or a phone's width, and its plain-text part), and a
test message to one's own address through the configured SMTP server.

The e-mail itself is served on its own address with its own policy: no script at all, its
inline styles allowed, shown only inside this app's frame (``frame-ancestors 'self'``) and
sandboxed (no script, no form, no same-origin access), whatever a title holds.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import ConfigError, DeliveryError, EditionError
from pipeline.jobs.preview import render_preview, send_test
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.render import RenderedEdition
from pipeline.store.listings import find_edition
from pipeline.web.i18n import N_
from pipeline.web.routing import Ctx, view
from pipeline.web.security import CONTENT_SECURITY_POLICY
from pipeline.web.views.editions import edition_row

VIEWS_OF = ("desktop", "phone", "text")
PAGE_POLICY = CONTENT_SECURITY_POLICY.replace("default-src 'none'",
                                              "default-src 'none'; frame-src 'self'")
"""The app's policy, plus frames from this site (the e-mail's own address)."""
EMAIL_POLICY = "; ".join([
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    "img-src https: data:",
    "frame-ancestors 'self'",
    "form-action 'none'",
    "base-uri 'none'",
    "sandbox allow-popups allow-popups-to-escape-sandbox",
])
"""An e-mail runs no script and posts no form; its inline styles and its https images show,
as in a mail client; only this app may frame it."""
SENT = N_("The test message in %(language)s is sent.")
BAD_ADDRESS = N_("Give one e-mail address, such as name@example.org.")
NOT_SENT = N_("The test message could not be sent: %(reason)s")


def edition_id_of(ctx: Ctx) -> int:
    return int(ctx.request.path_params["edition_id"])


def preview_or_404(ctx: Ctx, lang: str) -> RenderedEdition:
    if lang not in LANGUAGES:
        raise HTTPException(404)
    try:
        return render_preview(ctx.app, ctx.actor, edition_id_of(ctx), lang)
    except EditionError:
        raise HTTPException(404) from None


def preview_page(ctx: Ctx, status_code: int = 200, *, lang: str, shown: str, notice: str = "",
                 problem: str = "", address: str = "") -> Response:
    with ctx.app.session(readonly=True) as db:
        edition = find_edition(db, edition_id_of(ctx))
    if edition is None:
        raise HTTPException(404)
    rendered = preview_or_404(ctx, lang)
    response = ctx.render(
        "preview.html", status_code=status_code, edition=edition_row(ctx, edition),
        rendered=rendered, shown_lang=lang, shown=shown, notice=notice,
        problem=problem, address=address, views=VIEWS_OF, can_send=ctx.can(Action.SEND),
        size_kb=round(len(rendered.html.encode("utf-8")) / 1024))
    response.headers["content-security-policy"] = PAGE_POLICY
    return response


@view("/editions/{edition_id:int}/preview", access=Action.READ, name="preview")
def preview(ctx: Ctx) -> Response:
    query = ctx.request.query_params
    lang = query.get("lang", ctx.lang)
    shown = query.get("view", "desktop")
    if lang not in LANGUAGES or shown not in VIEWS_OF:
        raise HTTPException(404)
    notice = ctx.gettext(SENT, language=lang.upper()) if query.get("sent") == "1" else ""
    return preview_page(ctx, lang=lang, shown=shown, notice=notice)


@view("/editions/{edition_id:int}/preview/{lang}/email", access=Action.READ,
      name="preview_email")
def preview_email(ctx: Ctx) -> Response:
    rendered = preview_or_404(ctx, str(ctx.request.path_params["lang"]))
    return Response(rendered.html, media_type="text/html; charset=utf-8", headers={
        "content-security-policy": EMAIL_POLICY, "x-frame-options": "SAMEORIGIN",
        "cache-control": "no-store"})


@view("/editions/{edition_id:int}/preview/test", access=Action.SEND, methods=("POST",),
      name="preview_test")
def preview_test(ctx: Ctx) -> Response:
    lang = ctx.field("lang", 8)
    if lang not in LANGUAGES:
        raise HTTPException(400)
    address = ctx.field("to", 400)
    shown = ctx.field("view", 10)
    shown = shown if shown in VIEWS_OF else "desktop"
    try:
        send_test(ctx.app, ctx.actor, edition_id_of(ctx), lang, address)
    except ConfigError:
        return preview_page(ctx, 400, lang=lang, shown=shown, address=address,
                            problem=ctx.gettext(BAD_ADDRESS))
    except DeliveryError as exc:
        return preview_page(ctx, 502, lang=lang, shown=shown, address=address,
                            problem=ctx.gettext(NOT_SENT, reason=str(exc)))
    except EditionError:
        raise HTTPException(404) from None
    return ctx.redirect(f"/editions/{edition_id_of(ctx)}/preview?lang={lang}&view={shown}"
                        "&sent=1")


VIEWS = (preview, preview_email, preview_test)
