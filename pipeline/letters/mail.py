"""One message to one person (an invitation, a password link, a digest) through the team's
SMTP relay: :mod:`pipeline.notify.mail` builds and sends it; this module checks the address.
"""

from __future__ import annotations

from email.headerregistry import Address

from pipeline.errors import ConfigError
from pipeline.notify.mail import build_message, send_message

MAX_ADDRESS = 320


def check_address(value: str, *, path: str = "email") -> str:
    """One bare address (no display name, no line break, a dot in the domain)."""
    text = value.strip()
    try:
        address: Address | None = Address(addr_spec=text)
    except (ValueError, IndexError):
        address = None
    if (address is None or len(text) > MAX_ADDRESS
            or any(ord(c) < 33 or ord(c) == 127 for c in text)
            or not address.username or "." not in address.domain):
        raise ConfigError(f"expected an email address like name@example.org, got {value!r}",
                          path=path)
    return text


def send_letter(smtp_url: str, mail_from: str, to: str, subject: str, body: str) -> str:
    """Send one plain-text message (through :mod:`pipeline.notify.mail`, as the team's
    notifications go); returns its Message-ID. :class:`ConfigError` when no relay is set or
    the address is not one, :class:`DeliveryError` when the relay refuses it or cannot be
    reached."""
    if not smtp_url:
        raise ConfigError("no mail relay: set PIPELINE_SMTP_URL (smtp://host:port)",
                          path="PIPELINE_SMTP_URL")
    message = build_message(mail_from, check_address(to), subject, body)
    send_message(smtp_url, message)
    return str(message["Message-ID"])


__all__ = ["build_message", "check_address", "send_letter"]
