"""The messages of a send: each language's message built once, a few bytes per recipient.

A :class:`MessageTemplate` holds one language of an edition as bytes ready for SMTP: the
header block shared by every recipient, and the ``multipart/alternative`` body (text part
first, then HTML, both quoted-printable) already encoded, except the few lines that hold a
per-recipient link. :meth:`MessageTemplate.build` then adds the recipient's own headers
(``To``, ``Message-ID``, ``Date``, ``List-Unsubscribe``) and encodes only those lines.

Every header goes through the ``email`` package's SMTP policy (:func:`fold_headers`): a value
holding a line break, raw or hidden in an encoded word, is refused rather than written, so
nothing can add a header or a recipient (CPython CVE-2024-6923).
"""

from __future__ import annotations

import binascii
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.errors import HeaderParseError
from email.message import EmailMessage
from email.utils import format_datetime

from pipeline.errors import DeliveryError

POLICY = policy.SMTP.clone(max_line_length=998)
"""The email package's SMTP policy, folding only lines over RFC 5322's 998 characters: its
folding at 78 turns an unbreakable URL (List-Unsubscribe) into encoded words no client reads
back as a URL, and adds spaces inside long display names and subjects with non-ASCII words
(a CPython folding bug); DKIM's relaxed canonicalisation makes folding irrelevant anyway."""
UNSUBSCRIBE_SLOT = "zzunsubscribetokenzz"
"""Stands for a recipient's unsubscribe token in the rendered body (letters only, so that it
survives URL checks and HTML escaping unchanged)."""
PREFERENCES_SLOT = "zzpreferencestokenzz"
SLOTS = (UNSUBSCRIBE_SLOT, PREFERENCES_SLOT)
_SLOT_PATTERN = re.compile(f"({'|'.join(SLOTS)})")
_NEWLINE_WITHOUT_FWSP = re.compile(rb"\r\n[^ \t]|\r[^ \n\t]|\n[^ \t]")
_TOKEN = re.compile(r"[A-Za-z0-9_.\-]{1,300}")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9_.+\-]{1,120}@[A-Za-z0-9.\-]{1,180}>")
_TO_STAND_IN = b"zzrecipientzz@zzrecipient.invalid"
_ID_STAND_IN = b"<zzmessageidzz@zzmessageid.invalid>"
_DATE_STAND_IN = format_datetime(datetime(2000, 1, 1, tzinfo=UTC)).encode()
"""Stand-ins for the recipient's own headers, written once by the email package."""
_ADDRESS = re.compile(r"[^\s<>\"(),;:\\\[\]@]+@[A-Za-z0-9.\-]+")
SIGNED_HEADERS = ("from", "to", "subject", "date", "message-id", "mime-version",
                  "content-type", "content-language", "list-id", "list-unsubscribe",
                  "list-unsubscribe-post", "feedback-id", "from")
"""What a DKIM signature covers (``from`` twice: no second From can be added unseen)."""


def fold_headers(pairs: Iterable[tuple[str, str]]) -> bytes:
    """Header lines as the email package's SMTP policy writes them (encoded words for
    non-ASCII, folded at 78 columns, CRLF). A value with a line break, or one that would
    produce one once its encoded words are decoded, raises :class:`DeliveryError`."""
    message = EmailMessage(policy=POLICY)
    for name, value in pairs:
        if "\r" in value or "\n" in value:
            raise DeliveryError(f"{name}: a line break in a header value is refused")
        try:
            message[name] = value
        except (ValueError, IndexError, HeaderParseError) as exc:
            raise DeliveryError(f"{name}: not a valid header value ({exc})") from None
    lines = []
    for name, value in message.items():
        folded = POLICY.fold_binary(name, value)
        if _NEWLINE_WITHOUT_FWSP.search(folded[:-2]) or not folded.endswith(b"\r\n"):
            raise DeliveryError(f"{name}: the value would break the header block")
        lines.append(folded)
    return b"".join(lines)


def _qp(text: str) -> bytes:
    """Quoted-printable (binascii, in C), CRLF line ends."""
    return binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\n", b"\r\n")


def _qp_soft(text: str) -> bytes:
    """Quoted-printable of text that goes on without a line end: it ends with a soft line
    break (``=`` CRLF), its last line kept short enough for that ``=``."""
    if not text:
        return b""
    head, sep, last = binascii.b2a_qp(text.encode("utf-8"), istext=True).rpartition(b"\n")
    while len(last) > 75:  # never cut inside an "=XX" escape
        cut = 75
        while last[cut - 1:cut] == b"=" or last[cut - 2:cut - 1] == b"=":
            cut -= 1
        head, sep, last = head + sep + last[:cut] + b"=", b"\n", last[cut:]
    return (head + sep + last).replace(b"\n", b"\r\n") + b"=\r\n"


class _Body:
    """One part's text, encoded once but for the recipient's links.

    Quoted-printable works line by line, so runs of whole lines are encoded once; a line
    holding a slot is cut at the slot (each piece ends with a soft line break, which readers
    remove), so that only the slot's value is encoded per recipient. HTML from MJML comes as a
    few long lines: without the cut, a whole 30 KB line would be encoded for every message."""

    def __init__(self, text: str) -> None:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.pieces: list[bytes | str] = []
        static: list[str] = []
        for line in lines:
            if not _SLOT_PATTERN.search(line):
                static.append(line + "\n")
                continue
            if static:
                self.pieces.append(_qp("".join(static)))
                static = []
            parts = _SLOT_PATTERN.split(line)
            for number, part in enumerate(parts):
                if part in SLOTS:
                    self.pieces.append(part)
                elif number == len(parts) - 1:
                    self.pieces.append(_qp(part + "\n"))
                else:
                    self.pieces.append(_qp_soft(part))
        if static:
            self.pieces.append(_qp("".join(static)))

    def encode(self, values: Mapping[str, str]) -> bytes:
        return b"".join(piece if isinstance(piece, bytes) else _qp_soft(values[piece])
                        for piece in self.pieces)


@dataclass(frozen=True, slots=True)
class Recipient:
    """What differs from one recipient to the next."""

    address: str
    message_id: str
    unsubscribe_token: str
    preferences_token: str


@dataclass(frozen=True, slots=True)
class ListInfo:
    """The list a message belongs to: one per publication and language."""

    list_id: str
    """``press-review.en.4p1000.org``"""
    name: str
    unsubscribe_url: str
    """The one-click address, ending with the unsubscribe slot."""
    unsubscribe_mailto: str
    """``unsubscribe@domain``: List-Unsubscribe's mailto, whose subject carries the token."""
    feedback_id: str = ""


class MessageTemplate:
    """One language of an edition, ready for any number of recipients."""

    def __init__(self, *, lang: str, subject: str, text: str, html: str, mail_from: str,
                 mailing_list: ListInfo) -> None:
        self.lang = lang
        self.mailing_list = mailing_list
        boundary = f"=_{secrets.token_hex(12)}"  # "=_" never occurs in quoted-printable
        headers = [("From", mail_from), ("Subject", subject), ("MIME-Version", "1.0"),
                   ("Content-Type", f'multipart/alternative; boundary="{boundary}"'),
                   ("Content-Language", lang),
                   ("List-Id", f"{mailing_list.name} <{mailing_list.list_id}>"),
                   ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
        if mailing_list.feedback_id:
            headers.append(("Feedback-ID", mailing_list.feedback_id))
        self.shared_headers = fold_headers(headers)
        part = [("Content-Transfer-Encoding", "quoted-printable")]
        self.text_head = b"--" + boundary.encode() + b"\r\n" + fold_headers(
            [("Content-Type", 'text/plain; charset="utf-8"'), *part]) + b"\r\n"
        self.html_head = b"\r\n--" + boundary.encode() + b"\r\n" + fold_headers(
            [("Content-Type", 'text/html; charset="utf-8"'), *part]) + b"\r\n"
        self.end = b"\r\n--" + boundary.encode() + b"--\r\n"
        self.own_headers = fold_headers([
            ("To", _TO_STAND_IN.decode()), ("Message-ID", _ID_STAND_IN.decode()),
            ("Date", _DATE_STAND_IN.decode()),
            ("List-Unsubscribe", self.list_unsubscribe(UNSUBSCRIBE_SLOT))])
        self.text = _Body(text)
        self.html = _Body(html)

    def build(self, recipient: Recipient, *, date_at: datetime) -> bytes:
        """The whole message for one recipient, as sent (CRLF line ends)."""
        for token in (recipient.unsubscribe_token, recipient.preferences_token):
            if not _TOKEN.fullmatch(token):
                raise DeliveryError("a link token holds characters a link cannot carry")
        if not (recipient.address.isascii() and _ADDRESS.fullmatch(recipient.address)):
            raise DeliveryError("the recipient is not one plain address")
        if not _MESSAGE_ID.fullmatch(recipient.message_id):
            raise DeliveryError("the Message-ID is not of the form <id@domain>")
        # The email package wrote these headers once with stand-ins (to_headers); the values
        # put in their place were checked above to hold nothing a header could react to.
        own = (self.own_headers
               .replace(_TO_STAND_IN, recipient.address.encode("ascii"))
               .replace(_ID_STAND_IN, recipient.message_id.encode("ascii"))
               .replace(_DATE_STAND_IN, format_datetime(date_at).encode("ascii"))
               .replace(UNSUBSCRIBE_SLOT.encode(), recipient.unsubscribe_token.encode()))
        values = {UNSUBSCRIBE_SLOT: recipient.unsubscribe_token,
                  PREFERENCES_SLOT: recipient.preferences_token}
        # The text part's last line break belongs to the boundary that follows it.
        return b"".join((self.shared_headers, own, b"\r\n", self.text_head,
                         self.text.encode(values)[:-2], self.html_head,
                         self.html.encode(values)[:-2], self.end))

    def recipient_headers(self, recipient: Recipient, *, date_at: datetime) -> bytes:
        """The recipient's own headers written by the email package directly (what
        :meth:`build` must give: a test compares them)."""
        return fold_headers([
            ("To", recipient.address), ("Message-ID", recipient.message_id),
            ("Date", format_datetime(date_at)),
            ("List-Unsubscribe", self.list_unsubscribe(recipient.unsubscribe_token))])

    def list_unsubscribe(self, token: str) -> str:
        url = self.mailing_list.unsubscribe_url.replace(UNSUBSCRIBE_SLOT, token)
        return (f"<{url}>, <mailto:{self.mailing_list.unsubscribe_mailto}"
                f"?subject=unsubscribe%20{token}>")


def domain_of(address: str) -> str:
    """The domain of an address or a ``Name <address>`` mailbox."""
    header = POLICY.header_factory("From", address)
    mailboxes = getattr(header, "addresses", ())
    return str(mailboxes[0].domain).lower() if mailboxes else address.rpartition("@")[2]


def plain_address(address: str) -> str:
    """The address of a ``Name <address>`` mailbox."""
    header = POLICY.header_factory("From", address)
    mailboxes = getattr(header, "addresses", ())
    return str(mailboxes[0].addr_spec) if mailboxes else address


__all__ = ["PREFERENCES_SLOT", "SIGNED_HEADERS", "UNSUBSCRIBE_SLOT", "ListInfo",
           "MessageTemplate", "Recipient", "domain_of", "fold_headers", "plain_address"]
