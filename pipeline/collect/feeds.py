"""Feeds (RSS, Atom, RDF) parsed from bytes we fetched, never from a URL or a path.

Entity declarations and external entities are refused before feedparser sees the bytes (defusedxml
on the prolog, plus a plain scan for ``<!ENTITY`` when the prolog is not well-formed). Everything
that comes out is valid UTF-8 text without NULs, within length and count caps, with warnings.
"""

from __future__ import annotations

import email.utils
import io
import re
import xml.sax
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin

import feedparser
from defusedxml import DefusedXmlException
from defusedxml.expatreader import DefusedExpatParser

from pipeline.collect.bombs import MAX_UNCLOSED_TAGS, XML_SIGNATURES, count_unclosed_tags
from pipeline.collect.cleaning import (
    MAX_AUTHOR_CHARS,
    MAX_BODY_CHARS,
    MAX_SUMMARY_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    clean_text,
    html_to_text,
    normalise_date,
)
from pipeline.collect.tidy import strip_tails, tidy_title
from pipeline.errors import ParseError

DEFAULT_MAX_ITEMS = 1000
MAX_CATEGORIES = 20
MAX_CATEGORY_CHARS = 100
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
_OFFSET = re.compile(r"(?:\s*(?:GMT|UTC)?\s*)([+-])(\d{2}):?(\d{2})\s*$")


@dataclass(frozen=True, slots=True)
class FeedEntry:
    title: str
    link: str | None
    guid: str | None
    published_at: datetime | None
    summary: str
    author: str | None = None
    publisher: str | None = None
    enclosures: tuple[str, ...] = ()
    content: str = ""
    """Full text from ``content:encoded`` / Atom content when longer than the summary."""
    warnings: tuple[str, ...] = ()
    """What was cut or dropped from this entry (its item keeps them)."""
    categories: tuple[str, ...] = ()
    """The feed's categories of the entry (RSS ``<category>``, Atom ``label`` or ``term``)."""


@dataclass(slots=True)
class ParsedFeed:
    title: str
    link: str | None
    entries: list[FeedEntry]
    version: str = ""
    encoding: str = ""
    bozo: bool = False
    """feedparser found the document not well-formed and read it best-effort."""
    warnings: list[str] = field(default_factory=list)


class _StopAtRoot(Exception):
    """Raised once the root element starts: the prolog (where DTDs live) has been checked."""


class _RootHandler(xml.sax.handler.ContentHandler):
    def startElement(self, name: str, attrs: object) -> None:
        raise _StopAtRoot

    def startElementNS(self, name: object, qname: object, attrs: object) -> None:
        raise _StopAtRoot


def _declared_charset(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'").lower()
    return None


def _decoded_entity_scan(body: bytes, content_type: str | None = None) -> bool:
    """True when an entity declaration appears in the bytes as written, or decoded in any
    encoding the parser could read them in (UTF-16, UTF-32 and EBCDIC, by their first bytes or
    the HTTP charset): expat reads neither UTF-32 nor EBCDIC, feedparser reads both."""
    if _ENTITY_DECL.search(body):
        return True
    encodings = {name for signature, name in XML_SIGNATURES if body.startswith(signature)}
    charset = _declared_charset(content_type)
    if charset:
        encodings.add(charset)
    for name in encodings:
        try:
            text = body.decode(name, errors="ignore")
        except LookupError:
            continue
        if "<!entity" in text.lower():
            return True
    return False


def refuse_dangerous_xml(body: bytes, content_type: str | None = None) -> None:
    """Raise :class:`ParseError` if the document declares entities or references external ones.

    A DOCTYPE naming an external DTD is tolerated (old RSS 0.91 feeds do) but never loaded."""
    parser = DefusedExpatParser(forbid_dtd=False, forbid_entities=True, forbid_external=False)
    parser.setContentHandler(_RootHandler())
    parser.setFeature(xml.sax.handler.feature_external_ges, False)
    parser.setFeature(xml.sax.handler.feature_external_pes, False)
    try:
        parser.parse(io.BytesIO(body))
    except _StopAtRoot:
        pass
    except DefusedXmlException as error:
        raise ParseError(f"feed refused: {type(error).__name__} (entity declarations or "
                         "external entities are not allowed)") from None
    except (xml.sax.SAXException, ValueError, LookupError):
        pass  # not well-formed: the scan below still applies, feedparser does best effort
    if _decoded_entity_scan(body, content_type):
        raise ParseError("feed refused: entity declarations are not allowed")
    unclosed = count_unclosed_tags(body)
    if unclosed > MAX_UNCLOSED_TAGS:
        raise ParseError(f"feed refused: {unclosed} more opening than closing tags (a "
                         f"nested-tag bomb; at most {MAX_UNCLOSED_TAGS})")


def _entry_text(entry: Any, key: str) -> str | None:
    value = entry.get(key)
    if isinstance(value, str):
        return value
    return None


def _entry_summary(entry: Any) -> str | None:
    summary = entry.get("summary")
    if summary:
        return str(summary)
    return _entry_content(entry)


def _entry_content(entry: Any) -> str | None:
    for content in entry.get("content") or ():
        if content.get("value"):
            return str(content["value"])
    return None


def impossible_offset(raw: str) -> bool:
    """Whether a date ends with a time-zone offset no place has (``+9999``, ``+25:00``):
    real offsets lie within ±14 hours."""
    match = _OFFSET.search(raw)
    if match is None:
        return False
    return int(match.group(2)) > 14 or int(match.group(3)) > 59


def read_as_utc(raw: str) -> datetime | None:
    """A date whose offset is impossible, read without it (as UTC); None if unreadable."""
    bare = _OFFSET.sub("", raw).strip()
    try:
        return datetime.fromisoformat(bare).replace(tzinfo=UTC)
    except ValueError:
        pass
    parsed = email.utils.parsedate_tz(bare)
    if parsed is None:
        return None
    try:
        return datetime(*parsed[:6], tzinfo=UTC)
    except ValueError:
        return None


def _entry_date(entry: Any) -> tuple[Any, str | None]:
    """The entry's date (feedparser's, in UTC) and a warning; a date with an impossible
    time-zone offset is read as UTC rather than shifted by days."""
    for key in ("published", "updated", "created"):
        parsed = entry.get(f"{key}_parsed")
        raw = entry.get(key)
        if isinstance(raw, str) and impossible_offset(raw):
            return read_as_utc(raw), f"impossible time-zone offset in {raw[:60]!r}: read as UTC"
        if parsed:
            return parsed, None
    return None, None


def _entry_categories(entry: Any) -> tuple[str, ...]:
    """RSS ``<category>`` texts and Atom categories (the ``label`` meant for people, else the
    ``term``), cleaned, without repeats, at most :data:`MAX_CATEGORIES`."""
    found: dict[str, None] = {}
    for tag in entry.get("tags") or ():
        raw = tag.get("label") or tag.get("term")
        text = clean_text(raw if isinstance(raw, str) else None, MAX_CATEGORY_CHARS)[0]
        if text:
            found.setdefault(text, None)
    return tuple(found)[:MAX_CATEGORIES]


def _entry_link(entry: Any) -> str | None:
    link = _entry_text(entry, "link")
    if link and link.strip():
        return link.strip()
    for item in entry.get("links") or ():
        if item.get("href") and item.get("rel", "alternate") == "alternate":
            return str(item["href"]).strip()
    guid = _entry_text(entry, "id")
    if guid and guid.startswith(("http://", "https://")) and entry.get("guidislink", True):
        return guid.strip()
    return None


def _absolute(link: str, base: str | None) -> str:
    """``link`` joined with the feed's address when it is relative (feedparser already applied
    any ``xml:base`` of the document)."""
    if not link or not base or link.startswith(("http://", "https://")):
        return link
    return urljoin(base, link)


def _convert_entry(entry: Any, fetched_at: datetime, warnings: list[str],
                   base: str | None = None) -> FeedEntry:
    notes: list[str] = []  # this entry's own warnings: its item keeps them
    title, title_cut = clean_text(
        html_to_text(_entry_text(entry, "title"), MAX_TITLE_CHARS * 2)[0], MAX_TITLE_CHARS
    )
    if title_cut:
        notes.append(f"title cut to {MAX_TITLE_CHARS} characters")
    title = tidy_title(title)
    summary, summary_cut = html_to_text(_entry_summary(entry), MAX_SUMMARY_CHARS)
    if summary_cut:
        notes.append(f"summary cut to {MAX_SUMMARY_CHARS} characters")
    summary = strip_tails(summary)
    content = strip_tails(html_to_text(_entry_content(entry), MAX_BODY_CHARS)[0])
    if len(content) <= len(summary.rstrip("…")):
        content = ""
    raw_date, offset_warning = _entry_date(entry)
    if offset_warning:
        notes.append(offset_warning)
    published_at, date_warning = normalise_date(raw_date, fetched_at)
    if date_warning:
        notes.append(date_warning)
    link = _entry_link(entry)
    link = _absolute(clean_text(link, MAX_URL_CHARS)[0], base) or None
    guid = clean_text(_entry_text(entry, "id"), MAX_URL_CHARS)[0] or None
    author = clean_text(_entry_text(entry, "author"), MAX_AUTHOR_CHARS)[0] or None
    source = entry.get("source") or {}
    publisher = clean_text(source.get("title"), MAX_AUTHOR_CHARS)[0] or None
    enclosures = tuple(
        _absolute(clean_text(str(e.get("href")), MAX_URL_CHARS)[0], base)
        for e in entry.get("enclosures") or ()
        if e.get("href")
    )
    warnings.extend(f"{title[:60]!r}: {note}" for note in notes)
    return FeedEntry(title=title, link=link, guid=guid, published_at=published_at,
                     summary=summary, author=author, publisher=publisher,
                     enclosures=enclosures[:20], content=content, warnings=tuple(notes),
                     categories=_entry_categories(entry))


def parse_feed(
    body: bytes,
    *,
    fetched_at: datetime,
    url: str | None = None,
    content_type: str | None = None,
    max_items: int = DEFAULT_MAX_ITEMS,
) -> ParsedFeed:
    """Parse feed bytes best-effort; raises :class:`ParseError` for refused or unreadable ones."""
    if not isinstance(body, bytes):
        raise TypeError("parse_feed takes the bytes of a fetched document")
    refuse_dangerous_xml(body, content_type)
    headers = {}  # no content-location: feedparser would join every URI of the feed with it
    # (a third of its time); the links we keep are made absolute below instead
    if content_type:
        headers["content-type"] = content_type
    result = feedparser.parse(io.BytesIO(body), response_headers=headers,
                              sanitize_html=False, resolve_relative_uris=False)
    warnings: list[str] = []
    entries_raw = result.get("entries") or []
    version = str(result.get("version") or "")
    if isinstance(result.get("bozo_exception"), MemoryError):
        raise MemoryError  # over the parse memory limit (feedparser caught it as "bozo")
    if not version and not entries_raw:
        reason = result.get("bozo_exception")
        raise ParseError(f"not a feed{f': {reason}' if reason else ''}")
    if result.get("bozo"):
        warnings.append(f"feed not well-formed, read best-effort: {result.get('bozo_exception')}")
    if len(entries_raw) > max_items:
        warnings.append(f"{len(entries_raw) - max_items} items over the cap of {max_items} "
                        "dropped")
        entries_raw = entries_raw[:max_items]
    feed = result.get("feed") or {}
    title, title_cut = clean_text(feed.get("title"), MAX_TITLE_CHARS)
    if title_cut:
        warnings.append(f"feed title cut to {MAX_TITLE_CHARS} characters")
    entries = []
    for entry in entries_raw:
        try:
            entries.append(_convert_entry(entry, fetched_at, warnings, base=url))
        except Exception as error:  # one odd entry never fails its feed
            warnings.append(f"entry skipped: {type(error).__name__}: {str(error)[:200]}")
    link = _absolute(clean_text(feed.get("link"), MAX_URL_CHARS)[0], url) or None
    return ParsedFeed(title=title, link=link, entries=entries, version=version,
                      encoding=str(result.get("encoding") or ""), bozo=bool(result.get("bozo")),
                      warnings=_dedupe(warnings))


def _dedupe(warnings: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for warning in warnings:
        seen.setdefault(warning[:300], None)
    return list(seen)[:50]
