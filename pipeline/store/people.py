"""Accounts as the administrator's users page reads and changes them: roles, regions,
deactivation, and accounts made from an invitation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.states import Role
from pipeline.store.models import User, WebSession


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: Role
    region: str | None
    email: str | None
    language: str | None
    created_at: datetime
    deactivated_at: datetime | None
    sessions: int


def list_people(session: Session) -> list[Person]:
    """Every account by name, with how many sessions it has open."""
    open_sessions = (select(WebSession.user_id, func.count().label("n"))
                     .group_by(WebSession.user_id).subquery())
    rows = session.execute(
        select(User, func.coalesce(open_sessions.c.n, 0))
        .outerjoin(open_sessions, open_sessions.c.user_id == User.id)
        .order_by(func.lower(User.name), User.id))
    return [Person(user.id, user.name, Role(user.role), user.region, user.email, user.language,
                   user.created_at, user.deactivated_at, int(count)) for user, count in rows]


def count_active_admins(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.deactivated_at.is_(None))) or 0)


def create_account(session: Session, *, name: str, role: Role, region: str | None,
                   password_hash: str, email: str | None, language: str | None,
                   now_at: datetime) -> User:
    """An account made when an invitation is followed (its checks were made on inviting)."""
    user = User(name=name, role=role, region=region, password_hash=password_hash,
                session_version=1, email=email, language=language, created_at=now_at)
    session.add(user)
    session.flush()
    return user


def set_role_region(user: User, role: Role, region: str | None) -> None:
    user.role, user.region = role, region


def set_email(user: User, email: str | None) -> None:
    user.email = email


def set_deactivated(user: User, deactivated_at: datetime | None) -> None:
    user.deactivated_at = deactivated_at


def lock_user(session: Session, user_id: int) -> User | None:
    return session.scalar(select(User).where(User.id == user_id).with_for_update())


__all__ = ["Person", "count_active_admins", "create_account", "list_people", "lock_user",
           "set_deactivated", "set_email", "set_role_region"]
