"""Password hashes: argon2id (argon2-cffi) for new hashes; older scrypt hashes still verify.

:func:`verify_password` says whether the password matches and whether the stored hash should
be replaced (an scrypt hash, or argon2 parameters older than today's): the sign-in job rehashes
then, so accounts move to argon2 the next time their owner signs in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
"""Longer input is refused before hashing (hashing megabytes is a cheap denial of service)."""

_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("a password nobody has: it keeps failed look-ups as slow as others")


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    needs_rehash: bool = False


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (with its own salt and parameters)."""
    return _HASHER.hash(password)


def verify_password(password: str, stored: str) -> Verdict:
    """Check ``password`` against a stored argon2 or (legacy) scrypt hash, in constant time."""
    if len(password) > MAX_PASSWORD:
        return Verdict(False)
    if stored.startswith("scrypt$"):
        return Verdict(_verify_scrypt(password, stored), needs_rehash=True)
    try:
        _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verdict(False)
    return Verdict(True, needs_rehash=_HASHER.check_needs_rehash(stored))


def spend_verification_time(password: str) -> None:
    """Do the work of one verification for an account that does not exist, so that a wrong
    name takes as long to refuse as a wrong password."""
    verify_password(password, _DUMMY_HASH)


def _verify_scrypt(password: str, stored: str) -> bool:
    """Hashes written before argon2: ``scrypt$N$r$p$salt$digest`` (base64)."""
    try:
        _scheme, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest, validate=True)
        candidate = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt, validate=True),
                                   n=int(n), r=int(r), p=int(p), maxmem=128 * 1024 * 1024)
    except (ValueError, binascii.Error):
        return False
    return hmac.compare_digest(candidate, expected)

