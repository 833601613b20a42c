"""Accounts as the web app and the account jobs read and change them (creation is
:func:`pipeline.store.users.add_user`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import PermissionDenied
from pipeline.permissions import Actor
from pipeline.states import Role
from pipeline.store.models import User


def find_user(db: Session, name: str) -> User | None:
    """The account named exactly ``name``, or None."""
    if not name or len(name) > 100:
        return None
    return db.scalar(select(User).where(User.name == name))


def actor_of(user: User) -> Actor:
    """The :class:`~pipeline.permissions.Actor` a job is handed for this account."""
    return Actor(name=user.name, role=Role(user.role), user_id=user.id, region=user.region)


def load_actor(db: Session, name: str) -> Actor:
    """The actor of the account ``name`` (the command line's ``--by NAME``); an unknown name
    is refused."""
    user = find_user(db, name)
    if user is None:
        raise PermissionDenied(f"no user named {name!r} (create one with `pipeline users add`)")
    if user.deactivated_at is not None:
        raise PermissionDenied(f"the account {name!r} is deactivated")
    return actor_of(user)


def get_user_by_id(db: Session, user_id: int) -> User | None:
    return db.get(User, user_id)


def set_password_hash(user: User, password_hash: str) -> None:
    user.password_hash = password_hash


def set_user_language(user: User, language: str | None) -> None:
    user.language = language
