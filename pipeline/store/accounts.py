"""Accounts as the web app and the account jobs read and change them (creation is
:func:`pipeline.store.users.add_user`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.models import User


def find_user(db: Session, name: str) -> User | None:
    """The account named exactly ``name``, or None."""
    if not name or len(name) > 100:
        return None
    return db.scalar(select(User).where(User.name == name))


def get_user_by_id(db: Session, user_id: int) -> User | None:
    return db.get(User, user_id)


def set_password_hash(user: User, password_hash: str) -> None:
    user.password_hash = password_hash


def set_user_language(user: User, language: str | None) -> None:
    user.language = language
