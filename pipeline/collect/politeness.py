"""Being a polite client: one request at a time per host with a delay, robots.txt, back-off."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import SplitResult, urlsplit

from protego import Protego

PAUSE_AFTER_ERRORS = 8
"""A source that failed this many times in a row is paused until someone looks at it."""
MAX_BACKOFF = timedelta(days=1)
MAX_CRAWL_DELAY_S = 60.0


def host_key(parts: SplitResult) -> str:
    """The politeness key of a URL: host and effective port."""
    host = (parts.hostname or "").rstrip(".").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{host}:{port}"


class HostGate:
    """At most one request in flight per host, and at least ``delay_s`` between the starts of
    two requests to the same host (raised per host by robots.txt ``Crawl-delay``)."""

    def __init__(self, delay_s: float) -> None:
        self.delay_s = delay_s
        self._locks: dict[str, asyncio.Lock] = {}
        self._last_start: dict[str, float] = {}
        self._delays: dict[str, float] = {}
        self._paused_until: dict[str, datetime] = {}

    def pause_host(self, host: str, until_at: datetime) -> None:
        """Stop requests to a host that answered 429/503 (Retry-After, capped upstream)."""
        current = self._paused_until.get(host)
        if current is None or until_at > current:
            self._paused_until[host] = until_at

    def paused_until(self, host: str) -> datetime | None:
        return self._paused_until.get(host)

    def set_delay(self, host: str, delay_s: float) -> None:
        self._delays[host] = max(self.delay_s, min(delay_s, MAX_CRAWL_DELAY_S))

    def delay_for(self, host: str) -> float:
        return self._delays.get(host, self.delay_s)

    @asynccontextmanager
    async def hold(self, host: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(host, asyncio.Lock())
        loop = asyncio.get_running_loop()
        async with lock:
            last = self._last_start.get(host)
            if last is not None:
                wait = last + self.delay_for(host) - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
            self._last_start[host] = loop.time()
            yield


@dataclass(frozen=True, slots=True)
class RobotsRules:
    parser: Protego | None

    def allows(self, url: str, user_agent: str) -> bool:
        return self.parser is None or bool(self.parser.can_fetch(url, user_agent))

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None


RobotsLoader = Callable[[str], Awaitable[bytes | None]]
"""Fetches ``/robots.txt`` of an origin; None when there is none (404) or it failed."""


class RobotsCache:
    """robots.txt per origin, fetched once per run (absent or unreadable → everything allowed,
    except 401/403, which the loader reports as a disallow-all body)."""

    def __init__(self, load: RobotsLoader) -> None:
        self._load = load
        self._rules: dict[str, RobotsRules] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def rules_for(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._locks.setdefault(origin, asyncio.Lock())
        async with lock:
            if origin not in self._rules:
                body = await self._load(origin + "/robots.txt")
                parser = None
                if body is not None:
                    parser = Protego.parse(body.decode("utf-8", errors="replace"))
                self._rules[origin] = RobotsRules(parser)
            return self._rules[origin]


def compute_backoff(error_count: int, interval: timedelta) -> timedelta:
    """Exponential back-off from the source's interval, capped at a day."""
    return min(interval * (2 ** min(max(error_count, 0), 10)), MAX_BACKOFF)


def plan_next_check(
    error_count: int, retry_after_at: datetime | None, interval: timedelta, now_at: datetime
) -> tuple[datetime, bool]:
    """When to check a source again and whether to pause it.

    ``error_count`` counts consecutive failures including the one just seen (0 after a success).
    The wait is the interval after a success, else exponential back-off capped at a day, and never
    earlier than a (capped) Retry-After. Returns ``(next_check_at, paused)``.
    """
    if error_count <= 0:
        next_at = now_at + interval
        if retry_after_at is not None and retry_after_at > next_at:
            next_at = min(retry_after_at, now_at + MAX_BACKOFF)
        return next_at, False
    next_at = now_at + compute_backoff(error_count, interval)
    if retry_after_at is not None and retry_after_at > next_at:
        next_at = min(retry_after_at, now_at + MAX_BACKOFF)
    return next_at, error_count >= PAUSE_AFTER_ERRORS
