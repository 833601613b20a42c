"""Signed single-use links to set a password: invitations and password resets.

The link carries a random nonce signed with ``PIPELINE_SECRET_KEY``
(:mod:`pipeline.jobs.invitations`); the row says what the link is for, until when, and
whether it was used or revoked. :func:`use_link` spends it with one conditional UPDATE, so
two requests replaying one link cannot both succeed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from pipeline.states import Role, TokenPurpose
from pipeline.store.models import Invitation


def add_link(session: Session, *, nonce: str, purpose: TokenPurpose, name: str,
             email: str | None, role: Role, region: str | None, language: str | None,
             user_id: int | None, created_by: str, now_at: datetime, expires_at: datetime
             ) -> Invitation:
    row = Invitation(nonce=nonce, purpose=purpose, name=name, email=email, role=role,
                     region=region, language=language, user_id=user_id,
                     created_by=created_by, created_at=now_at, expires_at=expires_at)
    session.add(row)
    session.flush()
    return row


def find_link(session: Session, nonce: str) -> Invitation | None:
    if not nonce or len(nonce) > 64:
        return None
    return session.scalar(select(Invitation).where(Invitation.nonce == nonce))


def use_link(session: Session, link_id: int, *, now_at: datetime) -> bool:
    """Spend a link: True for the one request that does, False when it was already used,
    revoked or has expired."""
    result = session.execute(
        update(Invitation).where(Invitation.id == link_id, Invitation.used_at.is_(None),
                                 Invitation.revoked_at.is_(None),
                                 Invitation.expires_at > now_at)
        .values(used_at=now_at).execution_options(synchronize_session=False))
    return bool(getattr(result, "rowcount", 0))


def set_link_user(session: Session, link_id: int, user_id: int) -> None:
    session.execute(update(Invitation).where(Invitation.id == link_id)
                    .values(user_id=user_id).execution_options(synchronize_session=False))


def revoke_link(session: Session, link_id: int, *, now_at: datetime) -> Invitation | None:
    row = session.get(Invitation, link_id)
    if row is None or row.used_at is not None:
        return None
    row.revoked_at = row.revoked_at or now_at
    return row


def revoke_user_links(session: Session, user_id: int, *, now_at: datetime) -> None:
    """Every unused link of an account stops working (it is deactivated)."""
    session.execute(update(Invitation).where(Invitation.user_id == user_id,
                                             Invitation.used_at.is_(None),
                                             Invitation.revoked_at.is_(None))
                    .values(revoked_at=now_at).execution_options(synchronize_session=False))


def pending_invitations(session: Session, *, now_at: datetime) -> list[Invitation]:
    """Invitations not yet followed, not revoked and not expired, newest first."""
    return list(session.scalars(
        select(Invitation).where(Invitation.purpose == TokenPurpose.INVITE,
                                 Invitation.used_at.is_(None), Invitation.revoked_at.is_(None),
                                 Invitation.expires_at > now_at)
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def invited_name_taken(session: Session, name: str, *, now_at: datetime) -> bool:
    """A pending invitation already reserves this account name."""
    return session.scalar(
        select(Invitation.id).where(Invitation.purpose == TokenPurpose.INVITE,
                                    Invitation.name == name, Invitation.used_at.is_(None),
                                    Invitation.revoked_at.is_(None),
                                    Invitation.expires_at > now_at).limit(1)) is not None


__all__ = ["add_link", "find_link", "invited_name_taken", "pending_invitations",
           "revoke_link", "revoke_user_links", "set_link_user", "use_link"]
