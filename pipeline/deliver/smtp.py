"""One kept SMTP connection (smtplib), and what an answer means for the delivery.

=================================  =============  ==========================================
answer                             outcome        what follows
=================================  =============  ==========================================
250 after DATA                     ``sent``
4xx anywhere, connection lost      ``deferred``   retried later with back-off
5xx to RCPT TO                     ``bounced``    the address is suppressed (a hard bounce)
5xx after DATA, mailbox (5.1/5.2)  ``bounced``    likewise
other 5xx after DATA, to MAIL      ``failed``     about the message or the sender, not the
                                                  address: nobody is suppressed for it
cannot connect, greet or log in    ``deferred``   counted: repeated, the send pauses
=================================  =============  ==========================================

A connection lost mid-DATA (before the server's answer) is ``deferred``: the message was not
accepted, and is sent again later with the same Message-ID.
"""

from __future__ import annotations

import re
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from pipeline.errors import ConfigError, DeliveryError

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_ENHANCED = re.compile(rb"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")


class Outcome(StrEnum):
    SENT = "sent"
    DEFERRED = "deferred"
    BOUNCED = "bounced"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class SendResult:
    outcome: Outcome
    code: int = 0
    detail: str = ""
    unreachable: bool = False
    """The server could not be reached at all (connect, greeting, TLS): not the message's
    fault, and many of these in a row pause the send."""


@dataclass(frozen=True)
class SmtpTarget:
    """Where messages go: ``smtp://`` (plain), ``smtp+starttls://`` (STARTTLS required) or
    ``smtps://`` (TLS from the start), with an optional ``user:password@``."""

    scheme: str
    host: str
    port: int
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 60.0


def parse_smtp_url(url: str, *, timeout: float = 60.0) -> SmtpTarget:
    if not url:
        raise ConfigError("PIPELINE_SMTP_URL is not set: sending needs an SMTP relay "
                          "(smtp://host:port, smtp+starttls://user:password@host:587 or "
                          "smtps://…); --dry-run writes the messages to a folder instead")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ConfigError("not a valid SMTP URL", path="PIPELINE_SMTP_URL") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ConfigError("expected smtp://, smtp+starttls:// or smtps:// and a host",
                          path="PIPELINE_SMTP_URL")
    return SmtpTarget(parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme],
                      unquote(parts.username or ""), unquote(parts.password or ""), timeout)


@lru_cache(maxsize=1)
def local_hostname() -> str:
    """The name this host gives in EHLO (looked up once per process)."""
    return socket.getfqdn() or "localhost"


def _enhanced(message: bytes) -> tuple[int, int] | None:
    found = _ENHANCED.match(message or b"")
    return (int(found.group(2)), int(found.group(3))) if found else None


def _text(code: int, message: bytes | str) -> str:
    raw = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(raw.split())}"[:500]


def connect(target: SmtpTarget) -> smtplib.SMTP:
    """A greeted, logged-in connection to ``target`` (TLS from the first byte for smtps://,
    STARTTLS required for smtp+starttls://); smtplib's own errors otherwise."""
    if target.scheme == "smtps":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            target.host, target.port, local_hostname(), timeout=target.timeout,
            context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(target.host, target.port, local_hostname(), timeout=target.timeout)
    try:
        smtp.ehlo()
        if target.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if target.username:
            smtp.login(target.username, target.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_one(target: SmtpTarget, message: EmailMessage, *, envelope_from: str | None = None,
             to: Sequence[str] | None = None, what: str = "message") -> None:
    """One message over a connection of its own (a notification, a letter, a test message);
    any failure is one :class:`DeliveryError` line, never the URL (it may hold a password)."""
    try:
        with connect(target) as smtp:
            smtp.send_message(message, from_addr=envelope_from, to_addrs=to)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"{what} not sent ({type(exc).__name__}: "
                            f"{' '.join(str(exc).split())[:200]})") from None


class SmtpConnection:
    """One connection, opened on first use and kept between messages; reopened after a
    loss."""

    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> SendResult | None:
        """Connect, greet and log in; a :class:`SendResult` when that failed."""
        target = self.target
        try:
            smtp = connect(target)
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"the SMTP relay refused the login: "
                                f"{_text(exc.smtp_code, exc.smtp_error)}") from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryError("the SMTP relay does not offer STARTTLS") from None
        except (OSError, smtplib.SMTPException) as exc:
            return SendResult(Outcome.DEFERRED, 0, f"cannot reach the SMTP relay "
                              f"{target.host}:{target.port}: {exc}"[:500], unreachable=True)
        self.smtp = smtp
        return None

    def send(self, envelope_from: str, recipient: str, data: bytes) -> SendResult:
        if self.smtp is None:
            failed = self.open()
            if failed is not None:
                return failed
        assert self.smtp is not None
        try:
            refused = self.smtp.sendmail(envelope_from, [recipient], data)
        except smtplib.SMTPRecipientsRefused as exc:
            code, message = exc.recipients.get(recipient, (0, b"refused"))
            return self._answer(code, message, at_rcpt=True)
        except smtplib.SMTPSenderRefused as exc:
            result = self._answer(exc.smtp_code, exc.smtp_error, at_rcpt=False)
            if result.outcome is Outcome.BOUNCED:  # the sender is refused, not the address
                return SendResult(Outcome.FAILED, result.code, result.detail)
            return result
        except smtplib.SMTPDataError as exc:
            return self._answer(exc.smtp_code, exc.smtp_error, at_rcpt=False)
        except (smtplib.SMTPException, OSError) as exc:  # lost, timed out, garbled
            self.close()
            return SendResult(Outcome.DEFERRED, 0, f"connection lost: {exc}"[:500])
        if refused:
            code, message = refused.get(recipient, (0, b"refused"))
            return self._answer(code, message, at_rcpt=True)
        return SendResult(Outcome.SENT, 250)

    def _answer(self, code: int, message: bytes | str, *, at_rcpt: bool) -> SendResult:
        detail = _text(code, message)
        raw = message.encode('utf-8', 'replace') if isinstance(message, str) else message
        if code == 421 or self.smtp is None or getattr(self.smtp, "sock", None) is None:
            self.close()
        if 400 <= code < 500 or code < 200:
            return SendResult(Outcome.DEFERRED, code, detail)
        if 500 <= code < 600:
            enhanced = _enhanced(raw)
            if at_rcpt or (enhanced is not None and enhanced[0] in (1, 2)):
                return SendResult(Outcome.BOUNCED, code, detail)
            return SendResult(Outcome.FAILED, code, detail)
        return SendResult(Outcome.DEFERRED, code, detail)

    def close(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


__all__ = ["Outcome", "SendResult", "SmtpConnection", "SmtpTarget", "connect", "local_hostname",
           "parse_smtp_url", "send_one"]
