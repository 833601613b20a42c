"""Article pages: main text and metadata with trafilatura, and article links of news pages.

Always from bytes we fetched. Text comes out valid UTF-8 without NULs, within caps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import courlan
import lxml.html
from lxml import etree

from pipeline.collect.canonical import canonicalise_url
from pipeline.collect.cleaning import (
    MAX_AUTHOR_CHARS,
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    MAX_URL_CHARS,
    clean_text,
    normalise_date,
)
from pipeline.collect.tidy import tidy_title
from pipeline.errors import ParseError
from pipeline.records import Article

MAX_PAGE_LINKS = 100
MIN_LINK_WORDS = 3
_SKIPPED_ANCESTORS = {"nav", "header", "footer", "aside", "form", "menu"}
_LANG_ATTR = re.compile(rb"<html\b[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)
_OG_LOCALE = re.compile(
    rb"<meta\b[^>]*?property\s*=\s*[\"']og:locale[\"'][^>]*?content\s*=\s*[\"']([A-Za-z]{2,3})",
    re.I,
)
_MEDIA_SUFFIXES = (".pdf", ".jpg", ".jpeg", ".png", ".gif", ".mp3", ".mp4", ".zip", ".doc",
                   ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".svg", ".webp")


@dataclass(frozen=True, slots=True)
class PageLink:
    url: str
    title: str


def detect_lang_hint(body: bytes, content_language: str | None = None) -> str | None:
    """The language the page declares (``<html lang>``, ``og:locale``, Content-Language)."""
    head = body[:200_000]
    for pattern in (_LANG_ATTR, _OG_LOCALE):
        match = pattern.search(head)
        if match:
            return match.group(1).decode("ascii").lower()[:2]
    if content_language:
        code = content_language.split(",")[0].strip().split("-")[0].lower()
        if code.isalpha() and 2 <= len(code) <= 3:
            return code[:2]
    return None


def _parse_iso_date(value: str | None, fetched_at: datetime) -> tuple[datetime | None, str | None]:
    if not value:
        return None, None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None, "unreadable page date dropped"
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return normalise_date(when, fetched_at)


def extract_article(
    body: bytes, *, url: str | None = None, fetched_at: datetime | None = None,
    content_language: str | None = None,
) -> Article:
    """Main text, title, date, author and a language hint of an article page."""
    if not isinstance(body, bytes):
        raise TypeError("extract_article takes the bytes of a fetched page")
    import trafilatura  # here: a run of feeds alone never pays for loading it

    fetched_at = fetched_at or datetime.now(UTC)
    try:
        document = trafilatura.bare_extraction(
            body, url=url, with_metadata=True, include_comments=False, favor_precision=True,
        )
    except (ValueError, TypeError, etree.LxmlError) as error:
        raise ParseError(f"page could not be read: {error}") from None
    if document is None:
        raise ParseError("no main text found on the page")
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    warnings: list[str] = []
    text, cut = clean_text(data.get("text") or "", MAX_BODY_CHARS, multiline=True)
    if cut:
        warnings.append(f"page text cut to {MAX_BODY_CHARS} characters")
    title = tidy_title(clean_text(data.get("title"), MAX_TITLE_CHARS)[0])
    published_at, date_warning = _parse_iso_date(data.get("date"), fetched_at)
    if date_warning:
        warnings.append(date_warning)
    author = clean_text(data.get("author"), MAX_AUTHOR_CHARS)[0] or None
    lang = detect_lang_hint(body, content_language)
    return Article(title=title, text=text, lang=lang, published_at=published_at, author=author,
                   url=url, warnings=tuple(warnings))


def _skipped(element: etree._Element) -> bool:
    for ancestor in element.iterancestors():
        if isinstance(ancestor.tag, str) and ancestor.tag.lower() in _SKIPPED_ANCESTORS:
            return True
    return False


def find_article_links(body: bytes, base_url: str) -> list[PageLink]:
    """Links of a news page that look like articles on the same site, in page order."""
    try:
        document = lxml.html.document_fromstring(body)
    except (etree.ParserError, ValueError):
        return []
    base_parts = urlsplit(base_url)
    base_host = (base_parts.hostname or "").removeprefix("www.")
    base_canonical = canonicalise_url(base_url)
    seen: set[str] = set()
    links: list[PageLink] = []
    for anchor in document.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#") or _skipped(anchor):
            continue
        absolute = urljoin(base_url, href).split("#", 1)[0]
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https") or len(absolute) > MAX_URL_CHARS:
            continue
        if (parts.hostname or "").removeprefix("www.") != base_host:
            continue
        if parts.path.lower().endswith(_MEDIA_SUFFIXES) or parts.path in ("", "/"):
            continue
        if courlan.is_navigation_page(absolute) or courlan.is_not_crawlable(absolute):
            continue
        title = clean_text(anchor.text_content() or anchor.get("title"), MAX_TITLE_CHARS)[0]
        if len(title.split()) < MIN_LINK_WORDS:
            continue
        key = canonicalise_url(absolute)
        if key in seen or key == base_canonical:
            continue
        seen.add(key)
        links.append(PageLink(url=absolute, title=title))
        if len(links) >= MAX_PAGE_LINKS:
            break
    return links
