"""Accounts: roles, regions and scrypt password hashes (hashlib, no extra dependency)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import ConfigError
from pipeline.records import REGIONS
from pipeline.store.models import User

ROLES = ("editor", "approver", "ambassador", "admin")
_N, _R, _P = 2**14, 8, 1
MIN_PASSWORD = 10


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    enc = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                               r=int(r), p=int(p))
    return hmac.compare_digest(candidate, base64.b64decode(digest))


def add_user(session: Session, name: str, role: str, password: str,
             region: str | None = None) -> User:
    """Create an account; an ambassador must have a region."""
    if role not in ROLES:
        raise ConfigError(f"expected one of {', '.join(ROLES)}, got {role!r}", path="--role")
    if region is not None and region not in REGIONS:
        raise ConfigError(f"expected one of {', '.join(REGIONS)}, got {region!r}", path="--region")
    if role == "ambassador" and region is None:
        raise ConfigError("an ambassador needs a region", path="--region")
    if not name.strip() or len(name) > 100 or any(c in name for c in "\r\n\t\x00"):
        raise ConfigError("expected a name of 1 to 100 printable characters", path="NAME")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"a password needs at least {MIN_PASSWORD} characters", path="password")
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise ConfigError(f"a user named {name!r} already exists", path="NAME")
    user = User(name=name, role=role, region=region, password_hash=hash_password(password),
                session_version=1)
    session.add(user)
    return user
