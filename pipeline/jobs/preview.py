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
from collections import OrderedDict
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from threading import Lock

from pipeline.app import App
from pipeline.deliver.smtp import parse_smtp_url, send_one
from pipeline.draft.fingerprint import plan_digest
from pipeline.errors import ConfigError, DeliveryError
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


def send_test(app: App, actor: Actor, edition_id: int, lang: str, to: str) -> str:
    """Send the preview of ``lang`` to ``to``; returns the Message-ID. Audited."""
    require(actor, Action.SEND)
    address = check_address(to)
    if not app.settings.smtp_url:
        raise DeliveryError("no SMTP server is configured (PIPELINE_SMTP_URL)")
    try:
        target = parse_smtp_url(app.settings.smtp_url, timeout=SMTP_TIMEOUT_S)
    except ConfigError as exc:  # the relay's setting, not the address typed in the form
        raise DeliveryError(str(exc)) from None
    rendered = render_preview(app, actor, edition_id, lang)
    message = build_message(rendered, sender=app.settings.mail_from, to=address)
    send_one(target, message, envelope_from=parseaddr(app.settings.mail_from)[1],
             to=[address], what="test message")
    with app.session() as session:
        record_audit(session, actor.name, "edition.test_sent", f"edition:{edition_id}:{lang}",
                     to=address, message_id=str(message["Message-ID"]))
    return str(message["Message-ID"])


__all__ = ["build_message", "check_address", "render_preview", "send_test"]
