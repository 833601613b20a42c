"""The CPU work of a source, done in a parse worker: a fetched feed or page becomes items.

Imported by the workers (the fork server preloads it), not by the collector's process: see
:data:`pipeline.collect.sources.READ_DOCUMENT`.
"""

from __future__ import annotations

from datetime import datetime

from pipeline.collect.articles import find_article_links
from pipeline.collect.canonical import canonicalise_url, hash_content
from pipeline.collect.cleaning import flag_invisible_chars
from pipeline.collect.feeds import FeedEntry, parse_feed
from pipeline.errors import one_line
from pipeline.records import CollectedItem, ReadDocument
from pipeline.summary import make_title


def read_document(
    body: bytes, *, source_id: str, kind: str, url: str, fetched_at: datetime,
    content_type: str | None = None, lang_hint: str | None = None, max_items: int = 1000,
) -> ReadDocument:
    """Parse a feed (or find the article links of a page) and build its items, canonical URLs
    and content hashes included: all the CPU work of a source, run in a worker process for big
    runs so that the event loop only moves bytes."""
    warnings: list[str] = []
    if kind == "feed":
        parsed = parse_feed(body, fetched_at=fetched_at, url=url, content_type=content_type,
                            max_items=max_items)
        entries = parsed.entries
        warnings.extend(parsed.warnings)
    else:
        entries = [FeedEntry(title=link.title, link=link.url, guid=None, published_at=None,
                             summary="") for link in find_article_links(body, url)]
        if not entries:
            warnings.append("no article links found on the page")
    items: dict[str, CollectedItem] = {}
    for entry in entries:
        link = entry.link or ""
        if not link.startswith(("http://", "https://")):
            warnings.append(f"item without a usable link skipped: {entry.title[:60]!r}")
            continue
        try:
            item = build_item(source_id, entry, fetched_at, lang_hint=lang_hint)
        except Exception as error:  # one odd item never fails its source
            warnings.append(f"item skipped: {entry.title[:60]!r}: {one_line(error)}")
            continue
        items.setdefault(item.canonical_url, item)
    return ReadDocument(items=list(items.values()), warnings=warnings)


def build_item(
    source_id: str, entry: FeedEntry, fetched_at: datetime, *, lang_hint: str | None = None
) -> CollectedItem:
    """A collected item from a feed entry (or a page link), with canonical URL and hash."""
    link = entry.link or ""
    title = entry.title or make_title(entry.summary, lang_hint or "")
    return CollectedItem(
        source_id=source_id, url=link, canonical_url=canonicalise_url(link), title=title,
        fetched_at=fetched_at, content_hash=hash_content(title, entry.content or entry.summary),
        guid=entry.guid, summary=entry.summary, body=entry.content, lang_hint=lang_hint,
        author=entry.author, publisher=entry.publisher, published_at=entry.published_at,
        enclosures=entry.enclosures, categories=entry.categories,
        warnings=(*entry.warnings, *flag_invisible_chars(entry.summary, entry.content)),
    )
