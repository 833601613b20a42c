"""Collecting sources: many at once, each host polite, one failure never stopping the others."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from pipeline.collect.addresses import check_url
from pipeline.collect.bombs import TagCounter
from pipeline.collect.canonical import hash_content
from pipeline.collect.cleaning import flag_invisible_chars
from pipeline.collect.fetch import FEED_ACCEPT, Fetcher, FetchResponse, FetchSettings
from pipeline.collect.politeness import RobotsCache, host_key
from pipeline.collect.sandbox import InWorker, ParseLimits, ParseSandbox
from pipeline.errors import (
    FetchError,
    HTTPStatusError,
    PipelineError,
    RobotsDisallowed,
    one_line,
)
from pipeline.records import (
    Article,
    CollectedItem,
    FetchOutcome,
    FetchState,
    ReadDocument,
    SourceResult,
    SourceSpec,
)

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.1"
MAX_FOLLOWED_PAGES = 30
"""Article pages followed per source and run (the newest items first)."""
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
ARTICLE_IMPORTS = ("trafilatura",)
"""Loaded by a worker before an article's memory limit is measured."""
READ_DOCUMENT: InWorker[ReadDocument] = InWorker("pipeline.collect.reading", "read_document")
EXTRACT_ARTICLE: InWorker[Article] = InWorker("pipeline.collect.articles", "extract_article")
"""The parsing, named rather than imported: it runs in the parse workers, and this process
(which only moves bytes) does not load feedparser, lxml, trafilatura and courlan."""


class Collector:
    """A fetcher, a robots.txt cache and the settings, shared by every source of one run."""

    def __init__(self, fetcher: Fetcher, sandbox: ParseSandbox) -> None:
        self.fetcher = fetcher
        self.sandbox = sandbox
        self.settings = fetcher.settings
        self.robots = RobotsCache(self._load_robots)
        self.robots_problems: dict[str, str] = {}
        """Why an origin's robots.txt is taken as "disallow all" (unreachable, 401/403…)."""

    async def _load_robots(self, url: str) -> bytes | None:
        try:
            response = await self.fetcher.fetch(url, accept="text/plain")
        except HTTPStatusError as error:
            if error.status in (401, 403) or error.status >= 500:
                self.robots_problems[url] = f"robots.txt unreachable ({error}): not fetched"
                return DISALLOW_ALL
            return None
        except FetchError as error:
            self.robots_problems[url] = f"robots.txt unreachable ({error}): not fetched"
            return DISALLOW_ALL
        return response.body

    async def fetch_page(self, url: str) -> tuple[FetchResponse, Article]:
        """Fetch and extract an article page, honouring robots.txt and its Crawl-delay."""
        agent = self.settings.user_agent
        check_url(url, allow_loopback=self.settings.allow_private_addresses,
                  loopback_only=self.settings.loopback_only)
        if self.settings.respect_robots:
            rules = await self.robots.rules_for(url)
            if not rules.allows(url, agent):
                parts = urlsplit(url)
                problem = self.robots_problems.get(f"{parts.scheme}://{parts.netloc}/robots.txt")
                raise RobotsDisallowed(problem or "robots.txt disallows this page", url=url)
            delay = rules.crawl_delay(agent)
            if delay:
                self.fetcher.gate.set_delay(host_key(urlsplit(url)), delay)
        response = await self.fetcher.fetch(url, accept=HTML_ACCEPT)
        article = await self.sandbox.run(
            EXTRACT_ARTICLE, response.body, url=response.url, fetched_at=response.fetched_at,
            content_language=response.headers.get("content-language"), warm=ARTICLE_IMPORTS,
        )
        return response, article

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
                                error=f"internal error: {one_line(error)}")

    async def _collect(self, spec: SourceSpec, state: FetchState) -> SourceResult:
        accept = FEED_ACCEPT if spec.kind == "feed" else HTML_ACCEPT
        watch = TagCounter().feed if spec.kind == "feed" else None
        response = await self.fetcher.fetch(spec.url, etag=state.etag,
                                            last_modified=state.last_modified, accept=accept,
                                            watch=watch)
        if response.not_modified:
            return SourceResult(source_id=spec.id, outcome="not_modified", state=state,
                                bytes_received=response.bytes_received)
        new_state = FetchState(etag=response.etag or None,
                               last_modified=response.last_modified or None)
        document = await self.sandbox.run(
            READ_DOCUMENT, response.body, source_id=spec.id, kind=spec.kind, url=response.url,
            fetched_at=response.fetched_at, content_type=response.content_type,
            lang_hint=spec.lang, max_items=self.settings.max_items,
        )
        warnings = list(document.warnings)
        items = document.items
        if spec.follow_links:
            items = [await self._follow(item, warnings) for item in items[:MAX_FOLLOWED_PAGES]
                     ] + [keep_summary(item, f"article page not fetched: more than "
                                             f"{MAX_FOLLOWED_PAGES} items in one run")
                          for item in items[MAX_FOLLOWED_PAGES:]]
        outcome: FetchOutcome = "new" if items else "unchanged"
        return SourceResult(source_id=spec.id, outcome=outcome, items=items, state=new_state,
                            warnings=warnings, bytes_received=response.bytes_received)

    async def _follow(self, item: CollectedItem, warnings: list[str]) -> CollectedItem:
        """The item with its article page's text; if the page cannot be had, the item as the
        feed gave it, flagged with the reason (an item's failure never fails its source)."""
        try:
            _, article = await self.fetch_page(item.url)
        except PipelineError as error:
            reason = str(error)
        except Exception as error:  # a bug on one page must not fail the source
            reason = f"internal error: {one_line(error)}"
        else:
            return merge_article(item, article)
        warnings.append(f"feed summary kept for {item.url[:200]}: {reason}")
        return keep_summary(item, reason)


def keep_summary(item: CollectedItem, reason: str) -> CollectedItem:
    """The item as the feed gave it, flagged: its article page was not used, and why."""
    return replace(item, fallback=reason[:500],
                   warnings=(*item.warnings, f"feed summary kept: {reason[:300]}"))


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
        warnings=(*item.warnings, *article.warnings, *flag_invisible_chars(article.text)),
    )


async def collect_sources(
    sources: Sequence[SourceSpec],
    states: Mapping[str, FetchState],
    settings: FetchSettings,
    *,
    on_result: Callable[[int, SourceResult], None] | None = None,
    sandbox: ParseSandbox | None = None,
    limits: ParseLimits | None = None,
) -> list[SourceResult]:
    """Fetch many sources at once (one request at a time per host).

    ``settings.max_in_flight`` caps the requests on the wire (all hosts together); sources
    waiting for their host's turn do not take a slot. Parsing runs in ``sandbox`` (the caller
    then closes it), or in one started here with ``limits``.

    Without ``on_result``, the results are returned in input order. With it, each result is
    handed to ``on_result(index, result)`` as its source finishes (``index`` into ``sources``)
    and is not kept: the list returned is empty, and memory stays flat however many items a
    run brings (the caller stores them while the others are still being fetched).
    """
    semaphore = asyncio.Semaphore(max(settings.max_in_flight, 1) * 5)
    own_sandbox = sandbox is None
    if sandbox is None:
        sandbox = ParseSandbox(limits or ParseLimits()).start()
    kept: dict[int, SourceResult] = {}
    try:
        async with Fetcher(settings) as fetcher:
            collector = Collector(fetcher, sandbox)

            async def run(index: int) -> None:
                spec = sources[index]
                async with semaphore:
                    result = await collector.collect(spec, states.get(spec.id, FetchState()))
                if on_result is None:
                    kept[index] = result
                else:
                    on_result(index, result)

            await asyncio.gather(*(run(index) for index in interleave_by_host(sources)))
    finally:
        if own_sandbox:
            sandbox.close()
    return [kept[index] for index in range(len(sources))] if on_result is None else []


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
