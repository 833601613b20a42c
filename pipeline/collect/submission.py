"""Ambassador submissions: a link or pasted text becomes an item through the same path."""

from __future__ import annotations

import asyncio
import contextlib
import re
from datetime import UTC, datetime

from pipeline.collect.canonical import canonicalise_url, hash_content
from pipeline.collect.cleaning import MAX_BODY_CHARS, MAX_TITLE_CHARS, clean_text
from pipeline.collect.fetch import Fetcher, FetchSettings
from pipeline.collect.sandbox import ParseSandbox
from pipeline.collect.sources import Collector
from pipeline.errors import ParseError
from pipeline.records import CollectedItem

SUBMISSION_SOURCE_ID = "submission"
_URL = re.compile(r"https?://[^\s<>\"']+", re.I)


def _looks_like_url(text: str) -> bool:
    stripped = text.strip()
    return bool(stripped) and " " not in stripped and "\n" not in stripped and bool(
        re.match(r"^[a-z][a-z0-9+.-]*:", stripped, re.I)
    )


async def collect_submission_async(
    url_or_text: str, settings: FetchSettings, *, lang_hint: str | None = None,
    sandbox: ParseSandbox | None = None,
) -> CollectedItem:
    """Async form of :func:`collect_submission`; the page is parsed in ``sandbox`` (or in one
    started for the call)."""
    fetched_at = datetime.now(UTC)
    if _looks_like_url(url_or_text):
        with contextlib.ExitStack() as stack:
            if sandbox is None:
                sandbox = stack.enter_context(ParseSandbox(workers=1))
            async with Fetcher(settings) as fetcher:
                response, article = await Collector(fetcher, sandbox).fetch_page(
                    url_or_text.strip())
        title = article.title or response.url
        return CollectedItem(
            source_id=SUBMISSION_SOURCE_ID, url=response.url,
            canonical_url=canonicalise_url(response.url), title=title,
            fetched_at=response.fetched_at, content_hash=hash_content(title, article.text),
            body=article.text, lang_hint=article.lang or lang_hint, author=article.author,
            published_at=article.published_at, warnings=article.warnings,
        )
    text, _ = clean_text(url_or_text, MAX_BODY_CHARS, multiline=True)
    if not text:
        raise ParseError("the submission is empty")
    first_line, _, rest = text.partition("\n")
    title = clean_text(first_line, MAX_TITLE_CHARS)[0]
    body = rest.strip()
    link_match = _URL.search(text)
    url = link_match.group(0).rstrip(".,;)") if link_match else ""
    content_hash = hash_content(title, body or title)
    canonical = canonicalise_url(url) if url else f"urn:submission:{content_hash[7:39]}"
    return CollectedItem(
        source_id=SUBMISSION_SOURCE_ID, url=url, canonical_url=canonical, title=title,
        fetched_at=fetched_at, content_hash=content_hash, body=body, summary=body[:500],
        lang_hint=lang_hint,
    )


def collect_submission(
    url_or_text: str, settings: FetchSettings, *, lang_hint: str | None = None
) -> CollectedItem:
    """Turn a submitted URL (fetched safely, article extracted) or pasted text (first line is
    the title) into an item. Raises a :class:`~pipeline.errors.FetchError` or
    :class:`~pipeline.errors.ParseError` the form can show. Not for use inside a running event
    loop: await :func:`collect_submission_async` there."""
    return asyncio.run(collect_submission_async(url_or_text, settings, lang_hint=lang_hint))
