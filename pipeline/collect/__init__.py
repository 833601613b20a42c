"""Collection: feeds, article pages and ambassador links, fetched safely, stored once.

The lead's composing layer calls :func:`collect_sources` (async) and :func:`collect_submission`;
the store keeps per-source errors and uses :func:`plan_next_check` for back-off and pausing.
"""

from pipeline.collect.articles import Article, PageLink, extract_article, find_article_links
from pipeline.collect.canonical import canonicalise_url, hash_content
from pipeline.collect.dedupe import group_near_duplicates
from pipeline.collect.feeds import FeedEntry, ParsedFeed, parse_feed
from pipeline.collect.fetch import USER_AGENT, Fetcher, FetchResponse, FetchSettings, fetch_url
from pipeline.collect.politeness import PAUSE_AFTER_ERRORS, compute_backoff, plan_next_check
from pipeline.collect.sources import collect_sources
from pipeline.collect.submission import collect_submission

__all__ = [
    "PAUSE_AFTER_ERRORS",
    "USER_AGENT",
    "Article",
    "FeedEntry",
    "FetchResponse",
    "FetchSettings",
    "Fetcher",
    "PageLink",
    "ParsedFeed",
    "canonicalise_url",
    "collect_sources",
    "collect_submission",
    "compute_backoff",
    "extract_article",
    "fetch_url",
    "find_article_links",
    "group_near_duplicates",
    "hash_content",
    "parse_feed",
    "plan_next_check",
]
