"""Signing in and out."""

from __future__ import annotations

from starlette.responses import Response

from pipeline.errors import SignInRefused, TooManyAttempts
from pipeline.jobs.accounts import sign_in, sign_out
from pipeline.passwords import MAX_PASSWORD
from pipeline.permissions import Action, Actor
from pipeline.web.i18n import N_
from pipeline.web.routing import Ctx, Gate, view
from pipeline.web.security import safe_next

WRONG = N_("Wrong name or password.")
THROTTLED = N_("Too many failed attempts. Wait a quarter of an hour, then try again.")


def home_for(actor: Actor) -> str:
    """Where a person lands after signing in (an ambassador has no editions to read: the
    portal)."""
    if actor.can(Action.READ):
        return "/"
    return "/portal" if actor.can(Action.SUBMIT) else "/account"


@view("/login", access=Gate.PUBLIC, name="login")
def login_form(ctx: Ctx) -> Response:
    wanted = safe_next(ctx.request.query_params.get("next"))
    if ctx.visitor is not None:
        return ctx.redirect(wanted or home_for(ctx.visitor.actor))
    return ctx.render("login.html", next=wanted or "", name="", error=None)


@view("/login", access=Gate.PUBLIC, methods=("POST",), name="login_submit")
def login_submit(ctx: Ctx) -> Response:
    name = ctx.field("name", 200)
    password = ctx.field("password", MAX_PASSWORD + 1)
    wanted = safe_next(ctx.field("next", 2000))
    try:
        token, visitor = sign_in(ctx.app, name, password, client=ctx.client,
                                 policy=ctx.config.policy, replaces=ctx.session_token or None)
    except TooManyAttempts as exc:
        return ctx.render("login.html", status_code=429,
                          headers={"Retry-After": str(exc.retry_after_s)},
                          next=wanted or "", name=name, error=ctx.gettext(THROTTLED))
    except SignInRefused:
        return ctx.render("login.html", status_code=401, next=wanted or "", name=name,
                          error=ctx.gettext(WRONG))
    response = ctx.redirect(wanted or home_for(visitor.actor))
    ctx.set_session_cookie(response, token)
    return response


@view("/logout", access=Gate.SIGNED_IN, methods=("POST",), name="logout")
def logout(ctx: Ctx) -> Response:
    sign_out(ctx.app, ctx.session_token)
    response = ctx.redirect("/login")
    ctx.clear_session_cookie(response)
    return response


VIEWS = (login_form, login_submit, logout)
