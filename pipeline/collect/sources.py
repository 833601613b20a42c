"""Collecting sources: many at once, each host polite, one failure never stopping the others."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

from pipeline.collect.addresses import check_url
from pipeline.collect.articles import Article, extract_article, find_article_links
from pipeline.collect.canonical import canonicalise_url, hash_content
from pipeline.collect.feeds import FeedEntry, parse_feed
from pipeline.collect.fetch import FEED_ACCEPT, Fetcher, FetchResponse, FetchSettings
from pipeline.collect.politeness import RobotsCache, host_key
from pipeline.errors import FetchError, HTTPStatusError, PipelineError, RobotsDisallowed
from pipeline.records import (
    CollectedItem,
    FetchOutcome,
    FetchState,
    SourceResult,
    SourceSpec,
)

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
MAX_FOLLOWED_PAGES = 30
"""Article pages followed per source and run (the newest items first)."""
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
PROCESS_POOL_MIN_SOURCES = 50
MAX_PARSE_PROCESSES = 4
DEFAULT_CONCURRENCY = 50
"""Requests on the wire at once, all hosts together (each host still gets one at a time)."""
T = TypeVar("T")


class Collector:
    """A fetcher, a robots.txt cache and the settings, shared by every source of one run."""

    def __init__(self, fetcher: Fetcher, executor: Executor | None = None) -> None:
        self.fetcher = fetcher
        self.executor = executor
        self.settings = fetcher.settings
        self.robots = RobotsCache(self._load_robots)

    async def _load_robots(self, url: str) -> bytes | None:
        try:
            response = await self.fetcher.fetch(url, accept="text/plain")
        except HTTPStatusError as error:
            if error.status in (401, 403) or error.status >= 500:
                return DISALLOW_ALL
            return None
        except FetchError:
            return DISALLOW_ALL
        return response.body

    async def fetch_page(self, url: str) -> tuple[FetchResponse, Article]:
        """Fetch and extract an article page, honouring robots.txt and its Crawl-delay."""
        agent = self.settings.user_agent
        check_url(url, allow_loopback=self.settings.allow_private_addresses)
        if self.settings.respect_robots:
            rules = await self.robots.rules_for(url)
            if not rules.allows(url, agent):
                raise RobotsDisallowed(f"robots.txt disallows {url}", url=url)
            delay = rules.crawl_delay(agent)
            if delay:
                self.fetcher.gate.set_delay(host_key(urlsplit(url)), delay)
        response = await self.fetcher.fetch(url, accept=HTML_ACCEPT)
        article = await self._off_loop(
            extract_article, response.body, url=response.url, fetched_at=response.fetched_at,
            content_language=response.headers.get("content-language"),
        )
        return response, article

    async def _off_loop(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run CPU-bound parsing outside the event loop (a process pool for big runs)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, partial(function, *args, **kwargs))

    async def collect(self, spec: SourceSpec, state: FetchState) -> SourceResult:
        """One source; every error becomes a failed result with the reason."""
        try:
            return await self._collect(spec, state)
        except PipelineError as error:
            retry_at = error.retry_after_at if isinstance(error, HTTPStatusError) else None
            return SourceResult(source_id=spec.id, outcome="failed", state=state,
                                error=str(error), retry_after_at=retry_at)
        except Exception as error:  # a bug in one source must not stop the run
            return SourceResult(source_id=spec.id, outcome="failed", state=state,
                                error=f"internal error: {type(error).__name__}: {error}")

    async def _collect(self, spec: SourceSpec, state: FetchState) -> SourceResult:
        accept = FEED_ACCEPT if spec.kind == "feed" else HTML_ACCEPT
        response = await self.fetcher.fetch(spec.url, etag=state.etag,
                                            last_modified=state.last_modified, accept=accept)
        if response.not_modified:
            return SourceResult(source_id=spec.id, outcome="not_modified", state=state,
                                bytes_received=response.bytes_received)
        new_state = FetchState(etag=response.etag or None,
                               last_modified=response.last_modified or None)
        document = await self._off_loop(
            read_document, response.body, source_id=spec.id, kind=spec.kind, url=response.url,
            fetched_at=response.fetched_at, content_type=response.content_type,
            lang_hint=spec.lang, max_items=self.settings.max_items,
        )
        warnings = list(document.warnings)
        items = document.items
        if spec.follow_links:
            followed = items[:MAX_FOLLOWED_PAGES]
            items = [await self._follow(item, warnings) for item in followed] + items[
                MAX_FOLLOWED_PAGES:]
        outcome: FetchOutcome = "new" if items else "unchanged"
        return SourceResult(source_id=spec.id, outcome=outcome, items=items, state=new_state,
                            warnings=warnings, bytes_received=response.bytes_received)

    async def _follow(self, item: CollectedItem, warnings: list[str]) -> CollectedItem:
        try:
            _, article = await self.fetch_page(item.url)
        except PipelineError as error:
            warnings.append(f"page not fetched, feed summary kept: {item.url}: {error}")
            return item
        return merge_article(item, article)


@dataclass(frozen=True, slots=True)
class ReadDocument:
    """The items a fetched feed or page gives, once each, in document order."""

    items: list[CollectedItem]
    warnings: list[str]


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
        item = build_item(source_id, entry, fetched_at, lang_hint=lang_hint)
        items.setdefault(item.canonical_url, item)
    return ReadDocument(items=list(items.values()), warnings=warnings)


def build_item(
    source_id: str, entry: FeedEntry, fetched_at: datetime, *, lang_hint: str | None = None
) -> CollectedItem:
    """A collected item from a feed entry (or a page link), with canonical URL and hash."""
    link = entry.link or ""
    title = entry.title or entry.summary[:120]
    return CollectedItem(
        source_id=source_id, url=link, canonical_url=canonicalise_url(link), title=title,
        fetched_at=fetched_at, content_hash=hash_content(title, entry.content or entry.summary),
        guid=entry.guid, summary=entry.summary, body=entry.content, lang_hint=lang_hint,
        author=entry.author, publisher=entry.publisher, published_at=entry.published_at,
        enclosures=entry.enclosures,
    )


def merge_article(item: CollectedItem, article: Article) -> CollectedItem:
    """The item with the page's main text (and metadata the feed lacked); a page shorter
    than the feed's own full text does not replace it."""
    if len(article.text) < len(item.body):
        return item
    title = item.title or article.title
    return replace(
        item, body=article.text, title=title,
        content_hash=hash_content(title, article.text or item.summary),
        lang_hint=article.lang or item.lang_hint, author=item.author or article.author,
        published_at=item.published_at or article.published_at,
        warnings=item.warnings + article.warnings,
    )


async def collect_sources(
    sources: Sequence[SourceSpec],
    states: Mapping[str, FetchState],
    settings: FetchSettings,
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    on_result: Callable[[int, SourceResult], None] | None = None,
    executor: Executor | None = None,
) -> list[SourceResult]:
    """Fetch many sources at once (one request at a time per host); results in input order.

    ``concurrency`` caps the requests on the wire (all hosts together); sources waiting for
    their host's turn do not take a slot. ``on_result(index, result)`` is called as each
    source finishes (``index`` into ``sources``), so a caller can store results while the
    others are still being fetched. ``executor`` runs the parsing (see
    :func:`start_parse_pool`; the caller then shuts it down); without one, a big run starts
    its own.
    """
    semaphore = asyncio.Semaphore(max(concurrency, 1) * 5)

    own_executor = executor is None
    if executor is None:
        executor = start_parse_pool(len(sources))
    async with Fetcher(replace(settings, max_in_flight=max(concurrency, 1))) as fetcher:
        collector = Collector(fetcher, executor)

        async def run(index: int) -> SourceResult:
            spec = sources[index]
            async with semaphore:
                result = await collector.collect(spec, states.get(spec.id, FetchState()))
            if on_result is not None:
                on_result(index, result)
            return result

        order = interleave_by_host(sources)
        tasks = {index: asyncio.ensure_future(run(index)) for index in order}
        try:
            await asyncio.gather(*tasks.values())
        finally:
            if executor is not None and own_executor:
                executor.shutdown(wait=False, cancel_futures=True)
        return [tasks[index].result() for index in range(len(sources))]


def start_parse_pool(source_count: int) -> Executor | None:
    """Worker processes for parsing when a run is big enough to repay starting them (parsing
    holds the GIL: threads would not run it in parallel); None means the default threads.
    The pool starts at once, loading the parsers on another core while the caller gets ready
    (reads its configuration, opens the database)."""
    workers = min(os.cpu_count() or 1, MAX_PARSE_PROCESSES)
    if source_count < PROCESS_POOL_MIN_SOURCES or workers < 2:
        return None
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(max_workers=workers,
                                   mp_context=multiprocessing.get_context("spawn"))
    # The fork server imports the parsers (and the main module, which every child would
    # otherwise import again) once; each worker is a fork of it: no thread of this process is
    # copied, and no worker pays the imports again.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    # Start it from a thread: the first submit waits until the fork server has loaded
    # everything, which this process does not need to wait for.
    threading.Thread(target=pool.submit, args=(os.getpid,), name="parse-pool-start",
                     daemon=True).start()
    return pool


def interleave_by_host(sources: Sequence[SourceSpec]) -> list[int]:
    """Source indexes ordered round-robin over hosts, so that the concurrency slots go to
    different hosts first instead of queueing behind one host's politeness delay."""
    by_host: dict[str, list[int]] = {}
    for index, spec in enumerate(sources):
        try:
            key = host_key(urlsplit(spec.url))
        except ValueError:
            key = spec.url
        by_host.setdefault(key, []).append(index)
    order: list[int] = []
    queues = list(by_host.values())
    depth = max((len(q) for q in queues), default=0)
    for level in range(depth):
        order.extend(q[level] for q in queues if level < len(q))
    return order
