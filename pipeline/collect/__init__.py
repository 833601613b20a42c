"""Collection: feeds, article pages and ambassador links, fetched safely, stored once.

The lead's composing layer calls :func:`collect_sources` (async) and :func:`collect_submission`;
the store keeps per-source errors and uses :func:`plan_next_check` for back-off and pausing.

Names are imported on first use (PEP 562), so that the collector's process, which leaves the
parsers to its workers (:mod:`pipeline.collect.reading`), does not pay for them, nor for
datasketch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.collect.articles import Article, PageLink, extract_article, find_article_links
    from pipeline.collect.canonical import canonicalise_url, hash_content
    from pipeline.collect.dedupe import group_near_duplicates
    from pipeline.collect.feeds import FeedEntry, ParsedFeed, parse_feed
    from pipeline.collect.fetch import (
        USER_AGENT,
        Fetcher,
        FetchResponse,
        FetchSettings,
        fetch_url,
    )
    from pipeline.collect.politeness import (
        PAUSE_AFTER_ERRORS,
        compute_backoff,
        plan_next_check,
    )
    from pipeline.collect.sandbox import ParseLimits, ParseSandbox
    from pipeline.collect.sources import collect_sources
    from pipeline.collect.submission import collect_submission, collect_submission_async

_EXPORTS = {
    "Article": "articles", "PageLink": "articles", "extract_article": "articles",
    "find_article_links": "articles",
    "canonicalise_url": "canonical", "hash_content": "canonical",
    "group_near_duplicates": "dedupe",
    "FeedEntry": "feeds", "ParsedFeed": "feeds", "parse_feed": "feeds",
    "USER_AGENT": "fetch", "FetchResponse": "fetch", "Fetcher": "fetch",
    "FetchSettings": "fetch", "fetch_url": "fetch",
    "PAUSE_AFTER_ERRORS": "politeness", "compute_backoff": "politeness",
    "plan_next_check": "politeness",
    "collect_sources": "sources", "ParseLimits": "sandbox", "ParseSandbox": "sandbox",
    "collect_submission": "submission", "collect_submission_async": "submission",
}

__all__ = [
    "PAUSE_AFTER_ERRORS",
    "USER_AGENT",
    "Article",
    "FeedEntry",
    "FetchResponse",
    "FetchSettings",
    "Fetcher",
    "PageLink",
    "ParseLimits",
    "ParseSandbox",
    "ParsedFeed",
    "canonicalise_url",
    "collect_sources",
    "collect_submission",
    "collect_submission_async",
    "compute_backoff",
    "extract_article",
    "fetch_url",
    "find_article_links",
    "group_near_duplicates",
    "hash_content",
    "parse_feed",
    "plan_next_check",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pipeline.collect' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"pipeline.collect.{module}"), name)
    globals()[name] = value
    return value
