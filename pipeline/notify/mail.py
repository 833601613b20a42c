"""One plain message (a notification, an invitation, a digest) through the team's SMTP
relay (smtplib).

``PIPELINE_SMTP_URL`` names the relay as the delivery stage reads it: ``smtp://host:port``
(plain, for a relay on the same host), ``smtp+starttls://user:password@host:587`` (STARTTLS
required) or ``smtps://user:password@host:465`` (TLS from the start).
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid

from pipeline.deliver.smtp import parse_smtp_url, send_one

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
    """Send ``message`` to its ``To`` through the delivery stage's SMTP client;
    :class:`DeliveryError` when the relay refuses it or cannot be reached (the caller keeps
    the notification and tries again later)."""
    send_one(parse_smtp_url(smtp_url, timeout=TIMEOUT_SECONDS), message)


__all__ = ["build_message", "send_message"]
