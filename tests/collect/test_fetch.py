"""The safe fetcher against real local servers: ADVERSARIAL.md "Fetching" 3–9."""

from __future__ import annotations

import asyncio
import gzip
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.collect.fetch import FetchSettings, fetch_url, parse_retry_after
from pipeline.collect.transport import resolve_checked
from pipeline.errors import (
    AddressNotAllowed,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    ResponseTooLarge,
    TooManyRedirects,
)
from tests.collect.server import LocalServer, RequestHandler

LOOPBACK_SPELLINGS = [
    "127.0.0.1", "127.0.0.1.", "2130706433", "0x7f000001", "0177.0.0.1", "0x7f.0.0.1", "127.1",
    "0x7f.1", "017700000001", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::1]",
    "[0:0:0:0:0:0:0:1]", "localhost", "localhost.", "LOCALHOST", "a.localhost", "0.0.0.0",
    "[::]", "0",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_loopback_in_every_spelling_is_refused_before_connecting(
    server: LocalServer, host: str
) -> None:
    server.add("/feed", b"<rss/>")
    with pytest.raises(AddressNotAllowed, match="address not allowed"):
        fetch_url(f"http://{host}:{server.port}/feed", FetchSettings(max_in_flight=10))
    assert server.requests == []


PRIVATE_HOSTS = [
    "10.0.0.1", "10.255.255.254", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "100.64.0.1", "[fd00::1]", "[fc00::1]", "[fe80::1]", "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]", "[64:ff9b::a9fe:a9fe]", "[2002:a9fe:a9fe::1]", "224.0.0.1",
    "255.255.255.255", "192.0.2.1", "198.18.0.1", "0xa9fea9fe", "0251.0376.0251.0376",
    "[fec0::1]",
]


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_private_destinations_refused_even_with_loopback_allowed(host: str) -> None:
    settings = FetchSettings(allow_private_addresses=True, total_deadline_s=2.0,
                             max_in_flight=10)
    with pytest.raises(AddressNotAllowed, match="address not allowed"):
        fetch_url(f"http://{host}/latest/meta-data/", settings)


def test_names_resolving_to_loopback_are_refused_at_connection_time() -> None:
    with pytest.raises(AddressNotAllowed, match="address not allowed"):
        asyncio.run(resolve_checked("localhost", 80, allow_loopback=False))
    assert asyncio.run(resolve_checked("localhost", 80, allow_loopback=True)) in (
        "127.0.0.1", "::1")


@pytest.mark.parametrize("target", [
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/admin", "http://[fd00::1]/",
    "http://0xa9fea9fe/", "file:///etc/passwd", "gopher://127.0.0.1:70/", "ftp://example.org/",
])
def test_redirects_to_private_or_other_schemes_are_refused(
    server: LocalServer, local_settings: FetchSettings, target: str
) -> None:
    server.add("/feed", status=302, headers={"Location": target})
    with pytest.raises(AddressNotAllowed, match="address not allowed"):
        fetch_url(server.url("/feed"), local_settings)
    assert server.paths() == ["/feed"]


@pytest.mark.parametrize("url", [
    "file:///etc/passwd", "ftp://example.org/feed.xml", "gopher://example.org/",
    "data:text/xml,<rss/>",
    "javascript:alert(1)", "feed://example.org/rss", "//example.org/x", "example.org/feed",
])
def test_non_http_schemes_are_refused(url: str) -> None:
    with pytest.raises(AddressNotAllowed, match="address not allowed"):
        fetch_url(url, FetchSettings(allow_private_addresses=True, max_in_flight=10))


def test_credentials_in_urls_are_refused(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/feed", b"<rss/>")
    for url in (f"http://user:secret@127.0.0.1:{server.port}/feed",
                f"http://user@127.0.0.1:{server.port}/feed"):
        with pytest.raises(AddressNotAllowed, match="credentials"):
            fetch_url(url, local_settings)
    assert server.requests == []


def test_redirects_are_followed_by_hand_up_to_five(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    for hop in range(5):
        server.add(f"/r{hop}", status=301, headers={"Location": f"/r{hop + 1}"})
    server.add("/r5", b"done")
    response = fetch_url(server.url("/r0"), local_settings)
    assert response.body == b"done"
    assert response.url == server.url("/r5")
    assert len(response.redirects) == 5


def test_more_than_five_redirects_stop(server: LocalServer, local_settings: FetchSettings) -> None:
    for hop in range(7):
        server.add(f"/r{hop}", status=302, headers={"Location": f"/r{hop + 1}"})
    server.add("/r7", b"never")
    with pytest.raises(TooManyRedirects, match="more than 5 redirects"):
        fetch_url(server.url("/r0"), local_settings)
    assert "/r7" not in server.paths()
    assert len(server.requests) == 6


def test_redirect_loop_stops(server: LocalServer, local_settings: FetchSettings) -> None:
    server.add("/a", status=302, headers={"Location": "/b"})
    server.add("/b", status=307, headers={"Location": "/a"})
    with pytest.raises(TooManyRedirects, match="loop"):
        fetch_url(server.url("/a"), local_settings)
    assert server.paths() == ["/a", "/b"]


def test_https_to_http_downgrade_is_refused(
    tls_server: LocalServer, server: LocalServer, local_settings: FetchSettings,
    certificate: tuple[str, str],
) -> None:
    settings = replace(local_settings, ca_file=certificate[0])
    tls_server.add("/secure", b"over tls")
    tls_server.add("/feed", status=301, headers={"Location": server.url("/feed")})
    server.add("/feed", b"plain")
    secure = fetch_url(f"https://127.0.0.1:{tls_server.port}/secure", settings)
    assert secure.body == b"over tls"
    with pytest.raises(TooManyRedirects, match="https to http"):
        fetch_url(f"https://127.0.0.1:{tls_server.port}/feed", settings)
    assert server.requests == []


def test_body_over_the_cap_with_content_length(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/big", b"x" * 2_000_000)
    with pytest.raises(ResponseTooLarge):
        fetch_url(server.url("/big"), replace(local_settings, max_bytes=1_000_000))


def _stream_without_length(total: int) -> object:
    def send(handler: RequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        chunk = b"y" * 65536
        for _ in range(total // len(chunk)):
            handler.wfile.write(chunk)
        handler.close_connection = True

    return send


def test_body_over_the_cap_without_content_length(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.routes["/stream"] = _stream_without_length(50_000_000)  # type: ignore[assignment]
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge):
            fetch_url(server.url("/stream"), replace(local_settings, max_bytes=1_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def test_lying_content_length_reads_no_more_than_declared(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/liar", b"z" * 3_000_000, headers={"Content-Length": "1000"})
    response = fetch_url(server.url("/liar"), replace(local_settings, max_bytes=1_000_000))
    assert response.body == b"z" * 1000


def _bomb(wbits: int) -> bytes:
    """About 300 MB of zeros, compressed to a few hundred kB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = bytes(1_000_000)
    parts = [compressor.compress(block) for _ in range(300)]
    parts.append(compressor.flush())
    return b"".join(parts)


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    return {"gzip": _bomb(16 + zlib.MAX_WBITS), "deflate": _bomb(zlib.MAX_WBITS)}


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compression_bombs_are_cut_after_decompression(
    server: LocalServer, local_settings: FetchSettings, bombs: dict[str, bytes], encoding: str
) -> None:
    server.add("/bomb", bombs[encoding], headers={"Content-Encoding": encoding})
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge):
            fetch_url(server.url("/bomb"), replace(local_settings, max_bytes=5_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40_000_000


def test_small_compressed_bodies_are_decoded(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/gz", gzip.compress(b"<rss>" + b"a" * 100_000 + b"</rss>"),
               headers={"Content-Encoding": "gzip"})
    response = fetch_url(server.url("/gz"), local_settings)
    assert response.body.startswith(b"<rss>") and len(response.body) == 100_011
    assert response.bytes_received < 2_000


def test_sent_user_agent_names_the_product(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/feed", b"ok")
    fetch_url(server.url("/feed"), local_settings)
    assert server.requests[0].headers["user-agent"].startswith("4p1000-pipeline/")


def _trickle(handler: RequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Length", "100")
    handler.end_headers()
    for _ in range(100):
        handler.wfile.write(b"x")
        handler.wfile.flush()
        time.sleep(0.5)


def test_a_trickling_server_hits_the_total_deadline(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.routes["/slow"] = _trickle
    settings = replace(local_settings, total_deadline_s=1.0, read_timeout=5.0)
    with pytest.raises(FetchTimeout, match="within 1 s"):
        fetch_url(server.url("/slow"), settings)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A socket that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


def test_a_silent_server_hits_the_total_deadline(
    silent_port: int, local_settings: FetchSettings
) -> None:
    settings = replace(local_settings, total_deadline_s=1.0, read_timeout=30.0)
    with pytest.raises(FetchTimeout):
        fetch_url(f"http://127.0.0.1:{silent_port}/feed", settings)


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_reported(
    server: LocalServer, local_settings: FetchSettings, status: int
) -> None:
    server.add("/feed", b"busy", status=status, headers={"Retry-After": "120"})
    before = datetime.now(UTC)
    with pytest.raises(HTTPStatusError) as caught:
        fetch_url(server.url("/feed"), local_settings)
    assert caught.value.status == status
    assert caught.value.retry_after_at is not None
    assert before + timedelta(seconds=119) <= caught.value.retry_after_at
    assert caught.value.retry_after_at <= datetime.now(UTC) + timedelta(seconds=121)


def test_parse_retry_after_forms_and_cap() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now, cap_s=3600) == now + timedelta(seconds=30)
    assert parse_retry_after("Thu, 01 Jan 2026 13:00:00 GMT", now, cap_s=7200) == now + timedelta(
        hours=1)
    assert parse_retry_after("999999999", now, cap_s=3600) == now + timedelta(hours=1)
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now, cap_s=3600) == now
    assert parse_retry_after("soon", now, cap_s=3600) is None
    assert parse_retry_after(None, now, cap_s=3600) is None


def test_conditional_get_sends_validators(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    def answer(handler: RequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            handler.send_response(304)
            handler.send_header("ETag", '"v1"')
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("ETag", '"v1"')
        handler.send_header("Last-Modified", "Mon, 23 Nov 2026 10:00:00 GMT")
        handler.send_header("Content-Length", "6")
        handler.end_headers()
        handler.wfile.write(b"<rss/>")

    server.routes["/feed"] = answer

    async def run() -> tuple[object, object]:
        from pipeline.collect.fetch import Fetcher

        async with Fetcher(local_settings) as fetcher:
            first = await fetcher.fetch(server.url("/feed"))
            second = await fetcher.fetch(server.url("/feed"), etag=first.etag,
                                         last_modified=first.last_modified)
            return first, second

    first, second = asyncio.run(run())
    assert first.status == 200 and first.etag == '"v1"'  # type: ignore[attr-defined]
    assert second.not_modified and second.body == b""  # type: ignore[attr-defined]
    sent = server.requests[1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Mon, 23 Nov 2026 10:00:00 GMT"


def test_tls_certificates_are_verified(
    tls_server: LocalServer, local_settings: FetchSettings
) -> None:
    tls_server.add("/secure", b"over tls")
    with pytest.raises(FetchError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify"):
        fetch_url(f"https://127.0.0.1:{tls_server.port}/secure", local_settings)
