"""What every response and every state-changing request goes through: security headers,
cookies, the Origin check, the CSRF token comparison and safe ``next=`` addresses.

CSRF: a signed-in session has its own random token (kept with the session row, rotated with it
at sign-in); an anonymous visitor (the sign-in form) gets a random token in an HttpOnly cookie
and must send it back in the form (double submit). The token travels in the ``csrf_token``
form field or, for htmx requests, in the ``X-CSRF-Token`` header that ``static/app.js`` copies
from the page's ``<meta name="csrf-token">``. Besides the token, a request whose ``Origin`` (or,
without one, ``Referer``) names another site is refused.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
])
"""No inline script, no style attributes, nothing from another origin; the page cannot be
framed. A later room that needs more (the preview's sandboxed iframe: ``frame-src 'self'``)
sets its own header on its response, which this middleware then leaves alone."""

PERMISSIONS_POLICY = ("camera=(), microphone=(), geolocation=(), payment=(), usb=(), "
                      "serial=(), display-capture=()")


def security_headers(*, https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("permissions-policy", PERMISSIONS_POLICY),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
    ]
    if https:
        headers.append(("strict-transport-security", "max-age=31536000"))
    return [(k.encode(), v.encode()) for k, v in headers]


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (a response that already set one of
    them keeps its own), and ``Cache-Control: no-store`` to responses that set none."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers = security_headers(https=https)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in self.headers:
                    if key.decode() not in headers:
                        headers.raw.append((key, value))
                if "cache-control" not in headers:
                    headers.raw.append((b"cache-control", b"no-store"))
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass(frozen=True, slots=True)
class CookiePolicy:
    """Cookie names and flags: ``Secure`` and the ``__Host-`` prefix when served over https."""

    secure: bool

    @property
    def session_name(self) -> str:
        return "__Host-pipeline_session" if self.secure else "pipeline_session"

    @property
    def csrf_name(self) -> str:
        return "__Host-pipeline_csrf" if self.secure else "pipeline_csrf"

    def flags(self) -> dict[str, object]:
        return {"path": "/", "secure": self.secure, "httponly": True, "samesite": "lax"}


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL, lower-cased ("" when it has none)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def request_origin_allowed(origin: str | None, referer: str | None, allowed: set[str]) -> bool:
    """True when the request comes from one of our origins, or says nothing about where it
    comes from (the CSRF token still has to match then). ``Origin: null`` is refused."""
    if origin is not None:
        return origin.strip().lower() in allowed
    if referer:
        return origin_of(referer) in allowed
    return True


def safe_next(value: str | None) -> str | None:
    """A ``next=`` address we may redirect to: a path on this site, or None.

    Refused: anything with a scheme or host, ``//host`` and ``/\\host`` (browsers read both as
    another site), backslashes, control characters and whitespace (browsers drop tabs and
    newlines, so ``/\\t/host`` becomes ``//host``)."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return None
    if value.startswith(("//", "/\\")) or "\\" in value:
        return None
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return value
