"""One plain message (a notification, an invitation, a digest) through the team's SMTP
relay (smtplib).

``PIPELINE_SMTP_URL`` names the relay as the delivery stage reads it: ``smtp://host:port``
(plain, for a relay on the same host), ``smtp+starttls://user:password@host:587`` (STARTTLS
required) or ``smtps://user:password@host:465`` (TLS from the start).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

from pipeline.errors import ConfigError, DeliveryError

PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
TIMEOUT_SECONDS = 30.0


def build_message(mail_from: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text message; header values are one line (line breaks in a subject become
    spaces; an address with one is refused by the email package)."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = to
    message["Subject"] = " ".join(subject.split())[:200]
    domain = mail_from.rpartition("@")[2].strip(" >") or None
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)
    return message


def send_message(smtp_url: str, message: EmailMessage) -> None:
    """Send ``message`` to its ``To``; :class:`DeliveryError` when the relay refuses it or
    cannot be reached (the caller keeps the notification and tries again later)."""
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


__all__ = ["build_message", "send_message"]
