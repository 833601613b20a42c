"""Web sessions and the sign-in rate limit.

A session's cookie carries a random token; the ``web_sessions`` row is keyed by the token's
SHA-256, so neither a database copy nor a log line holds a usable session. Refused sign-ins are
rows of ``login_failures``, counted per account and per address over a sliding window: every
worker and host sharing the database sees the same counts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from pipeline.store.models import LoginFailure, User, WebSession

TOKEN_BYTES = 32


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives: ``idle`` without a request, ``lifetime`` at most."""

    idle: timedelta = timedelta(hours=12)
    lifetime: timedelta = timedelta(days=7)
    touch_every: timedelta = timedelta(minutes=5)
    """``last_seen_at`` is written at most this often (one UPDATE, not one per request)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_session(db: Session, user_id: int, *, now_at: datetime, policy: SessionPolicy,
                   ip: str = "", user_agent: str = "") -> tuple[str, WebSession]:
    """A new session with fresh random token and CSRF token; returns (cookie token, row)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    row = WebSession(id=hash_token(token), user_id=user_id,
                     csrf_token=secrets.token_urlsafe(TOKEN_BYTES), created_at=now_at,
                     last_seen_at=now_at, expires_at=now_at + policy.lifetime, ip=ip[:64],
                     user_agent=user_agent[:300])
    db.add(row)
    return token, row


def load_session(db: Session, token: str, *, now_at: datetime, policy: SessionPolicy
                 ) -> tuple[WebSession, User] | None:
    """The live session of ``token`` and its user; None when unknown, expired or idle, or
    when the account is deactivated."""
    if not token or len(token) > 200:
        return None
    found = db.execute(
        select(WebSession, User).join(User, User.id == WebSession.user_id)
        .where(WebSession.id == hash_token(token), WebSession.expires_at > now_at,
               WebSession.last_seen_at > now_at - policy.idle,
               User.deactivated_at.is_(None))).first()
    if found is None:
        return None
    return found[0], found[1]


def touch_session(db: Session, session_id: str, *, now_at: datetime) -> None:
    db.execute(update(WebSession).where(WebSession.id == session_id)
               .values(last_seen_at=now_at))


def delete_session(db: Session, token: str) -> None:
    db.execute(delete(WebSession).where(WebSession.id == hash_token(token)))


def delete_user_sessions(db: Session, user_id: int) -> int:
    """End every session of a user (a password change); returns how many there were."""
    result = db.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0) or 0)


def count_user_sessions(db: Session, user_id: int) -> int:
    return int(db.scalar(select(func.count()).select_from(WebSession)
                         .where(WebSession.user_id == user_id)) or 0)


def purge_sessions(db: Session, *, now_at: datetime, policy: SessionPolicy) -> None:
    """Forget sessions past their lifetime or idle time."""
    db.execute(delete(WebSession).where(or_(WebSession.expires_at <= now_at,
                                            WebSession.last_seen_at <= now_at - policy.idle)))


# --- sign-in rate limit ---------------------------------------------------------------------

def count_login_failures(db: Session, *, since_at: datetime, account: str | None = None,
                         ip: str | None = None) -> int:
    query = select(func.count()).select_from(LoginFailure).where(LoginFailure.at > since_at)
    if account is not None:
        query = query.where(LoginFailure.account == account)
    if ip is not None:
        query = query.where(LoginFailure.ip == ip)
    return int(db.scalar(query) or 0)


def record_login_failure(db: Session, *, account: str, ip: str, at: datetime) -> None:
    db.add(LoginFailure(account=account[:100], ip=ip[:64], at=at))


def clear_login_failures(db: Session, *, account: str) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.account == account))


def purge_login_failures(db: Session, *, before_at: datetime) -> None:
    db.execute(delete(LoginFailure).where(LoginFailure.at <= before_at))
