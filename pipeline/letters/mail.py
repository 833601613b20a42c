"""One message to one person through the team's SMTP relay (smtplib).

``PIPELINE_SMTP_URL`` names the relay: ``smtp://host:port`` (plain, a relay on the same
host), ``smtp+starttls://user:password@host:587`` (STARTTLS required) or
``smtps://user:password@host:465`` (TLS from the start). Header values are built by the
email package's SMTP policy, which refuses line breaks; the subject is made one line first.
"""

from __future__ import annotations

import smtplib
import ssl
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from pipeline.errors import ConfigError, DeliveryError

PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 30.0
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


def build_message(mail_from: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = check_address(to)
    message["Subject"] = " ".join(subject.split())[:200]
    domain = mail_from.rpartition("@")[2].strip(" >") or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def send_letter(smtp_url: str, mail_from: str, to: str, subject: str, body: str) -> str:
    """Send one plain-text message; returns its Message-ID. :class:`ConfigError` when no
    relay is set, :class:`DeliveryError` when the relay refuses it or cannot be reached."""
    if not smtp_url:
        raise ConfigError("no mail relay: set PIPELINE_SMTP_URL (smtp://host:port)",
                          path="PIPELINE_SMTP_URL")
    message = build_message(mail_from, to, subject, body)
    try:
        parts = urlsplit(smtp_url)
        port = parts.port or PORTS.get(parts.scheme, 0)
    except ValueError:
        raise ConfigError("not a valid SMTP URL", path="PIPELINE_SMTP_URL") from None
    if parts.scheme not in PORTS or not parts.hostname:
        raise ConfigError("expected smtp://, smtp+starttls:// or smtps:// and a host",
                          path="PIPELINE_SMTP_URL")
    try:
        smtp: smtplib.SMTP
        if parts.scheme == "smtps":
            smtp = smtplib.SMTP_SSL(parts.hostname, port, timeout=TIMEOUT_SECONDS,
                                    context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT_SECONDS)
        with smtp:
            smtp.ehlo()
            if parts.scheme == "smtp+starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if parts.username:
                smtp.login(unquote(parts.username), unquote(parts.password or ""))
            smtp.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        # never the URL: it may hold a password
        raise DeliveryError(f"message not sent ({type(exc).__name__}: "
                            f"{' '.join(str(exc).split())[:200]})") from None
    return str(message["Message-ID"])


__all__ = ["build_message", "check_address", "send_letter"]
