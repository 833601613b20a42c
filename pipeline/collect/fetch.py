"""One safe fetcher for everything that leaves the machine.

Only http and https, no credentials in URLs, public addresses only (checked at every hop and again
at connection time, see :mod:`pipeline.collect.transport`), redirects followed by hand (at most
``max_redirects``, no https → http downgrade), a total deadline per request, the body capped after
decompression, conditional GET, Retry-After parsed, one request at a time per host with a delay.
"""

from __future__ import annotations

import asyncio
import email.utils
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.collect.addresses import check_url
from pipeline.collect.politeness import HostGate, host_key
from pipeline.collect.transport import BodyDecoder, PinnedTransport
from pipeline.errors import (
    AddressNotAllowed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    TooManyRedirects,
    one_line,
)

USER_AGENT = "4p1000-pipeline/0.1 (+https://4p1000.org)"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
DEFAULT_HOST_PAUSE = timedelta(minutes=1)
"""How long a host that answered 429/503 without Retry-After is left alone within a run."""
FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/rdf+xml, application/xml;q=0.9, "
    "text/xml;q=0.9, text/html;q=0.5, */*;q=0.1"
)


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How the fetcher behaves. ``allow_private_addresses`` admits loopback besides public
    addresses, ``loopback_only`` admits loopback and nothing else (tests, demo)."""

    allow_private_addresses: bool = False
    loopback_only: bool = False
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_deadline_s: float = 60.0
    max_bytes: int = 20 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    per_host_delay_s: float = 0.5
    """Least time between the starts of two requests to one host (one at a time regardless)."""
    max_in_flight: int = field(kw_only=True)
    """Requests on the wire at once, all hosts together (the ``fetch_concurrency`` setting:
    no default here)."""
    max_retry_after_s: float = 24 * 3600.0
    max_items: int = 1000
    respect_robots: bool = True
    ca_file: str | None = None
    """Trust only this CA bundle instead of the system's (tests with a local https server)."""


@dataclass(frozen=True, slots=True)
class FetchResponse:
    """What one successful (2xx or 304) fetch gave."""

    url: str
    """The final address, after redirects."""
    status: int
    body: bytes
    headers: dict[str, str]
    fetched_at: datetime
    etag: str | None = None
    last_modified: str | None = None
    bytes_received: int = 0
    redirects: tuple[str, ...] = field(default=())

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


def parse_retry_after(value: str | None, now_at: datetime, *, cap_s: float) -> datetime | None:
    """A Retry-After header (seconds or HTTP date) as an aware UTC time, capped; None if absent."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        seconds = float(int(text[:12]))
    else:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when.astimezone(UTC) - now_at).total_seconds()
    seconds = min(max(seconds, 0.0), cap_s)
    return now_at + timedelta(seconds=seconds)


def _redirect_target(current: str, location: str) -> str:
    target = urljoin(current, location.strip())
    return target.split("#", 1)[0]


class Fetcher:
    """An async fetcher sharing one connection pool and one per-host gate. Use ``async with``."""

    def __init__(self, settings: FetchSettings, *, gate: HostGate | None = None) -> None:
        self.settings = settings
        self.gate = gate or HostGate(settings.per_host_delay_s)
        self._slots = asyncio.Semaphore(max(settings.max_in_flight, 1))
        timeout = httpx.Timeout(
            connect=settings.connect_timeout, read=settings.read_timeout,
            write=settings.read_timeout, pool=settings.total_deadline_s,
        )
        self._transport = PinnedTransport(allow_loopback=settings.allow_private_addresses,
                                          loopback_only=settings.loopback_only,
                                          ca_file=settings.ca_file)
        self._client = httpx.AsyncClient(
            transport=self._transport,
            timeout=timeout, follow_redirects=False, trust_env=False,
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._client.aclose()

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None,
        accept: str = FEED_ACCEPT, watch: Callable[[bytes], None] | None = None,
    ) -> FetchResponse:
        """GET ``url`` safely; raises a :class:`~pipeline.errors.FetchError` subclass.

        ``watch`` sees each decompressed piece of the body as it arrives and may stop the
        download by raising (a :class:`~pipeline.errors.ParseError` for a feed that is
        already known to be refused)."""
        allow, only = self.settings.allow_private_addresses, self.settings.loopback_only
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current = url.strip()
        seen = [current]
        loop = asyncio.get_running_loop()
        deadline_at: float | None = None
        while True:
            parts = check_url(current, allow_loopback=allow, loopback_only=only)
            host = host_key(parts)
            async with self.gate.hold(host), self._slots:
                self._refuse_if_host_paused(host, current)
                if deadline_at is None:
                    deadline_at = loop.time() + self.settings.total_deadline_s
                try:
                    async with asyncio.timeout_at(deadline_at):
                        outcome = await self._exchange(current, headers, watch)
                except HTTPStatusError as error:
                    if error.status in (429, 503):
                        self.gate.pause_host(host, error.retry_after_at
                                             or datetime.now(UTC) + DEFAULT_HOST_PAUSE)
                    raise
                except TimeoutError:
                    raise FetchTimeout(
                        f"no complete answer within {self.settings.total_deadline_s:g} s",
                        url=current,
                    ) from None
            await self._transport.tidy()
            if isinstance(outcome, FetchResponse):
                return FetchResponse(
                    url=outcome.url, status=outcome.status, body=outcome.body,
                    headers=outcome.headers, fetched_at=outcome.fetched_at, etag=outcome.etag,
                    last_modified=outcome.last_modified, bytes_received=outcome.bytes_received,
                    redirects=tuple(seen[1:]),
                )
            target = _redirect_target(current, outcome)
            if urlsplit(current).scheme == "https" and urlsplit(target).scheme.lower() == "http":
                raise TooManyRedirects(f"redirect from https to http refused: {target}", url=url)
            if target in seen:
                raise TooManyRedirects(f"redirect loop at {target}", url=url)
            if len(seen) > self.settings.max_redirects:
                raise TooManyRedirects(
                    f"more than {self.settings.max_redirects} redirects", url=url
                )
            seen.append(target)
            current = target

    def _refuse_if_host_paused(self, host: str, url: str) -> None:
        """A host that answered 429/503 in this run gets no more requests until it said so."""
        paused_until = self.gate.paused_until(host)
        if paused_until is not None and paused_until > datetime.now(UTC):
            raise HTTPStatusError(
                f"host asked to wait until {paused_until.isoformat(timespec='seconds')} "
                "(429/503 earlier in this run); not requested", url=url, status=503,
                retry_after_at=paused_until,
            )

    async def _exchange(self, url: str, headers: dict[str, str],
                        watch: Callable[[bytes], None] | None = None) -> FetchResponse | str:
        """One request; returns the response, or the Location of a redirect."""
        try:
            async with self._client.stream("GET", url, headers=headers) as response:
                fetched_at = datetime.now(UTC)
                status = response.status_code
                if status in REDIRECT_STATUSES and response.headers.get("location"):
                    return response.headers["location"]
                if status >= 400:
                    retry_at = parse_retry_after(
                        response.headers.get("retry-after"), fetched_at,
                        cap_s=self.settings.max_retry_after_s,
                    )
                    raise HTTPStatusError(
                        f"HTTP {status}", url=url, status=status, retry_after_at=retry_at
                    )
                body, received = b"", 0
                if status != 304:
                    body, received = await self._read_body(response, watch)
                return FetchResponse(
                    url=url, status=status, body=body,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    fetched_at=fetched_at, etag=response.headers.get("etag"),
                    last_modified=response.headers.get("last-modified"), bytes_received=received,
                )
        except (FetchError, TimeoutError):
            raise
        except httpx.TimeoutException as error:
            raise FetchTimeout(f"timed out ({type(error).__name__})", url=url) from None
        except httpx.HTTPError as error:
            raise FetchError(one_line(error), url=url) from None
        except (httpx.InvalidURL, UnicodeError, ValueError) as error:
            raise AddressNotAllowed(f"address not allowed: invalid URL ({one_line(error)})",
                                    url=url) from None

    async def _read_body(self, response: httpx.Response,
                         watch: Callable[[bytes], None] | None = None) -> tuple[bytes, int]:
        max_bytes = self.settings.max_bytes
        encoding = response.headers.get("content-encoding", "")
        length = response.headers.get("content-length", "")
        if encoding in ("", "identity") and length.isdigit() and int(length) > max_bytes:
            raise ResponseTooLarge(f"response body larger than {max_bytes} bytes ({length})")
        decoder = BodyDecoder(encoding, max_bytes, watch)
        received = 0
        async for raw in response.aiter_raw():
            received += len(raw)
            decoder.feed(raw)
        return decoder.finish(), received


def fetch_url(url: str, settings: FetchSettings, *, accept: str = FEED_ACCEPT) -> FetchResponse:
    """Fetch one URL from synchronous code (the inspect commands, submissions)."""

    async def run() -> FetchResponse:
        async with Fetcher(settings) as fetcher:
            return await fetcher.fetch(url, accept=accept)

    return asyncio.run(run())
