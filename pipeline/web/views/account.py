"""One's own account: the interface language and the password."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pipeline.errors import ConfigError, SignInRefused, TooManyAttempts
from pipeline.jobs.accounts import change_password, open_session, set_language
from pipeline.passwords import MAX_PASSWORD, MIN_PASSWORD
from pipeline.records import LANGUAGES
from pipeline.web.i18n import N_
from pipeline.web.labels import REGIONS, ROLES
from pipeline.web.routing import Ctx, Gate, view

DONE = {"language": N_("The language is saved."),
        "password": N_("The password is changed. Your other sessions are signed out.")}
UNKNOWN_LANGUAGE = N_("Choose one of the languages offered.")
PASSWORDS_DIFFER = N_("The two new passwords are not the same.")
PASSWORD_LENGTH = N_("A password needs %(min)d to %(max)d characters.")
WRONG_CURRENT = N_("The current password is not right.")
THROTTLED = N_("Too many failed attempts. Wait a quarter of an hour, then try again.")


def _page(ctx: Ctx, status_code: int = 200, **errors: Any) -> Response:
    actor = ctx.actor
    done = DONE.get(ctx.request.query_params.get("done", ""))
    return ctx.render(
        "account.html", status_code=status_code,
        role=ctx.gettext(ROLES[actor.role]),
        region=ctx.gettext(REGIONS[actor.region]) if actor.region in REGIONS else "",
        chosen=ctx.visitor.language if ctx.visitor else None,
        min_password=MIN_PASSWORD, done=ctx.gettext(done) if done else "",
        language_error=errors.get("language_error", ""),
        password_error=errors.get("password_error", ""))


@view("/account", access=Gate.SIGNED_IN, name="account")
def account_page(ctx: Ctx) -> Response:
    return _page(ctx)


@view("/account/language", access=Gate.SIGNED_IN, methods=("POST",), name="account_language")
def account_language(ctx: Ctx) -> Response:
    chosen = ctx.field("language", 10)
    if chosen and chosen not in LANGUAGES:
        return _page(ctx, 400, language_error=ctx.gettext(UNKNOWN_LANGUAGE))
    set_language(ctx.app, ctx.actor, chosen or None)
    return ctx.redirect("/account?done=language")


@view("/account/password", access=Gate.SIGNED_IN, methods=("POST",), name="account_password")
def account_password(ctx: Ctx) -> Response:
    current = ctx.field("current", MAX_PASSWORD + 1)
    new, confirm = ctx.field("new", MAX_PASSWORD + 1), ctx.field("confirm", MAX_PASSWORD + 1)
    if new != confirm:
        return _page(ctx, 400, password_error=ctx.gettext(PASSWORDS_DIFFER))
    if not MIN_PASSWORD <= len(new) <= MAX_PASSWORD:
        message = ctx.gettext(PASSWORD_LENGTH, min=MIN_PASSWORD, max=MAX_PASSWORD)
        return _page(ctx, 400, password_error=message)
    actor = ctx.actor
    try:
        change_password(ctx.app, actor, actor.name, new, current_password=current,
                        client_ip=ctx.client.ip)
    except TooManyAttempts:
        return _page(ctx, 429, password_error=ctx.gettext(THROTTLED))
    except SignInRefused:
        return _page(ctx, 400, password_error=ctx.gettext(WRONG_CURRENT))
    except ConfigError:
        message = ctx.gettext(PASSWORD_LENGTH, min=MIN_PASSWORD, max=MAX_PASSWORD)
        return _page(ctx, 400, password_error=message)
    assert actor.user_id is not None
    token, _visitor = open_session(ctx.app, actor.user_id, client=ctx.client,
                                   policy=ctx.config.policy)
    response = ctx.redirect("/account?done=password")
    ctx.set_session_cookie(response, token)
    return response


VIEWS = (account_page, account_language, account_password)
