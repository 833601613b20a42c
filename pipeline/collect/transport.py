"""The low-level pieces of the safe fetcher: pinned connections and a bounded body decoder.

:class:`PinnedBackend` is an httpcore network backend that resolves the host itself, checks
every address it resolves to, and connects to the checked address; TLS still uses the host name
(SNI and certificate checks are done by httpcore against the URL's host). This closes the gap
between "check" and "connect" that DNS rebinding uses.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from pipeline.collect.addresses import check_address, parse_ip_literal
from pipeline.errors import AddressNotAllowed, FetchError, ResponseTooLarge

DECODE_CHUNK = 64 * 1024
SUPPORTED_ENCODINGS = ("gzip", "x-gzip", "deflate", "identity", "")


async def resolve_checked(host: str, port: int, *, allow_loopback: bool,
                          loopback_only: bool = False) -> str:
    """Resolve ``host`` and return one address to connect to, after checking all of them."""
    literal = parse_ip_literal(host)
    if literal is not None:
        check_address(literal, allow_loopback=allow_loopback, loopback_only=loopback_only)
        return str(literal)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host.rstrip(".") or host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise FetchError(f"cannot resolve {host}: {error.strerror}") from None
    except UnicodeError:
        raise AddressNotAllowed(f"address not allowed: invalid host name {host[:80]!r}"
                                ) from None
    addresses = []
    for info in infos:
        literal = parse_ip_literal(str(info[4][0]))
        if literal is None:
            raise AddressNotAllowed(f"address not allowed: {info[4][0]}")
        check_address(literal, allow_loopback=allow_loopback, loopback_only=loopback_only)
        addresses.append(str(literal))
    if not addresses:
        raise FetchError(f"cannot resolve {host}")
    return addresses[0]


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses that passed :func:`check_address`."""

    def __init__(self, *, allow_loopback: bool, loopback_only: bool = False) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_loopback = allow_loopback
        self._loopback_only = loopback_only

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        address = await resolve_checked(host, port, allow_loopback=self._allow_loopback,
                                        loopback_only=self._loopback_only)
        return await self._inner.connect_tcp(
            address, port, timeout=timeout, local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressNotAllowed("address not allowed: unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncBaseTransport):
    """An httpx transport with one small connection pool per origin, each on
    :class:`PinnedBackend`, and no proxy.

    One pool per origin keeps connection reuse (keep-alive) without httpcore scanning every
    idle connection of every host on each request; idle pools beyond ``max_idle_pools`` are
    closed, least recently used first, so thousands of hosts never hold thousands of sockets.
    """

    def __init__(
        self, *, allow_loopback: bool, loopback_only: bool = False, ca_file: str | None = None,
        max_idle_pools: int = 256,
    ) -> None:
        self._ca_file = ca_file
        self._ssl_context: ssl.SSLContext | None = (
            ssl.create_default_context(cafile=ca_file) if ca_file else None)
        """Made for the first https origin (loading the system's certificates takes 40 ms);
        at once from a CA file, so that an unusable one is reported before any request."""
        self._backend = PinnedBackend(allow_loopback=allow_loopback, loopback_only=loopback_only)
        self._pools: OrderedDict[tuple[bytes, bytes, int | None], httpcore.AsyncConnectionPool] = (
            OrderedDict()
        )
        self._busy: dict[tuple[bytes, bytes, int | None], int] = {}
        self._max_idle_pools = max_idle_pools

    def _pool_for(self, key: tuple[bytes, bytes, int | None]) -> httpcore.AsyncConnectionPool:
        pool = self._pools.get(key)
        if pool is None:
            pool = httpcore.AsyncConnectionPool(
                ssl_context=self._tls() if key[0] == b"https" else None, max_connections=4,
                max_keepalive_connections=1, keepalive_expiry=5.0, network_backend=self._backend,
            )
            self._pools[key] = pool
        self._pools.move_to_end(key)
        return pool

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = ssl.create_default_context(cafile=self._ca_file)
        return self._ssl_context

    async def _close_idle_pools(self) -> None:
        idle = [k for k in self._pools if not self._busy.get(k)]
        closing = [self._pools.pop(k) for k in idle[: max(len(self._pools) - self._max_idle_pools,
                                                              0)]]
        for pool in closing:  # popped first: a concurrent tidy() never sees them
            await pool.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """The request through its origin's pool, in httpcore's terms and back (what httpx's
        own transport does, which takes no network backend)."""
        url = request.url
        key = (url.raw_scheme, url.raw_host, url.port)
        pool = self._pool_for(key)
        self._busy[key] = self._busy.get(key, 0) + 1
        try:
            with httpx_errors(request):
                response = await pool.handle_async_request(httpcore.Request(
                    method=request.method,
                    url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port,
                                     target=url.raw_path),
                    headers=request.headers.raw, content=request.stream,
                    extensions=request.extensions))
        except BaseException:
            self._release(key)
            raise
        return httpx.Response(
            status_code=response.status, headers=response.headers,
            stream=_ReleasingStream(response.stream, request, lambda: self._release(key)),
            extensions=response.extensions,
        )

    def _release(self, key: tuple[bytes, bytes, int | None]) -> None:
        self._busy[key] -= 1
        if not self._busy[key]:
            del self._busy[key]

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()

    async def tidy(self) -> None:
        """Close idle pools over the limit (called by the fetcher after each response)."""
        if len(self._pools) > self._max_idle_pools:
            await self._close_idle_pools()


_HTTPX_ERRORS: tuple[tuple[type[Exception], type[httpx.TransportError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout), (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout), (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError), (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)
"""httpcore's errors and the httpx errors they are raised as (most specific first)."""


@contextmanager
def httpx_errors(request: httpx.Request) -> Iterator[None]:
    """httpcore's errors raised as httpx's, as httpx's own transport does; ours pass."""
    try:
        yield
    except Exception as error:
        for core_type, httpx_type in _HTTPX_ERRORS:
            if isinstance(error, core_type):
                raise httpx_type(str(error), request=request) from error
        raise


class _ReleasingStream(httpx.AsyncByteStream):
    def __init__(self, stream: Any, request: httpx.Request, release: Callable[[], None]
                 ) -> None:
        self._stream = stream
        self._request = request
        self._release = release
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpx_errors(self._request):
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        try:
            with httpx_errors(self._request):
                await self._stream.aclose()
        finally:
            if not self._released:
                self._released = True
                self._release()


class BodyDecoder:
    """Decompresses gzip/deflate bodies piece by piece, never holding more than the cap."""

    def __init__(self, content_encoding: str, max_bytes: int,
                 watch: Callable[[bytes], None] | None = None) -> None:
        encoding = content_encoding.strip().lower()
        self._watch = watch
        if encoding not in SUPPORTED_ENCODINGS:
            raise FetchError(f"unsupported content encoding {encoding!r}")
        self.max_bytes = max_bytes
        self.size = 0
        self._parts: list[bytes] = []
        self._decompressor: zlib._Decompress | None = None
        self._deflate_pending = encoding == "deflate"
        if encoding in ("gzip", "x-gzip"):
            self._decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)

    def _add(self, piece: bytes) -> None:
        self.size += len(piece)
        if self.size > self.max_bytes:
            raise ResponseTooLarge(f"response body larger than {self.max_bytes} bytes")
        if piece:
            if self._watch is not None:
                self._watch(piece)
            self._parts.append(piece)

    def feed(self, raw: bytes) -> None:
        if self._deflate_pending and raw:
            # "deflate" is zlib-wrapped per the RFC, raw deflate in practice; look at the header
            wrapped = len(raw) >= 2 and raw[0] & 0x0F == 8 and (raw[0] << 8 | raw[1]) % 31 == 0
            self._decompressor = zlib.decompressobj(wbits=zlib.MAX_WBITS if wrapped else -15)
            self._deflate_pending = False
        if self._decompressor is None:
            self._add(raw)
            return
        data = raw
        try:
            while True:
                piece = self._decompressor.decompress(data, DECODE_CHUNK)
                self._add(piece)
                data = self._decompressor.unconsumed_tail
                if not data and not piece:
                    break
                if not data and len(piece) < DECODE_CHUNK:
                    break
        except zlib.error as error:
            raise FetchError(f"corrupt compressed body: {error}") from None

    def finish(self) -> bytes:
        if self._decompressor is not None:
            self._add(self._decompressor.flush(DECODE_CHUNK))
        return b"".join(self._parts)
