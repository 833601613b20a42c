"""The ambassadors' weekly digests: who gets one, and one per ambassador and week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.states import Role
from pipeline.store.models import AmbassadorDigest, User


def digest_readers(session: Session) -> list[User]:
    """Active ambassadors with an email address, by name."""
    return list(session.scalars(
        select(User).where(User.role == Role.AMBASSADOR, User.deactivated_at.is_(None),
                           User.email.is_not(None)).order_by(User.name)))


def claim_digest(session: Session, user_id: int, week: str, *, now_at: datetime) -> bool:
    """Reserve this week's digest for the ambassador: False when it was sent (or is being
    sent) already."""
    try:
        with session.begin_nested():
            session.add(AmbassadorDigest(user_id=user_id, week=week, sent_at=now_at))
    except IntegrityError:
        return False
    return True


def release_digest(session: Session, user_id: int, week: str) -> None:
    """The digest could not be sent: the next run tries again."""
    session.execute(delete(AmbassadorDigest).where(AmbassadorDigest.user_id == user_id,
                                                   AmbassadorDigest.week == week))


__all__ = ["claim_digest", "digest_readers", "release_digest"]
