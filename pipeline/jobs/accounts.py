"""Account jobs shared by the web app and the command line: sign in and out, the visitor
behind a session cookie, creating accounts, password and language changes, and who acts for
the command line's ``--by NAME`` (:func:`resolve_actor`).

Rights come from :mod:`pipeline.permissions`: a person changes their own password (giving the
current one) and their own language; changing someone else's password needs ``manage_users``.
A password change ends every session of the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.app import App
from pipeline.errors import ConfigError, PermissionDenied, SignInRefused, TooManyAttempts
from pipeline.passwords import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    hash_password,
    spend_verification_time,
    verify_password,
)
from pipeline.permissions import SYSTEM, Action, Actor, require
from pipeline.records import LANGUAGES
from pipeline.store.accounts import (
    actor_of,
    find_user,
    get_user_by_id,
    load_actor,
    set_password_hash,
    set_user_language,
)
from pipeline.store.audit import record_audit
from pipeline.store.models import User
from pipeline.store.sessions import (
    SessionPolicy,
    clear_login_failures,
    count_login_failures,
    create_session,
    delete_session,
    delete_user_sessions,
    load_session,
    purge_login_failures,
    purge_sessions,
    record_login_failure,
    touch_session,
)
from pipeline.store.users import add_user as store_user

LOGIN_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
"""Refused sign-ins of one account within the window before it is refused without checking."""
MAX_FAILURES_PER_ADDRESS = 20
"""Refused sign-ins from one address within the window (password spraying over accounts)."""


@dataclass(frozen=True, slots=True)
class Visitor:
    """A signed-in person as a request sees them."""

    actor: Actor
    language: str | None
    """Their chosen interface language; None follows the browser."""
    csrf_token: str
    session_id: str


@dataclass(frozen=True, slots=True)
class Client:
    """Where a request comes from (kept with the session, and counted by the rate limit)."""

    ip: str = ""
    user_agent: str = ""


def _now() -> datetime:
    return datetime.now(UTC)


def _account_key(name: str) -> str:
    return name.strip().casefold()[:100]


def sign_in(app: App, name: str, password: str, *, client: Client,
            policy: SessionPolicy, replaces: str | None = None) -> tuple[str, Visitor]:
    """Check a name and password; on success open a new session (the one in ``replaces``, a
    token the browser already held, is ended: a session id is never carried across a
    sign-in) and return its cookie token with the visitor."""
    now_at = _now()
    account = _account_key(name)
    since_at = now_at - LOGIN_WINDOW
    with app.session(readonly=True) as db:
        per_account = count_login_failures(db, since_at=since_at, account=account)
        per_address = count_login_failures(db, since_at=since_at, ip=client.ip)
        user = find_user(db, name.strip())
        if user is not None and user.deactivated_at is not None:
            user = None  # a deactivated account gets the same answer as a wrong password
        stored = user.password_hash if user is not None else None
    if per_account >= MAX_FAILURES_PER_ACCOUNT or per_address >= MAX_FAILURES_PER_ADDRESS:
        raise TooManyAttempts("too many refused sign-ins: wait a few minutes, then try again",
                              retry_after_s=int(LOGIN_WINDOW.total_seconds()))
    # Hashing happens outside any write transaction (it takes tens of milliseconds).
    if stored is None:
        spend_verification_time(password)
        verdict_ok, rehash = False, False
    else:
        verdict = verify_password(password, stored)
        verdict_ok, rehash = verdict.ok, verdict.needs_rehash
    new_hash = hash_password(password) if verdict_ok and rehash else None
    if not verdict_ok or user is None:
        with app.session() as db:
            record_login_failure(db, account=account, ip=client.ip, at=now_at)
            purge_login_failures(db, before_at=since_at)
        raise SignInRefused("wrong name or password")
    with app.session() as db:
        if replaces:
            delete_session(db, replaces)
        purge_sessions(db, now_at=now_at, policy=policy)
        clear_login_failures(db, account=account)
        row = get_user_by_id(db, user.id)
        if row is None or row.deactivated_at is not None:  # deleted or deactivated meanwhile
            raise SignInRefused("wrong name or password")
        if new_hash is not None:
            set_password_hash(row, new_hash)
        token, session_row = create_session(db, row.id, now_at=now_at, policy=policy,
                                            ip=client.ip, user_agent=client.user_agent)
        record_audit(db, row.name, "user.sign_in", f"user:{row.name}", ip=client.ip,
                     rehashed=new_hash is not None)
        return token, Visitor(actor_of(row), row.language, session_row.csrf_token,
                              session_row.id)


def open_session(app: App, user_id: int, *, client: Client, policy: SessionPolicy
                 ) -> tuple[str, Visitor]:
    """A fresh session for an account that just proved who it is (after a password change)."""
    with app.session() as db:
        row = get_user_by_id(db, user_id)
        if row is None or row.deactivated_at is not None:
            raise SignInRefused("this account cannot sign in")
        token, session_row = create_session(db, row.id, now_at=_now(), policy=policy,
                                            ip=client.ip, user_agent=client.user_agent)
        return token, Visitor(actor_of(row), row.language, session_row.csrf_token,
                              session_row.id)


def current_visitor(app: App, token: str, *, policy: SessionPolicy) -> Visitor | None:
    """The person behind a session cookie, or None (unknown, expired or idle token)."""
    if not token:
        return None
    now_at = _now()
    with app.session(readonly=True) as db:
        found = load_session(db, token, now_at=now_at, policy=policy)
    if found is None:
        return None
    session_row, user = found
    if now_at - session_row.last_seen_at >= policy.touch_every:
        with app.session() as db:
            touch_session(db, session_row.id, now_at=now_at)
    return Visitor(actor_of(user), user.language, session_row.csrf_token, session_row.id)


def sign_out(app: App, token: str) -> None:
    with app.session() as db:
        delete_session(db, token)


def change_password(app: App, actor: Actor, name: str, new_password: str, *,
                    current_password: str | None = None, client_ip: str = "") -> int:
    """Set a new password and end every session of the account; returns how many ended.

    One's own password needs the current one (wrong guesses count towards the sign-in rate
    limit); another person's needs ``manage_users``."""
    if not MIN_PASSWORD <= len(new_password) <= MAX_PASSWORD:
        raise ConfigError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                          path="password")
    now_at = _now()
    account = _account_key(name)
    with app.session(readonly=True) as db:
        user = find_user(db, name)
        if user is None:
            raise ConfigError(f"no user named {name!r}", path="NAME")
        user_id, stored = user.id, user.password_hash
        failures = count_login_failures(db, since_at=now_at - LOGIN_WINDOW, account=account)
    own = actor.user_id is not None and actor.user_id == user_id
    if not own:
        require(actor, Action.MANAGE_USERS)
    else:
        if failures >= MAX_FAILURES_PER_ACCOUNT:
            raise TooManyAttempts("too many refused attempts: wait a few minutes",
                                  retry_after_s=int(LOGIN_WINDOW.total_seconds()))
        if current_password is None or not verify_password(current_password, stored).ok:
            with app.session() as db:
                record_login_failure(db, account=account, ip=client_ip, at=now_at)
            raise SignInRefused("the current password is not right")
    new_hash = hash_password(new_password)
    with app.session() as db:
        row = get_user_by_id(db, user_id)
        if row is None:
            raise ConfigError(f"no user named {name!r}", path="NAME")
        set_password_hash(row, new_hash)
        ended = delete_user_sessions(db, user_id)
        clear_login_failures(db, account=account)
        record_audit(db, actor.name, "user.password", f"user:{name}", sessions_ended=ended)
    return ended


def set_language(app: App, actor: Actor, language: str | None) -> None:
    """Choose one's interface language (None: follow the browser)."""
    if language is not None and language not in LANGUAGES:
        raise ConfigError(f"expected one of {', '.join(LANGUAGES)}, got {language!r}",
                          path="language")
    if actor.user_id is None:
        raise PermissionDenied(f"{actor.name} has no account to set a language on")
    with app.session() as db:
        row = get_user_by_id(db, actor.user_id)
        if row is None:
            raise PermissionDenied(f"{actor.name} has no account any more")
        set_user_language(row, language)


def resolve_actor(app: App, name: str | None) -> Actor:
    """The actor of the account ``name``; :data:`~pipeline.permissions.SYSTEM` for None (the
    command line without ``--by``). An unknown name is refused."""
    if name is None:
        return SYSTEM
    with app.session(readonly=True) as db:
        return load_actor(db, name)


def add_user(app: App, actor: Actor, name: str, role: str, password: str,
             region: str | None = None, email: str | None = None) -> User:
    """Create an account (audited)."""
    require(actor, Action.MANAGE_USERS)
    with app.session() as db:
        user = store_user(db, name, role, password, region, email)
        record_audit(db, actor.name, "user.add", f"user:{name}", role=role, region=region)
    return user


def change_email(app: App, actor: Actor, name: str, email: str | None) -> User:
    """Set (or, with None, remove) the address NAME's notifications go to: one's own, or
    anyone's with ``manage_users`` (audited, without the address)."""
    from pipeline.store.users import set_user_email

    with app.session() as db:
        user = find_user(db, name)
        if user is None:
            raise ConfigError(f"no user named {name!r}", path="NAME")
        if actor.user_id != user.id:
            require(actor, Action.MANAGE_USERS)
        set_user_email(user, email)
        record_audit(db, actor.name, "user.email", f"user:{name}", set=bool(email))
    return user
