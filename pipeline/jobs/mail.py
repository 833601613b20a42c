"""What every outgoing message shares: the sender's identity, signed links, DKIM, and the
message templates of an edition (each language rendered once per send)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

from pipeline.deliver import (
    PREFERENCES_SLOT,
    UNSUBSCRIBE_SLOT,
    ListInfo,
    MessageTemplate,
    Recipient,
    domain_of,
    fold_headers,
)
from pipeline.deliver.dkim import DkimSigner
from pipeline.deliver.messages import plain_address
from pipeline.draft import EditionPlan
from pipeline.records import LANGUAGES
from pipeline.render import EditionLinks, load_translations, render_all
from pipeline.render.labels import PUBLICATIONS
from pipeline.settings import Settings
from pipeline.signing import LinkSigner, Purpose, check_secret, verp_address


@dataclass(frozen=True)
class MailSetup:
    """The sender's identity and keys, from the settings (checked once)."""

    settings: Settings
    secret: str
    mail_from: str
    domain: str
    bounce_address: str
    unsubscribe_mailto: str
    dkim: DkimSigner | None

    @classmethod
    def from_settings(cls, settings: Settings) -> MailSetup:
        secret = check_secret(settings.secret_key)
        domain = domain_of(settings.mail_from)
        key = settings.dkim_key_path
        dkim = None
        if str(key) not in ("", "."):
            dkim = DkimSigner.from_file(key, selector=settings.dkim_selector,
                                        domain=settings.dkim_domain or domain)
        return cls(settings, secret, settings.mail_from, domain,
                   settings.bounce_address or f"bounces@{domain}",
                   settings.unsubscribe_mailto or f"unsubscribe@{domain}", dkim)

    @property
    def base_url(self) -> str:
        return self.settings.base_url.rstrip("/")

    def unsubscribe_url(self, token: str) -> str:
        return f"{self.base_url}/unsubscribe/{token}"

    def preferences_url(self, token: str) -> str:
        return f"{self.base_url}/preferences/{token}"

    def envelope_from(self, delivery_id: int) -> str:
        return verp_address(self.secret, self.bounce_address, delivery_id)

    def sign(self, message: bytes) -> bytes:
        return self.dkim.sign(message) if self.dkim else message


class RecipientLinks:
    """Signs the two links of every message (one serializer per purpose, made once)."""

    def __init__(self, setup: MailSetup, kind: str) -> None:
        self.kind = kind
        self.unsubscribe = LinkSigner(setup.secret, Purpose.UNSUBSCRIBE)
        self.preferences = LinkSigner(setup.secret, Purpose.PREFERENCES)

    def recipient(self, address: str, message_id: str, token: str) -> Recipient:
        return Recipient(address, message_id, self.unsubscribe.dumps(token, self.kind),
                         self.preferences.dumps(token))


def build_templates(setup: MailSetup, *, edition_id: int, kind: str, plan: EditionPlan,
                    web_urls: dict[str, str]) -> dict[str, MessageTemplate]:
    """Each language rendered once (links to the slots that recipients fill in)."""
    links = {lang: EditionLinks(web_url=web_urls.get(lang, ""),
                                unsubscribe_url=setup.unsubscribe_url(UNSUBSCRIBE_SLOT),
                                preferences_url=setup.preferences_url(PREFERENCES_SLOT))
             for lang in LANGUAGES}
    rendered = render_all(plan, links=links)
    templates = {}
    for lang, result in rendered.items():
        publication = load_translations(lang).gettext(PUBLICATIONS.get(kind, kind))
        mailing_list = ListInfo(
            list_id=f"{kind}.{lang}.{setup.domain}",
            name=f"« 4 per 1000 » {publication} ({lang.upper()})",
            unsubscribe_url=setup.unsubscribe_url(UNSUBSCRIBE_SLOT),
            unsubscribe_mailto=setup.unsubscribe_mailto,
            feedback_id=f"{edition_id}:{kind}:{lang}:pipeline")
        templates[lang] = MessageTemplate(lang=lang, subject=result.subject, text=result.text,
                                          html=result.html, mail_from=setup.mail_from,
                                          mailing_list=mailing_list)
    return templates


def build_notice(setup: MailSetup, *, to: str, lang: str, subject: str, body: str) -> bytes:
    """A plain-text message to one person (a confirmation link, a link to their
    preferences): headers through the email package's policy, UTF-8 quoted-printable."""
    import binascii

    headers = fold_headers([
        ("From", setup.mail_from), ("To", to), ("Subject", subject),
        ("Date", format_datetime(datetime.now(UTC))),
        ("Message-ID", f"<notice.{secrets.token_hex(10)}@{setup.domain}>"),
        ("MIME-Version", "1.0"), ("Content-Type", 'text/plain; charset="utf-8"'),
        ("Content-Transfer-Encoding", "quoted-printable"), ("Content-Language", lang),
        ("Auto-Submitted", "auto-generated")])
    text = body.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n") + "\n"
    encoded = binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")
    return setup.sign(headers + b"\r\n" + encoded)


def sender_address(setup: MailSetup) -> str:
    return plain_address(setup.mail_from)


def write_message(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    target.write_bytes(data)
    return target


__all__ = ["MailSetup", "RecipientLinks", "build_notice", "build_templates", "sender_address",
           "write_message"]
