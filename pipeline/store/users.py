"""Accounts: roles, regions and password hashes (argon2id, see pipeline.passwords).

What a role may do is :mod:`pipeline.permissions`; :func:`pipeline.store.accounts.load_actor`
turns an account into the :class:`~pipeline.permissions.Actor` a job is handed."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pipeline.errors import ConfigError
from pipeline.passwords import MAX_PASSWORD, MIN_PASSWORD, hash_password
from pipeline.records import REGIONS
from pipeline.states import Role
from pipeline.store.accounts import find_user
from pipeline.store.models import User


def check_email(value: str) -> str:
    """One bare address (no display name, no line break), as notifications are sent to it."""
    from email.headerregistry import Address

    text = value.strip()
    try:
        address = Address(addr_spec=text)
    except (ValueError, IndexError):
        address = None
    if (address is None or len(text) > 320 or any(ord(c) < 33 or ord(c) == 127 for c in text)
            or not address.username or "." not in address.domain):
        raise ConfigError(f"expected an email address like name@example.org, got {value!r}",
                          path="--email")
    return text


def set_user_email(user: User, email: str | None) -> None:
    user.email = check_email(email) if email else None


def add_user(session: Session, name: str, role: str, password: str,
             region: str | None = None, email: str | None = None) -> User:
    """Create an account; an ambassador must have a region."""
    if role not in set(Role):
        raise ConfigError(f"expected one of {', '.join(Role)}, got {role!r}", path="--role")
    if region is not None and region not in REGIONS:
        raise ConfigError(f"expected one of {', '.join(REGIONS)}, got {region!r}", path="--region")
    if role == Role.AMBASSADOR and region is None:
        raise ConfigError("an ambassador needs a region", path="--region")
    if not name.strip() or len(name) > 100 or any(c in name for c in "\r\n\t\x00"):
        raise ConfigError("expected a name of 1 to 100 printable characters", path="NAME")
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ConfigError(f"a password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                          path="password")
    if find_user(session, name) is not None:
        raise ConfigError(f"a user named {name!r} already exists", path="NAME")
    user = User(name=name, role=Role(role), region=region,
                password_hash=hash_password(password), session_version=1,
                email=check_email(email) if email else None)
    session.add(user)
    return user
