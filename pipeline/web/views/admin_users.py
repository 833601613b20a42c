"""The administrator's users page (accounts, roles, regions, deactivation, password links,
invitations) and the public page a link from an invitation or a reset opens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import ConfigError, FormError, LinkRefused, PermissionDenied
from pipeline.jobs.invitations import (
    LinkSent,
    accept_link,
    check_link,
    invite,
    revoke_invitation,
    send_reset_link,
)
from pipeline.jobs.people import change_account, deactivate_account, reactivate_account
from pipeline.passwords import MAX_PASSWORD, MIN_PASSWORD
from pipeline.permissions import Action
from pipeline.records import REGIONS
from pipeline.states import Role, TokenPurpose
from pipeline.store.accounts import get_user_by_id
from pipeline.store.invitations import pending_invitations
from pipeline.store.people import list_people
from pipeline.web.i18n import LANGUAGE_NAMES, N_
from pipeline.web.labels import REGIONS as REGION_NAMES
from pipeline.web.labels import ROLES
from pipeline.web.routing import Ctx, Gate, view
from pipeline.web.views.auth import home_for

PROBLEMS = {
    "name": N_("Give an account name of 1 to 100 characters, on one line."),
    "name_taken": N_("This account name is taken (or already invited)."),
    "email": N_("Give an email address like name@example.org."),
    "role": N_("Choose one of the roles offered."),
    "region": N_("An ambassador needs a region."),
    "last_admin": N_("The last active administrator keeps the role and stays active."),
    "self": N_("You cannot deactivate your own account."),
    "deactivated": N_("This account is deactivated: reactivate it first."),
    "missing": N_("There is nothing at this address."),
    "password_length": N_("A password needs %(min)d to %(max)d characters."),
    "passwords_differ": N_("The two passwords are not the same."),
}
NO_KEY = N_("Links cannot be signed: the administrator must set PIPELINE_SECRET_KEY.")
DONE = {"changed": N_("The account is saved."),
        "deactivated": N_("The account is deactivated and signed out everywhere."),
        "reactivated": N_("The account is active again."),
        "revoked": N_("The invitation is withdrawn.")}
SENT = N_("The link was sent to %(email)s.")
NOT_SENT = N_("The message could not be sent (%(error)s): pass the link on yourself.")
NO_ADDRESS = N_("The account has no email address: pass the link on yourself.")
LINK_REFUSED = N_("This link cannot be used: it is not valid, has expired, or was used "
                  "already. Ask an administrator for a new one.")


def problem(ctx: Ctx, code: str) -> str:
    message = PROBLEMS.get(code, PROBLEMS["missing"])
    if code == "password_length":
        return ctx.gettext(message, min=MIN_PASSWORD, max=MAX_PASSWORD)
    return ctx.gettext(message)


def choices(ctx: Ctx) -> dict[str, Any]:
    return {"roles": [(str(role), ctx.gettext(ROLES[role])) for role in Role],
            "regions": [(key, ctx.gettext(REGION_NAMES[key])) for key in REGIONS],
            "languages": list(LANGUAGE_NAMES.items())}


def sent_notice(ctx: Ctx, sent: LinkSent) -> dict[str, str]:
    if sent.mailed_to and not sent.mail_error:
        note = ctx.gettext(SENT, email=sent.mailed_to)
    elif sent.mailed_to:
        note = ctx.gettext(NOT_SENT, error=sent.mail_error or "")
    else:
        note = ctx.gettext(NO_ADDRESS)
    return {"link": sent.link, "note": note}


def users_page(ctx: Ctx, status_code: int = 200, **extra: Any) -> Response:
    now_at = datetime.now(UTC)
    with ctx.app.session(readonly=True) as db:
        people = list_people(db)
        invitations = pending_invitations(db, now_at=now_at)
        rows = [{"id": p.id, "name": p.name, "role": ctx.gettext(ROLES[p.role]),
                 "region": ctx.gettext(REGION_NAMES[p.region]) if p.region in REGION_NAMES
                 else "", "email": p.email or "", "sessions": p.sessions,
                 "active": p.deactivated_at is None, "created_at": p.created_at}
                for p in people]
        pending = [{"id": i.id, "name": i.name, "email": i.email or "",
                    "role": ctx.gettext(ROLES[Role(i.role)]), "created_by": i.created_by,
                    "expires_at": i.expires_at} for i in invitations]
    done = DONE.get(ctx.request.query_params.get("done", ""))
    values = {"role": "ambassador", "language": ctx.lang, **extra.pop("values", {})}
    return ctx.render("admin_users.html", status_code=status_code, rows=rows, pending=pending,
                      done=ctx.gettext(done) if done else "", values=values,
                      errors=extra.pop("errors", {}), sent=extra.pop("sent", None),
                      alert=extra.pop("alert", ""), **choices(ctx))


@view("/admin/users", access=Action.MANAGE_USERS, name="admin_users")
def admin_users(ctx: Ctx) -> Response:
    return users_page(ctx)


@view("/admin/invitations", access=Action.MANAGE_USERS, methods=("POST",),
      name="admin_invite")
def admin_invite(ctx: Ctx) -> Response:
    values = {name: ctx.field(name, 400) for name in ("name", "email", "role", "region",
                                                      "language")}
    try:
        sent = invite(ctx.app, ctx.actor, name=values["name"], email=values["email"],
                      role=values["role"], region=values["region"] or None,
                      language=values["language"] or None)
    except FormError as exc:
        return users_page(ctx, 400, values=values,
                          errors={exc.path or "name": problem(ctx, exc.code)})
    except ConfigError as exc:
        if exc.path != "PIPELINE_SECRET_KEY":
            raise
        return users_page(ctx, 400, values=values, alert=ctx.gettext(NO_KEY))
    return users_page(ctx, sent=sent_notice(ctx, sent))


def user_id_of(ctx: Ctx) -> int:
    return int(ctx.request.path_params["user_id"])


def user_page(ctx: Ctx, status_code: int = 200, **extra: Any) -> Response:
    with ctx.app.session(readonly=True) as db:
        user = get_user_by_id(db, user_id_of(ctx))
        if user is None:
            raise HTTPException(404)
        row = {"id": user.id, "name": user.name, "role": str(user.role),
               "region": user.region or "", "email": user.email or "",
               "active": user.deactivated_at is None, "deactivated_at": user.deactivated_at,
               "created_at": user.created_at, "self": user.id == ctx.actor.user_id}
    done = DONE.get(ctx.request.query_params.get("done", ""))
    return ctx.render("admin_user.html", status_code=status_code, row=row,
                      done=ctx.gettext(done) if done else "", errors=extra.get("errors", {}),
                      sent=extra.get("sent"), alert=extra.get("alert", ""), **choices(ctx))


@view("/admin/users/{user_id:int}", access=Action.MANAGE_USERS, name="admin_user")
def admin_user(ctx: Ctx) -> Response:
    return user_page(ctx)


@view("/admin/users/{user_id:int}", access=Action.MANAGE_USERS, methods=("POST",),
      name="admin_user_save")
def admin_user_save(ctx: Ctx) -> Response:
    try:
        change_account(ctx.app, ctx.actor, user_id_of(ctx), role=ctx.field("role", 20),
                       region=ctx.field("region", 40) or None, email=ctx.field("email", 400))
    except FormError as exc:
        return _refused(ctx, exc)
    return ctx.redirect(f"/admin/users/{user_id_of(ctx)}?done=changed")


def _refused(ctx: Ctx, exc: FormError) -> Response:
    if exc.code == "missing":
        raise HTTPException(404) from None
    return user_page(ctx, 400, errors={exc.path or "user": problem(ctx, exc.code)})


@view("/admin/users/{user_id:int}/deactivate", access=Action.MANAGE_USERS, methods=("POST",),
      name="admin_user_deactivate")
def admin_user_deactivate(ctx: Ctx) -> Response:
    try:
        deactivate_account(ctx.app, ctx.actor, user_id_of(ctx))
    except FormError as exc:
        return _refused(ctx, exc)
    return ctx.redirect(f"/admin/users/{user_id_of(ctx)}?done=deactivated")


@view("/admin/users/{user_id:int}/reactivate", access=Action.MANAGE_USERS, methods=("POST",),
      name="admin_user_reactivate")
def admin_user_reactivate(ctx: Ctx) -> Response:
    try:
        reactivate_account(ctx.app, ctx.actor, user_id_of(ctx))
    except FormError as exc:
        return _refused(ctx, exc)
    return ctx.redirect(f"/admin/users/{user_id_of(ctx)}?done=reactivated")


@view("/admin/users/{user_id:int}/reset-link", access=Action.MANAGE_USERS, methods=("POST",),
      name="admin_user_reset_link")
def admin_user_reset_link(ctx: Ctx) -> Response:
    try:
        sent = send_reset_link(ctx.app, ctx.actor, user_id_of(ctx))
    except FormError as exc:
        return _refused(ctx, exc)
    except ConfigError as exc:
        if exc.path != "PIPELINE_SECRET_KEY":
            raise
        return user_page(ctx, 400, alert=ctx.gettext(NO_KEY))
    return user_page(ctx, sent=sent_notice(ctx, sent))


@view("/admin/invitations/{invitation_id:int}/revoke", access=Action.MANAGE_USERS,
      methods=("POST",), name="admin_invitation_revoke")
def admin_invitation_revoke(ctx: Ctx) -> Response:
    try:
        revoke_invitation(ctx.app, ctx.actor, int(ctx.request.path_params["invitation_id"]))
    except FormError:
        raise HTTPException(404) from None
    return ctx.redirect("/admin/users?done=revoked")


# --- the page a link opens (no account needed: the link is the credential) ------------------

def link_page(ctx: Ctx, status_code: int = 200, error: str = "") -> Response:
    token = str(ctx.request.path_params["token"])
    try:
        info = check_link(ctx.app, token)
    except (LinkRefused, ConfigError):  # tampered, expired, used; or no key to check it
        return ctx.render("set_password.html", status_code=410, refused=ctx.gettext(
            LINK_REFUSED), info=None, error="", min_password=MIN_PASSWORD, token="")
    shown = {"invite": info.purpose is TokenPurpose.INVITE, "name": info.name,
             "role": ctx.gettext(ROLES[info.role]),
             "region": ctx.gettext(REGION_NAMES[info.region]) if info.region in REGION_NAMES
             else "", "expires_at": info.expires_at}
    return ctx.render("set_password.html", status_code=status_code, refused="", info=shown,
                      error=error, min_password=MIN_PASSWORD, token=token)


@view("/set-password/{token}", access=Gate.PUBLIC, name="set_password")
def set_password(ctx: Ctx) -> Response:
    return link_page(ctx)


@view("/set-password/{token}", access=Gate.PUBLIC, methods=("POST",), name="set_password_save")
def set_password_save(ctx: Ctx) -> Response:
    token = str(ctx.request.path_params["token"])
    new, confirm = ctx.field("new", MAX_PASSWORD + 1), ctx.field("confirm", MAX_PASSWORD + 1)
    if new != confirm:
        return link_page(ctx, 400, problem(ctx, "passwords_differ"))
    try:
        session_token, visitor = accept_link(ctx.app, token, new, client=ctx.client,
                                             policy=ctx.config.policy)
    except FormError as exc:
        return link_page(ctx, 400, problem(ctx, exc.code))
    except (LinkRefused, PermissionDenied):
        return link_page(ctx, 410)
    response = ctx.redirect(home_for(visitor.actor))
    ctx.set_session_cookie(response, session_token)
    return response


VIEWS = (admin_users, admin_invite, admin_user, admin_user_save, admin_user_deactivate,
         admin_user_reactivate, admin_user_reset_link, admin_invitation_revoke, set_password,
         set_password_save)
