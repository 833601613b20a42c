"""Job: invitations and password links (no self-service sign-up).

An administrator invites a person by email; the message carries a link to set a password.
The link holds a random nonce signed with ``PIPELINE_SECRET_KEY`` (itsdangerous, salted per
use) and dated; the nonce's row (:mod:`pipeline.store.invitations`) says what the link is for
and until when, and is spent by the first password set with it. A tampered link fails the
signature, an expired one its date (signed and stored), a replayed one the stored
``used_at``: each gets the same friendly refusal and changes nothing.

An invitation's account is made when the link is followed (its name is reserved meanwhile);
a reset link sets a new password for an existing account and ends all its sessions.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from pipeline.app import App
from pipeline.errors import (
    ConfigError,
    FormError,
    LinkRefused,
    PermissionDenied,
    PipelineError,
)
from pipeline.jobs.accounts import Client, Visitor, open_session
from pipeline.jobs.people import check_form_address, check_role_region
from pipeline.letters import Letter, compose_link_letter, send_letter
from pipeline.passwords import MAX_PASSWORD, MIN_PASSWORD, hash_password
from pipeline.permissions import Action, Actor, require
from pipeline.records import LANGUAGES
from pipeline.states import Role, TokenPurpose
from pipeline.store.accounts import find_user, get_user_by_id, set_password_hash
from pipeline.store.audit import record_audit
from pipeline.store.invitations import (
    add_link,
    find_link,
    invited_name_taken,
    revoke_link,
    set_link_user,
    use_link,
)
from pipeline.store.people import create_account
from pipeline.store.sessions import SessionPolicy, delete_user_sessions

SALT = "pipeline.password-link"
RESET_LIFETIME = timedelta(days=1)
NONCE_BYTES = 24


@dataclass(frozen=True, slots=True)
class LinkSent:
    link: str
    """The link itself, shown once to the administrator (to pass on another way if the
    message does not arrive)."""
    mailed_to: str | None
    """Where the message went; None when the account has no address."""
    mail_error: str | None = None


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """What a valid link is for, as its page shows it."""

    purpose: TokenPurpose
    name: str
    role: Role
    region: str | None
    language: str | None
    expires_at: datetime


def _serializer(app: App) -> URLSafeTimedSerializer:
    key = app.settings.secret_key
    if len(key) < 16:
        raise ConfigError("invitation and password links are signed: set PIPELINE_SECRET_KEY "
                          "to a long random value", path="PIPELINE_SECRET_KEY")
    return URLSafeTimedSerializer(key, salt=SALT)


def _lifetime(app: App, purpose: TokenPurpose) -> timedelta:
    return RESET_LIFETIME if purpose is TokenPurpose.RESET else timedelta(
        days=app.settings.invitation_days)


def _link_for(app: App, nonce: str) -> str:
    token = _serializer(app).dumps(nonce)
    return f"{app.settings.base_url.rstrip('/')}/set-password/{token}"


def check_account_name(name: str) -> str:
    text = name.strip()
    if not text or len(text) > 100 or any(c in name for c in "\r\n\t\x00"):
        raise FormError("expected a name of 1 to 100 printable characters", path="name",
                        code="name")
    return text


def _mail(app: App, to: str | None, letter: Letter) -> tuple[str | None, str | None]:
    """Send a link's letter; (address, error): the link is shown to the administrator
    whatever happens, so a relay that is down does not lose it."""
    if not to:
        return None, None
    try:
        send_letter(app.settings.smtp_url, app.settings.mail_from, to, letter.subject,
                    letter.body)
    except PipelineError as exc:
        return to, " ".join(str(exc).split())[:300]
    return to, None


def invite(app: App, actor: Actor, *, name: str, email: str, role: str,
           region: str | None = None, language: str | None = None,
           now_at: datetime | None = None) -> LinkSent:
    """Invite a person by email (audited); the account is made when they set a password."""
    require(actor, Action.MANAGE_USERS)
    name = check_account_name(name)
    address = check_form_address(email)
    region = check_role_region(role, region)
    language = language if language in LANGUAGES else None
    now_at = now_at or datetime.now(UTC)
    _serializer(app)  # no key: refused before anything is stored
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    with app.session() as db:
        if find_user(db, name) is not None or invited_name_taken(db, name, now_at=now_at):
            raise FormError(f"the name {name!r} is taken", path="name", code="name_taken")
        row = add_link(db, nonce=nonce, purpose=TokenPurpose.INVITE, name=name,
                       email=address, role=Role(role), region=region, language=language,
                       user_id=None, created_by=actor.name, now_at=now_at,
                       expires_at=now_at + _lifetime(app, TokenPurpose.INVITE))
        record_audit(db, actor.name, "user.invited", f"user:{name}", role=role,
                     region=region, email=address, invitation=row.id)
        expires_at = row.expires_at
    link = _link_for(app, nonce)
    mailed, error = _mail(app, address, compose_link_letter(
        purpose="invite", lang=language, name=name, link=link, expires_at=expires_at,
        inviter=actor.name, role=role, region=region))
    return LinkSent(link, mailed, error)


def send_reset_link(app: App, actor: Actor, user_id: int, *,
                    now_at: datetime | None = None) -> LinkSent:
    """A link to set a new password for an account (audited), mailed when it has an
    address."""
    require(actor, Action.MANAGE_USERS)
    _serializer(app)
    now_at = now_at or datetime.now(UTC)
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    with app.session() as db:
        user = get_user_by_id(db, user_id)
        if user is None:
            raise FormError("no such account", path="user", code="missing")
        if user.deactivated_at is not None:
            raise FormError("the account is deactivated", path="user", code="deactivated")
        row = add_link(db, nonce=nonce, purpose=TokenPurpose.RESET, name=user.name,
                       email=user.email, role=Role(user.role), region=user.region,
                       language=user.language, user_id=user.id, created_by=actor.name,
                       now_at=now_at, expires_at=now_at + RESET_LIFETIME)
        record_audit(db, actor.name, "user.reset_link", f"user:{user.name}", invitation=row.id)
        name, email, language, expires_at = user.name, user.email, user.language, row.expires_at
    link = _link_for(app, nonce)
    mailed, error = _mail(app, email, compose_link_letter(
        purpose="reset", lang=language, name=name, link=link, expires_at=expires_at))
    return LinkSent(link, mailed, error)


def revoke_invitation(app: App, actor: Actor, invitation_id: int) -> None:
    require(actor, Action.MANAGE_USERS)
    with app.session() as db:
        row = revoke_link(db, invitation_id, now_at=datetime.now(UTC))
        if row is None:
            raise FormError("no such invitation", path="invitation", code="missing")
        record_audit(db, actor.name, "user.invitation_revoked", f"user:{row.name}",
                     invitation=invitation_id)


def _nonce_of(app: App, token: str, now_at: datetime) -> str:
    if not token or len(token) > 400:
        raise LinkRefused("this link is not valid")
    try:
        nonce = _serializer(app).loads(token, max_age=int(
            _lifetime(app, TokenPurpose.INVITE).total_seconds()))
    except SignatureExpired:
        raise LinkRefused("this link has expired") from None
    except BadSignature:
        raise LinkRefused("this link is not valid") from None
    if not isinstance(nonce, str):
        raise LinkRefused("this link is not valid")
    return nonce


def check_link(app: App, token: str, *, now_at: datetime | None = None) -> LinkInfo:
    """What a link is for, or :class:`LinkRefused` (tampered, expired, used, revoked)."""
    now_at = now_at or datetime.now(UTC)
    nonce = _nonce_of(app, token, now_at)
    with app.session(readonly=True) as db:
        row = find_link(db, nonce)
        if row is None or row.used_at is not None or row.revoked_at is not None:
            raise LinkRefused("this link was already used or withdrawn")
        if row.expires_at <= now_at:
            raise LinkRefused("this link has expired")
        return LinkInfo(TokenPurpose(row.purpose), row.name, Role(row.role), row.region,
                        row.language, row.expires_at)


def accept_link(app: App, token: str, password: str, *, client: Client,
                policy: SessionPolicy, now_at: datetime | None = None
                ) -> tuple[str, Visitor]:
    """Set the password a link is for (making the invited account, or replacing a forgotten
    password and ending every session), spend the link, and sign the person in."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise FormError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                        path="password", code="password_length")
    now_at = now_at or datetime.now(UTC)
    info = check_link(app, token, now_at=now_at)
    password_hash = hash_password(password)  # outside the write transaction: it takes time
    nonce = _nonce_of(app, token, now_at)
    with app.session() as db:
        row = find_link(db, nonce)
        if row is None or not use_link(db, row.id, now_at=now_at):
            raise LinkRefused("this link was already used or withdrawn")
        if info.purpose is TokenPurpose.INVITE:
            if find_user(db, row.name) is not None:
                raise LinkRefused("an account with this name exists already")
            user = create_account(db, name=row.name, role=Role(row.role), region=row.region,
                                  password_hash=password_hash, email=row.email,
                                  language=row.language, now_at=now_at)
            set_link_user(db, row.id, user.id)
            record_audit(db, user.name, "user.joined", f"user:{user.name}",
                         invitation=row.id, invited_by=row.created_by, ip=client.ip)
        else:
            found = get_user_by_id(db, row.user_id) if row.user_id else None
            if found is None or found.deactivated_at is not None:
                raise PermissionDenied("this account cannot sign in")
            user = found
            set_password_hash(user, password_hash)
            ended = delete_user_sessions(db, user.id)
            record_audit(db, user.name, "user.password", f"user:{user.name}",
                         sessions_ended=ended, link=row.id, ip=client.ip)
        user_id = user.id
    return open_session(app, user_id, client=client, policy=policy)


__all__ = ["LinkInfo", "LinkSent", "accept_link", "check_link", "invite", "revoke_invitation",
           "send_reset_link"]
