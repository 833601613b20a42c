"""The preview of an edition as subscribers will receive it, and a test message.

:func:`render_preview` renders one language of the edition as it is now (the plan with the
current texts, the links of a real send), exactly as a send would, missing translations
marked instead of refused. :func:`send_test` sends that rendering, HTML and plain text as
``multipart/alternative``, to one address through the configured SMTP server
(``PIPELINE_SMTP_URL``: ``smtp://[user:password@]host[:port]``, STARTTLS when the server
offers it, or ``smtps://`` for TLS from the start). One message to one address: the sender of
whole editions is :mod:`pipeline.deliver`.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections import OrderedDict
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from threading import Lock
from urllib.parse import unquote, urlsplit

from pipeline.app import App
from pipeline.draft.fingerprint import plan_digest
from pipeline.errors import ConfigError, DeliveryError, one_line
from pipeline.jobs.editions import current_plan, edition_links
from pipeline.permissions import Action, Actor, require
from pipeline.records import LANGUAGES
from pipeline.render import RenderedEdition, render_edition
from pipeline.store.audit import record_audit
from pipeline.store.editions import get_edition

SMTP_TIMEOUT_S = 30
CACHE_SIZE = 12
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\]{1,64}@[^@\s<>(),;:\"\[\]\\]{1,253}$")
_cache: OrderedDict[tuple[int, str, str], RenderedEdition] = OrderedDict()
_cache_lock = Lock()


def render_preview(app: App, actor: Actor, edition_id: int, lang: str) -> RenderedEdition:
    """One language of the edition as a subscriber would receive it now (kept in a small
    cache while the content and the texts' states stay the same)."""
    require(actor, Action.READ)
    if lang not in LANGUAGES:
        raise ConfigError(f"unknown language {lang!r}")
    with app.session(readonly=True) as session:
        edition = get_edition(session, edition_id)
        plan = current_plan(session, edition)
        links = edition_links(app, edition)[lang]
    key = (edition_id, lang, plan_digest(plan) + repr(links))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    rendered = render_edition(plan, lang=lang, links=links, allow_incomplete=True)
    with _cache_lock:
        _cache[key] = rendered
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return rendered


def check_address(raw: str) -> str:
    """One plain e-mail address (no name, no list, no control character), or ConfigError."""
    value = raw.strip()
    if not value or len(value) > 254 or any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw) \
            or "=?" in value or not _ADDRESS.match(value):
        # "=?": an encoded word, which a mail library may decode into new header lines
        raise ConfigError("expected one e-mail address (name@example.org)")
    return value


def build_message(rendered: RenderedEdition, *, sender: str, to: str, test: bool = True
                  ) -> EmailMessage:
    """The e-mail of one language: plain text first, then the HTML, as alternatives."""
    message = EmailMessage(policy=SMTP)
    name, address = parseaddr(sender)
    local, _, domain = address.partition("@")
    message["From"] = Address(display_name=name, username=local, domain=domain)
    username, _, host = to.rpartition("@")
    message["To"] = Address(username=username, domain=host)
    subject = " ".join(rendered.subject.split())
    message["Subject"] = f"[TEST] {subject}" if test else subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain or None)
    message.set_content(rendered.text, subtype="plain", charset="utf-8")
    message.add_alternative(rendered.html, subtype="html", charset="utf-8")
    message["Content-Language"] = rendered.lang  # after: the parts take Content-* headers
    return message


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    tls: bool
    """TLS from the first byte (smtps://); otherwise STARTTLS when offered."""
    user: str
    password: str

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        if not url:
            raise DeliveryError("no SMTP server is configured (PIPELINE_SMTP_URL)")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise DeliveryError("PIPELINE_SMTP_URL is not a valid address") from None
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise DeliveryError("PIPELINE_SMTP_URL must look like smtp://host:port or "
                                "smtps://host:port")
        tls = parts.scheme == "smtps"
        return cls(parts.hostname, port or (465 if tls else 25), tls,
                   unquote(parts.username or ""), unquote(parts.password or ""))


def deliver_one(server: SmtpServer, message: EmailMessage, sender: str, to: str) -> None:
    """One SMTP transaction for one recipient; any failure is one DeliveryError line."""
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if server.tls:
            client = smtplib.SMTP_SSL(server.host, server.port, timeout=SMTP_TIMEOUT_S,
                                      context=context)
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=SMTP_TIMEOUT_S)
        with client:
            client.ehlo()
            if not server.tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
            if server.user:
                client.login(server.user, server.password)
            client.send_message(message, from_addr=sender, to_addrs=[to])
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"the SMTP server refused the test message: {one_line(exc)}"
                            ) from None


def send_test(app: App, actor: Actor, edition_id: int, lang: str, to: str) -> str:
    """Send the preview of ``lang`` to ``to``; returns the Message-ID. Audited."""
    require(actor, Action.SEND)
    address = check_address(to)
    server = SmtpServer.from_url(app.settings.smtp_url)
    rendered = render_preview(app, actor, edition_id, lang)
    message = build_message(rendered, sender=app.settings.mail_from, to=address)
    envelope_from = parseaddr(app.settings.mail_from)[1]
    deliver_one(server, message, envelope_from, address)
    with app.session() as session:
        record_audit(session, actor.name, "edition.test_sent", f"edition:{edition_id}:{lang}",
                     to=address, message_id=str(message["Message-ID"]))
    return str(message["Message-ID"])


__all__ = ["SmtpServer", "build_message", "check_address", "deliver_one", "render_preview",
           "send_test"]
