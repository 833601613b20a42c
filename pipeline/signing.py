"""Signed links for subscribers: confirm, preferences, unsubscribe (itsdangerous).

A link carries a signed, timestamped payload: the subscriber's random ``token`` (never their
id or address) and, for an unsubscribe link, the publication it leaves. Each purpose has its
own salt, so a preferences link is refused as an unsubscribe link and the other way round;
a link older than its purpose's lifetime is refused as expired (the person is offered a new
one), a tampered one as invalid. Envelope senders (VERP) carry a short HMAC of the delivery
id, so a forged bounce cannot suppress anybody.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from pipeline.errors import ConfigError, LinkExpired, LinkInvalid


class Purpose(StrEnum):
    CONFIRM = "confirm"
    PREFERENCES = "preferences"
    UNSUBSCRIBE = "unsubscribe"


LIFETIME: dict[Purpose, timedelta] = {
    Purpose.CONFIRM: timedelta(days=3),
    Purpose.PREFERENCES: timedelta(days=400),
    Purpose.UNSUBSCRIBE: timedelta(days=400),
}
"""How long a link works. Unsubscribe and preferences links live in every message people
keep for a year or more; an older one shows a page offering a new link by mail."""

MIN_SECRET_CHARS = 16


def check_secret(secret: str) -> str:
    if len(secret) < MIN_SECRET_CHARS:
        raise ConfigError(f"PIPELINE_SECRET_KEY must be set (at least {MIN_SECRET_CHARS} "
                          "characters): it signs the subscription and unsubscribe links")
    return secret


def _serializer(secret: str, purpose: Purpose, issued_at: datetime | None = None
                ) -> URLSafeTimedSerializer:
    signer: type[TimestampSigner] = TimestampSigner
    if issued_at is not None:
        stamp = int(issued_at.timestamp())

        class FixedClock(TimestampSigner):
            def get_timestamp(self) -> int:
                return stamp

        signer = FixedClock
    return URLSafeTimedSerializer(check_secret(secret), salt=f"pipeline.link.{purpose}",
                                  signer=signer)


class LinkSigner:
    """Makes and reads the links of one purpose with one key (cached: a send signs two links
    per message)."""

    def __init__(self, secret: str, purpose: Purpose) -> None:
        self.purpose = purpose
        self.serializer = _serializer(secret, purpose)

    def dumps(self, *payload: str) -> str:
        return str(self.serializer.dumps(list(payload)))


def make_link_token(secret: str, purpose: Purpose, *payload: str,
                    issued_at: datetime | None = None) -> str:
    """A signed token for ``payload`` (strings); ``issued_at`` backdates it (tests of
    expiry)."""
    return str(_serializer(secret, purpose, issued_at).dumps(list(payload)))


def read_link_token(secret: str, purpose: Purpose, token: str, *, size: int) -> tuple[str, ...]:
    """The payload of a token of ``purpose`` holding ``size`` strings; raises
    :class:`LinkExpired` or :class:`LinkInvalid`."""
    if not token or len(token) > 500:
        raise LinkInvalid("this link is not valid")
    try:
        payload: Any = _serializer(secret, purpose).loads(
            token, max_age=int(LIFETIME[purpose].total_seconds()))
    except SignatureExpired:
        raise LinkExpired("this link has expired") from None
    except BadSignature:
        raise LinkInvalid("this link is not valid") from None
    if (not isinstance(payload, list) or len(payload) != size
            or not all(isinstance(p, str) for p in payload)):
        raise LinkInvalid("this link is not valid")
    return tuple(payload)


def verp_signature(secret: str, delivery_id: int) -> str:
    """Eight characters binding a VERP envelope sender to one delivery."""
    digest = hmac.new(check_secret(secret).encode(), f"verp:{delivery_id}".encode(),
                      hashlib.sha256).digest()
    return base64.b32encode(digest[:5]).decode().lower()


def verp_address(secret: str, bounce_address: str, delivery_id: int) -> str:
    """``local+ID-SIG@domain``: the envelope sender of one delivery's message."""
    local, _, domain = bounce_address.rpartition("@")
    return f"{local}+{delivery_id}-{verp_signature(secret, delivery_id)}@{domain}"


def read_verp(secret: str, bounce_address: str, address: str) -> int | None:
    """The delivery id of a VERP address made by :func:`verp_address` (None otherwise)."""
    local, _, domain = bounce_address.lower().rpartition("@")
    their_local, _, their_domain = address.strip().strip("<>").lower().rpartition("@")
    prefix = f"{local}+"
    if their_domain != domain or not their_local.startswith(prefix):
        return None
    number, _, signature = their_local[len(prefix):].partition("-")
    if not number.isdigit() or len(number) > 18:
        return None
    delivery_id = int(number)
    if not hmac.compare_digest(signature, verp_signature(secret, delivery_id)):
        return None
    return delivery_id


__all__ = ["LIFETIME", "LinkSigner", "Purpose", "check_secret", "make_link_token",
           "read_link_token", "read_verp", "verp_address", "verp_signature"]
