"""Job: the administrator's changes to accounts: role and region, email address,
deactivation (every session of the account ends at once, its unused links stop working) and
reactivation. Each is audited; an administrator cannot lock the team out (the last active
administrator can be neither demoted nor deactivated, nor can one deactivate oneself)."""

from __future__ import annotations

from datetime import UTC, datetime

from pipeline.app import App
from pipeline.errors import ConfigError, FormError
from pipeline.letters import check_address
from pipeline.permissions import Action, Actor, require
from pipeline.records import REGIONS
from pipeline.states import Role
from pipeline.store.audit import record_audit
from pipeline.store.invitations import revoke_user_links
from pipeline.store.people import (
    count_active_admins,
    lock_user,
    set_deactivated,
    set_email,
    set_role_region,
)
from pipeline.store.sessions import delete_user_sessions


def check_role_region(role: str, region: str | None) -> str | None:
    """A known role, a known region or none, and a region for an ambassador: the region."""
    if role not in set(Role):
        raise FormError(f"expected one of {', '.join(Role)}", path="role", code="role")
    region = region or None
    if region is not None and region not in REGIONS:
        raise FormError(f"expected one of {', '.join(REGIONS)}", path="region", code="region")
    if role == Role.AMBASSADOR and region is None:
        raise FormError("an ambassador needs a region", path="region", code="region")
    return region


def check_form_address(email: str) -> str:
    """One bare address, or a form error naming the field."""
    try:
        return check_address(email)
    except ConfigError:
        raise FormError("expected an email address", path="email", code="email") from None


def change_account(app: App, actor: Actor, user_id: int, *, role: str, region: str | None,
                   email: str | None) -> None:
    """Set an account's role, region and address (an ambassador needs a region; other roles
    have none)."""
    require(actor, Action.MANAGE_USERS)
    region = check_role_region(role, region)
    if role != Role.AMBASSADOR:
        region = None
    address = check_form_address(email) if email and email.strip() else None
    with app.session() as db:
        user = lock_user(db, user_id)
        if user is None:
            raise FormError("no such account", path="user", code="missing")
        before = {"role": str(user.role), "region": user.region, "email": user.email}
        if (user.role == Role.ADMIN and role != Role.ADMIN and user.deactivated_at is None
                and count_active_admins(db) <= 1):
            raise FormError("the last administrator keeps the role", path="role",
                            code="last_admin")
        set_role_region(user, Role(role), region)
        set_email(user, address)
        record_audit(db, actor.name, "user.changed", f"user:{user.name}", before=before,
                     after={"role": role, "region": region, "email": address})


def deactivate_account(app: App, actor: Actor, user_id: int) -> int:
    """The account can no longer sign in; its sessions end now. Returns how many ended."""
    require(actor, Action.MANAGE_USERS)
    now_at = datetime.now(UTC)
    with app.session() as db:
        user = lock_user(db, user_id)
        if user is None:
            raise FormError("no such account", path="user", code="missing")
        if user.id == actor.user_id:
            raise FormError("you cannot deactivate your own account", path="user",
                            code="self")
        if user.role == Role.ADMIN and user.deactivated_at is None \
                and count_active_admins(db) <= 1:
            raise FormError("the last administrator stays active", path="user",
                            code="last_admin")
        set_deactivated(user, user.deactivated_at or now_at)
        ended = delete_user_sessions(db, user.id)
        revoke_user_links(db, user.id, now_at=now_at)
        record_audit(db, actor.name, "user.deactivated", f"user:{user.name}",
                     sessions_ended=ended)
        return ended


def reactivate_account(app: App, actor: Actor, user_id: int) -> None:
    require(actor, Action.MANAGE_USERS)
    with app.session() as db:
        user = lock_user(db, user_id)
        if user is None:
            raise FormError("no such account", path="user", code="missing")
        set_deactivated(user, None)
        record_audit(db, actor.name, "user.reactivated", f"user:{user.name}")


__all__ = ["change_account", "deactivate_account", "reactivate_account"]
