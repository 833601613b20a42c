"""Reading what comes back: delivery status notifications (RFC 3464), complaints (ARF,
RFC 5965) and mails to the List-Unsubscribe mailto; and the mailboxes they arrive in.

:func:`read_report` says what a message is and what it points to (the Message-IDs of the
original message, the addresses it names, the token of an unsubscribe mail); matching them to
deliveries and acting on them is the job's (:mod:`pipeline.jobs.bounces`).

=================================================  ===========
what                                               kind
=================================================  ===========
DSN, Action ``failed``, Status 5.x.x               ``hard``
DSN, Action ``delayed`` or Status 4.x.x            ``soft``
ARF feedback report (abuse, fraud…)                ``complaint``
a mail whose subject is ``unsubscribe TOKEN``      ``unsubscribe``
anything else (delivered, out of office, …)        ``other``
=================================================  ===========
"""

from __future__ import annotations

import email
import mailbox
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message
from pathlib import Path

from pipeline.errors import ParseError

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}@[^<>\s]{1,250}>")
_UNSUBSCRIBE = re.compile(r"^\s*unsubscribe\s+([A-Za-z0-9_.\-]{10,300})\s*$", re.I)
ADDRESS_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "To", "X-Failed-Recipients")


@dataclass(frozen=True, slots=True)
class Report:
    kind: str
    status: str = ""
    """The enhanced status code (``5.1.1``) or the feedback type (``abuse``)."""
    diagnostic: str = ""
    message_ids: tuple[str, ...] = ()
    """Message-IDs of the original message quoted by the report."""
    addresses: tuple[str, ...] = ()
    """Where the report was delivered (a VERP address) and the recipients it names."""
    token: str = ""
    """The token of an unsubscribe mail."""


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (IndexError, ValueError, TypeError):  # a header the parser cannot fold back
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _blocks(part: Message) -> list[Message]:
    """The field blocks of a message/delivery-status or message/feedback-report part."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    text = payload if isinstance(payload, str) else ""
    return [email.message_from_string(block + "\n", policy=policy.compat32)
            for block in re.split(r"\r?\n\s*\r?\n", text) if block.strip()]


def _original_ids(message: Message) -> list[str]:
    """Message-IDs of the quoted original (message/rfc822 or text/rfc822-headers)."""
    found: list[str] = []
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type in ("message/rfc822", "message/global"):
            for inner in part.get_payload() or ():
                if isinstance(inner, Message):
                    found.extend(_MESSAGE_ID.findall(_header(inner, "Message-ID")))
        elif content_type in ("text/rfc822-headers", "message/global-headers"):
            raw = part.get_payload(decode=True) or b""
            headers = email.message_from_bytes(bytes(raw), policy=policy.compat32)
            found.extend(_MESSAGE_ID.findall(_header(headers, "Message-ID")))
    return list(dict.fromkeys(found))


def _address_of(field: str) -> str:
    """``rfc822; someone@example.org`` → ``someone@example.org``."""
    return field.partition(";")[2].strip().strip("<>") if ";" in field else field.strip("<> ")


def read_report(raw: bytes) -> Report:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise ParseError(f"a message of {len(raw)} bytes: over {MAX_MESSAGE_BYTES}")
    message = email.message_from_bytes(raw, policy=policy.compat32)
    addresses = [_header(message, name) for name in ADDRESS_HEADERS]
    report_type = (message.get_param("report-type") or "") if message.get_content_type() \
        == "multipart/report" else ""
    report_type = str(report_type).lower()
    if report_type == "delivery-status":
        return _delivery_status(message, addresses)
    if report_type == "feedback-report":
        return _feedback(message, addresses)
    found = _UNSUBSCRIBE.match(_header(message, "Subject"))
    if found:
        return Report("unsubscribe", token=found.group(1), addresses=_clean(addresses))
    return Report("other", addresses=_clean(addresses),
                  message_ids=tuple(_MESSAGE_ID.findall(_header(message, "In-Reply-To"))))


def _clean(addresses: list[str]) -> tuple[str, ...]:
    out = []
    for value in addresses:
        for piece in value.split(","):
            address = piece.strip().strip("<>").strip()
            if "@" in address and len(address) <= 320:
                out.append(address.lower())
    return tuple(dict.fromkeys(out))


def _delivery_status(message: Message, addresses: list[str]) -> Report:
    status_part = next((p for p in message.walk()
                        if p.get_content_type() in ("message/delivery-status",
                                                    "message/global-delivery-status")), None)
    recipients = _blocks(status_part)[1:] if status_part is not None else []
    kind, status, diagnostic = "other", "", ""
    for block in recipients:
        action = _header(block, "Action").lower()
        code = _STATUS.search(_header(block, "Status"))
        addresses.append(_address_of(_header(block, "Final-Recipient")))
        addresses.append(_address_of(_header(block, "Original-Recipient")))
        if code and code.group(1) == "5" and action in ("failed", ""):
            kind, status = "hard", code.group(0)
        elif kind != "hard" and (action == "delayed" or (code and code.group(1) == "4")):
            kind, status = "soft", code.group(0) if code else "4.0.0"
        else:
            continue
        diagnostic = _header(block, "Diagnostic-Code")[:1000]
    return Report(kind, status, diagnostic, tuple(_original_ids(message)), _clean(addresses))


def _feedback(message: Message, addresses: list[str]) -> Report:
    part = next((p for p in message.walk()
                 if p.get_content_type() == "message/feedback-report"), None)
    fields = _blocks(part)[0] if part is not None and _blocks(part) else Message()
    feedback_type = _header(fields, "Feedback-Type").lower() or "abuse"
    addresses.append(_header(fields, "Original-Rcpt-To"))
    return Report("complaint", feedback_type[:16], _header(fields, "User-Agent")[:1000],
                  tuple(_original_ids(message)), _clean(addresses))


def iter_messages(path: Path) -> Iterator[bytes]:
    """Every message of a Maildir (its ``new/`` and ``cur/``), a folder of ``.eml`` files, an
    mbox file or one message file."""
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(str(path), factory=None, create=False)
            for key in sorted(box.keys()):
                yield box.get_bytes(key)
            return
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            yield file.read_bytes()[:MAX_MESSAGE_BYTES + 1]
        return
    with path.open("rb") as handle:
        start = handle.read(5)
    if start == b"From ":
        mbox = mailbox.mbox(str(path), factory=None, create=False)
        for key in mbox.iterkeys():
            yield mbox.get_bytes(key)
        return
    yield path.read_bytes()[:MAX_MESSAGE_BYTES + 1]


def split_mbox(data: bytes) -> Iterator[bytes]:
    """The messages of mbox text read from a stream (one message when it is not an mbox)."""
    if not data.startswith(b"From "):
        yield data
        return
    current: list[bytes] = []
    for line in data.splitlines(keepends=True):
        if line.startswith(b"From ") and (not current or current[-1].strip() == b""):
            if current:
                yield b"".join(current)
            current = []
            continue
        current.append(line[1:] if line.startswith(b">From ") else line)
    if current:
        yield b"".join(current)


__all__ = ["Report", "iter_messages", "read_report", "split_mbox"]
