"""collect_sources end to end against local servers: politeness, isolation, conditional GET,
robots.txt, following items to their pages, news pages without a feed."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from pipeline.collect.fetch import Fetcher, FetchSettings
from pipeline.collect.politeness import PAUSE_AFTER_ERRORS, host_key, plan_next_check
from pipeline.collect.sandbox import ParseSandbox
from pipeline.collect.sources import Collector, collect_sources
from pipeline.records import FetchState, SourceResult, SourceSpec
from tests.collect.conftest import data_dir
from tests.collect.server import LocalServer, RequestHandler

ARTICLE_HTML = (data_dir() / "articles" / "fr__ledevoir.com.trottinettes.html").read_bytes()


def _feed(items: list[tuple[str, str]], *, summary: str = "Teaser from the feed.") -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
                   f"<description>{summary}</description></item>" for t, link in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
            f"{body}</channel></rss>").encode()


def _spec(source_id: str, url: str, *, kind: str = "feed", follow: bool = False) -> SourceSpec:
    return SourceSpec(id=source_id, name=source_id, url=url, kind=kind,  # type: ignore[arg-type]
                      lang="fr", follow_links=follow)


def _run(specs: list[SourceSpec], settings: FetchSettings,
         states: dict[str, FetchState] | None = None) -> dict[str, SourceResult]:
    done: dict[int, SourceResult] = {}
    streamed = asyncio.run(collect_sources(specs, states or {}, settings,
                                           on_result=done.__setitem__))
    assert streamed == []  # handed over as they came, not kept
    results = [done[index] for index in range(len(specs))]
    assert [r.source_id for r in results] == [s.id for s in specs]
    return {r.source_id: r for r in results}


def test_one_request_at_a_time_per_host(
    server: LocalServer, other_server: LocalServer, local_settings: FetchSettings
) -> None:
    specs = []
    for n in range(6):
        for local in (server, other_server):
            local.add(f"/f{n}.xml", _feed([(f"t{n}", f"http://example.org/{n}")]))
            specs.append(_spec(f"s{local.port}-{n}", local.url(f"/f{n}.xml")))
    results = _run(specs, replace(local_settings, per_host_delay_s=0.02))
    assert all(r.outcome == "new" for r in results.values())
    for local in (server, other_server):
        seen = sorted(local.requests, key=lambda r: r.started_at)
        assert len(seen) == 6
        for earlier, later in itertools.pairwise(seen):
            assert later.started_at >= earlier.ended_at


def _hang(handler: RequestHandler) -> None:
    import time

    time.sleep(3)


def test_a_failing_source_never_stops_the_others(
    server: LocalServer, other_server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/500.xml", b"oops", status=500)
    server.add("/404.xml", b"gone", status=404)
    server.add("/502.xml", b"bad gateway", status=502)
    server.add("/junk.xml", b"\x89PNG\r\n\x1a\n not a feed")
    server.routes["/hang.xml"] = _hang
    other_server.add("/good.xml", _feed([("Soil", "http://example.org/soil")]))
    specs = [_spec(name, server.url(f"/{name}.xml")) for name in ("500", "404", "502", "junk",
                                                                   "hang")]
    specs.append(_spec("good", other_server.url("/good.xml")))
    results = _run(specs, replace(local_settings, total_deadline_s=1.0))
    assert results["good"].outcome == "new"
    assert [i.title for i in results["good"].items] == ["Soil"]
    for name in ("500", "404", "502", "junk", "hang"):
        assert results[name].outcome == "failed", name
        assert results[name].error
    assert "HTTP 500" in str(results["500"].error)
    assert "within 1 s" in str(results["hang"].error)


def test_second_run_is_not_modified_and_not_reparsed(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    body = _feed([("Soil", "http://example.org/soil")])

    def answer(handler: RequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"abc"':
            handler.send_response(304)
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("ETag", '"abc"')
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    server.routes["/feed.xml"] = answer
    spec = _spec("s", server.url("/feed.xml"))
    first = _run([spec], local_settings)["s"]
    assert first.outcome == "new" and first.state.etag == '"abc"'
    second = _run([spec], local_settings, {"s": first.state})["s"]
    assert second.outcome == "not_modified"
    assert second.items == [] and second.bytes_received == 0
    assert second.state == first.state
    assert server.requests[1].headers.get("if-none-match") == '"abc"'


def test_a_changing_etag_over_the_same_content_gives_the_same_items(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    body = _feed([("Soil", "http://example.org/soil?utm_source=rss"),
                  ("Carbon", "https://www.example.org/carbon/")])
    counter = {"n": 0}

    def answer(handler: RequestHandler) -> None:
        counter["n"] += 1
        handler.send_response(200)
        handler.send_header("ETag", f'"v{counter["n"]}"')
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    server.routes["/feed.xml"] = answer
    spec = _spec("s", server.url("/feed.xml"))
    first = _run([spec], local_settings)["s"]
    second = _run([spec], local_settings, {"s": first.state})["s"]
    assert first.state.etag != second.state.etag
    keys = [(i.canonical_url, i.guid, i.content_hash) for i in first.items]
    assert keys == [(i.canonical_url, i.guid, i.content_hash) for i in second.items]
    assert [i.canonical_url for i in first.items] == ["https://example.org/soil",
                                                      "https://example.org/carbon"]


def test_duplicate_spellings_in_one_feed_give_one_item(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/feed.xml", _feed([
        ("Story", "https://example.org/news/story"),
        ("Story", "http://example.org/news/story/?utm_campaign=x&fbclid=1"),
        ("Story", "https://example.org/amp/news/story"),
        ("Story", "https://www.example.org/news/story#comments"),
    ]))
    result = _run([_spec("s", server.url("/feed.xml"))], local_settings)["s"]
    assert [i.canonical_url for i in result.items] == ["https://example.org/news/story"]


def test_items_are_followed_to_their_pages(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/robots.txt", b"User-agent: *\nAllow: /\n")
    server.add("/articles/1", ARTICLE_HTML, headers={"Content-Type": "text/html"})
    server.add("/feed.xml", _feed([("Trottinettes", server.url("/articles/1"))]))
    result = _run([_spec("s", server.url("/feed.xml"), follow=True)], local_settings)["s"]
    [item] = result.items
    assert "trottinettes" in item.body.lower() and len(item.body) > 1000
    assert item.summary == "Teaser from the feed."
    assert item.lang_hint == "fr"
    assert "/articles/1" in server.paths()


def test_robots_txt_disallow_keeps_the_feed_summary(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/robots.txt", b"User-agent: *\nDisallow: /articles/\n")
    server.add("/articles/1", ARTICLE_HTML)
    server.add("/feed.xml", _feed([("Trottinettes", server.url("/articles/1"))]))
    result = _run([_spec("s", server.url("/feed.xml"), follow=True)], local_settings)["s"]
    [item] = result.items
    assert item.body == "" and item.summary == "Teaser from the feed."
    assert any("robots.txt disallows" in w for w in result.warnings)
    assert item.fallback == "robots.txt disallows this page"
    assert "feed summary kept: robots.txt disallows this page" in item.warnings
    assert "/articles/1" not in server.paths()


def test_robots_crawl_delay_raises_the_host_delay(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/robots.txt", b"User-agent: *\nCrawl-delay: 3\n")
    server.add("/articles/1", ARTICLE_HTML)

    async def run() -> float:
        with ParseSandbox(workers=1) as sandbox:
            async with Fetcher(local_settings) as fetcher:
                await Collector(fetcher, sandbox).fetch_page(server.url("/articles/1"))
                return fetcher.gate.delay_for(host_key(urlsplit(server.url("/"))))

    assert asyncio.run(run()) == 3.0
    assert server.paths() == ["/robots.txt", "/articles/1"]


NEWS_PAGE = b"""<html><body>
<nav><a href="/about-us-and-our-team">About us and our team</a></nav>
<header><a href="/category/news">All the news of the week</a></header>
<main>
<h2><a href="/news/2026/soil-carbon-market-opens">Soil carbon market opens in Senegal</a></h2>
<h2><a href="/news/2026/regenerative-farming-gains">Regenerative farming gains ground in Peru</a>
</h2>
<a href="/news/2026/regenerative-farming-gains?utm_source=home">Regenerative farming gains</a>
<a href="https://elsewhere.example/news/1">A story on another site entirely</a>
<a href="/files/report-2026.pdf">Download the annual report here</a>
<a href="/news/x">Read</a>
</main><footer><a href="/legal/privacy-policy">Privacy policy and legal notice</a></footer>
</body></html>"""


def test_a_news_page_without_feed_gives_its_article_links(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/news", NEWS_PAGE, headers={"Content-Type": "text/html"})
    result = _run([_spec("p", server.url("/news"), kind="page")], local_settings)["p"]
    assert result.outcome == "new"
    assert [(urlsplit(i.url).path, i.title) for i in result.items] == [
        ("/news/2026/soil-carbon-market-opens", "Soil carbon market opens in Senegal"),
        ("/news/2026/regenerative-farming-gains", "Regenerative farming gains ground in Peru"),
    ]


def test_plan_next_check_backs_off_honours_retry_after_and_pauses() -> None:
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    interval = timedelta(hours=1)
    assert plan_next_check(0, None, interval, now) == (now + interval, False)
    waits = [plan_next_check(n, None, interval, now)[0] - now for n in range(1, 6)]
    assert waits == sorted(waits) and waits[0] == timedelta(hours=2)
    assert plan_next_check(20, None, interval, now)[0] == now + timedelta(days=1)
    retry_at = now + timedelta(hours=10)
    assert plan_next_check(1, retry_at, interval, now) == (retry_at, False)
    assert plan_next_check(1, now + timedelta(days=30), interval, now)[0] == now + timedelta(
        days=1)
    assert plan_next_check(PAUSE_AFTER_ERRORS - 1, None, interval, now)[1] is False
    assert plan_next_check(PAUSE_AFTER_ERRORS, None, interval, now)[1] is True


def test_the_same_story_in_two_feeds_has_one_identity(
    server: LocalServer, other_server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/a.xml", _feed([("Story", "https://example.org/news/story?utm_source=a")]))
    other_server.add("/b.xml", _feed([("Story", "http://www.example.org/news/story/")]))
    results = _run([_spec("a", server.url("/a.xml")), _spec("b", other_server.url("/b.xml"))],
                   local_settings)
    [a], [b] = results["a"].items, results["b"].items
    assert a.canonical_url == b.canonical_url == "https://example.org/news/story"
    assert a.content_hash == b.content_hash
    assert a.source_id != b.source_id


def test_a_host_answering_429_is_left_alone_for_the_rest_of_the_run(
    server: LocalServer, other_server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/a.xml", b"slow down", status=429, headers={"Retry-After": "300"})
    server.add("/b.xml", _feed([("B", "http://example.org/b")]))
    other_server.add("/c.xml", _feed([("C", "http://example.org/c")]))
    specs = [_spec("a", server.url("/a.xml")), _spec("b", server.url("/b.xml")),
             _spec("c", other_server.url("/c.xml"))]
    results = _run(specs, local_settings)
    assert results["a"].outcome == "failed" and "HTTP 429" in str(results["a"].error)
    assert results["b"].outcome == "failed" and "not requested" in str(results["b"].error)
    retry_at = results["a"].retry_after_at
    assert retry_at is not None and retry_at > datetime.now(UTC) + timedelta(seconds=250)
    assert results["b"].retry_after_at == retry_at
    assert results["c"].outcome == "new"
    assert server.paths() == ["/a.xml"]


def test_big_runs_parse_in_worker_processes(
    server: LocalServer, other_server: LocalServer, local_settings: FetchSettings
) -> None:
    specs = []
    for n in range(60):
        local = server if n % 2 else other_server
        local.add(f"/{n}.xml", _feed([(f"Story {n}", f"http://example.org/{n}")]))
        specs.append(_spec(f"s{n}", local.url(f"/{n}.xml")))
    specs.append(_spec("bomb", server.url("/bomb.xml")))
    server.add("/bomb.xml", b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "b">]><rss>&a;</rss>')
    results = _run(specs, local_settings)
    assert all(results[f"s{n}"].items[0].title == f"Story {n}"
               for n in range(60))
    assert results["bomb"].outcome == "failed"
    assert "entity declarations" in str(results["bomb"].error)
