"""Hostile and broken feeds: ADVERSARIAL.md "Fetching" 1, 2, 11, 12 and "Hostile content" 14."""

from __future__ import annotations

import asyncio
import codecs
import tracemalloc
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.collect.feeds import parse_feed
from pipeline.collect.fetch import FetchSettings
from pipeline.collect.reading import build_item
from pipeline.collect.sources import collect_sources
from pipeline.errors import ParseError
from pipeline.records import FetchState, SourceSpec
from tests.collect.server import LocalServer

FETCHED_AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><title>&lol9;</title><link>http://example.org/a</link></item></channel></rss>"""

GOOD_FEED = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Good</title><link>http://example.org/</link>
<item><title>Soil carbon news</title><link>http://example.org/soil</link>
<guid>tag:example.org,2026:1</guid>
<description>&lt;p&gt;Hello &lt;b&gt;soil&lt;/b&gt;&lt;/p&gt;</description>
<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate></item></channel></rss>"""


def _spec(source_id: str, url: str, **extra: object) -> SourceSpec:
    return SourceSpec(id=source_id, name=source_id, url=url, kind="feed", lang="en",
                      **extra)  # type: ignore[arg-type]


def _collect(specs: list[SourceSpec], settings: FetchSettings,
             states: dict[str, FetchState] | None = None) -> dict[str, object]:
    results = asyncio.run(collect_sources(specs, states or {}, settings))
    return {r.source_id: r for r in results}


def test_billion_laughs_is_refused_and_other_sources_unaffected(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/bomb.xml", BILLION_LAUGHS, headers={"Content-Type": "application/rss+xml"})
    server.add("/good.xml", GOOD_FEED)
    tracemalloc.start()
    try:
        results = _collect([_spec("bomb", server.url("/bomb.xml")),
                            _spec("good", server.url("/good.xml"))], local_settings)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    bomb, good = results["bomb"], results["good"]
    assert bomb.outcome == "failed"  # type: ignore[attr-defined]
    assert "entity declarations" in bomb.error  # type: ignore[attr-defined]
    assert bomb.items == []  # type: ignore[attr-defined]
    assert good.outcome == "new"  # type: ignore[attr-defined]
    assert [i.title for i in good.items] == ["Soil carbon news"]  # type: ignore[attr-defined]
    assert peak < 30_000_000


@pytest.mark.parametrize("declaration", [
    b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{dtd}">]>',
    b'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "{dtd}"> %remote;]>',
    b'<!DOCTYPE rss [<!ENTITY xxe PUBLIC "-//X//Y" "{dtd}">]>',
])
def test_external_entities_are_never_resolved(
    server: LocalServer, local_settings: FetchSettings, declaration: bytes
) -> None:
    server.add("/x.dtd", b'<!ENTITY xxe "LEAKED">')
    decl = declaration.replace(b"{dtd}", server.url("/x.dtd").encode())
    feed = (b'<?xml version="1.0"?>' + decl + b'<rss version="2.0"><channel><title>&xxe;</title>'
            b"<item><title>&xxe;</title><link>http://example.org/a</link></item></channel></rss>")
    server.add("/feed.xml", feed)
    result = _collect([_spec("xxe", server.url("/feed.xml"))], local_settings)["xxe"]
    assert result.outcome == "failed"  # type: ignore[attr-defined]
    assert server.paths() == ["/feed.xml"]
    assert "root:" not in repr(result) and "LEAKED" not in repr(result)


def test_an_external_dtd_is_never_loaded(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/x.dtd", b'<!ENTITY title "LEAKED">')
    feed = (b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "' + server.url("/x.dtd").encode()
            + b'"><rss version="0.91"><channel><title>Old feed</title><item><title>One</title>'
            b"<link>http://example.org/one</link></item></channel></rss>")
    server.add("/feed.xml", feed)
    result = _collect([_spec("dtd", server.url("/feed.xml"))], local_settings)["dtd"]
    assert result.outcome == "new"  # type: ignore[attr-defined]
    assert [i.title for i in result.items] == ["One"]  # type: ignore[attr-defined]
    assert server.paths() == ["/feed.xml"]


def test_parse_feed_takes_bytes_only() -> None:
    with pytest.raises(TypeError):
        parse_feed("/etc/passwd", fetched_at=FETCHED_AT)  # type: ignore[arg-type]
    with pytest.raises(ParseError):
        parse_feed(b"/etc/passwd", fetched_at=FETCHED_AT)


def _rss(items: bytes, *, encoding: str = "utf-8", title: bytes = b"Feed") -> bytes:
    return (f'<?xml version="1.0" encoding="{encoding}"?>'.encode() + b'<rss version="2.0">'
            b"<channel><title>" + title + b"</title>" + items + b"</channel></rss>")


def test_unclosed_tags_are_read_best_effort() -> None:
    body = _rss(b"<item><title>Open <b>bold</title><link>http://example.org/a</link></item>"
                b"<item><title>Second</title><link>http://example.org/b</link>")
    feed = parse_feed(body, fetched_at=FETCHED_AT)
    assert feed.bozo and any("not well-formed" in w for w in feed.warnings)
    assert [e.link for e in feed.entries][:1] == ["http://example.org/a"]


def test_wrong_declared_encoding() -> None:
    body = _rss("<item><title>Évaluation des sols à Dakar</title>"
                "<link>http://example.org/a</link></item>".encode("latin-1"), encoding="utf-8")
    feed = parse_feed(body, fetched_at=FETCHED_AT)
    assert len(feed.entries) == 1
    title = feed.entries[0].title
    title.encode("utf-8")
    assert "sols" in title and "\x00" not in title


def test_utf16_with_bom() -> None:
    text = ('<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>Sols</title>'
            "<item><title>Séquestration du carbone</title><link>http://example.org/a</link>"
            "</item></channel></rss>")
    feed = parse_feed(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), fetched_at=FETCHED_AT)
    assert feed.title == "Sols"
    assert feed.entries[0].title == "Séquestration du carbone"


def test_nul_bytes_and_invalid_characters_are_removed() -> None:
    body = _rss(b"<item><title>Soil\x00 carbon\x01\x1b news</title><link>http://example.org/a"
                b"</link><description>Text\x00 with\x0b NULs\xef\xbf\xbe</description></item>")
    feed = parse_feed(body, fetched_at=FETCHED_AT)
    for entry in feed.entries:
        for value in (entry.title, entry.summary):
            assert "\x00" not in value and "\x01" not in value and "\x0b" not in value
            assert "\ufffe" not in value
            value.encode("utf-8")
    assert feed.entries[0].title.replace(" ", "") in ("Soilcarbonnews",)


def test_a_ten_megabyte_title_is_cut_with_a_warning() -> None:
    body = _rss(b"<item><title>" + b"soil " * 2_000_000 + b"</title>"
                b"<link>http://example.org/a</link></item>", title=b"T" * 10_000_000)
    feed = parse_feed(body, fetched_at=FETCHED_AT)
    assert len(feed.title) <= 501 and len(feed.entries[0].title) <= 501
    assert any("title cut" in w for w in feed.warnings)


def test_a_hundred_thousand_items_are_capped_with_a_warning() -> None:
    items = b"".join(b"<item><title>n%d</title><link>http://example.org/%d</link></item>" % (i, i)
                     for i in range(100_000))
    feed = parse_feed(_rss(items), fetched_at=FETCHED_AT, max_items=1000)
    assert len(feed.entries) == 1000
    assert feed.entries[0].link == "http://example.org/0"
    assert any("99000 items over the cap" in w for w in feed.warnings)


@pytest.mark.parametrize(("date", "expected"), [
    ("Fri, 31 Dec 9999 23:59:59 GMT", None),
    ("Thu, 01 Jan 1970 00:00:00 GMT", None),
    ("", None),
    ("not a date at all", None),
    ("Mon, 23 Nov 2026 10:00:00 +0200", datetime(2026, 11, 23, 8, 0, tzinfo=UTC)),
    ("Mon, 23 Nov 2026 10:00:00 XYZ", datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
    ("Sat, 28 Nov 2026 10:00:00 GMT", FETCHED_AT),
    ("2026-11-20T06:30:00-05:00", datetime(2026, 11, 20, 11, 30, tzinfo=UTC)),
])
def test_dates_are_utc_or_empty_and_future_ones_clamped(
    date: str, expected: datetime | None
) -> None:
    body = _rss(f"<item><title>x</title><link>http://example.org/a</link><pubDate>{date}"
                "</pubDate></item>".encode())
    entry = parse_feed(body, fetched_at=FETCHED_AT).entries[0]
    assert entry.published_at == expected
    if entry.published_at is not None:
        assert entry.published_at.utcoffset() == timedelta(0)


HOSTILE_SUMMARY = """
<p>Intro <script>alert('x')</script><img src=x onerror="alert(1)">
<a href="javascript:alert(2)">js</a> <a href="jav&#x09;ascript:alert(3)">tab</a>
<a href="data:text/html;base64,PHNjcmlwdD4=">data</a>
<meta http-equiv="refresh" content="0;url=http://evil.example/"><base href="http://evil.example/">
<form action="http://evil.example/"><button formaction="javascript:alert(4)">go</button></form>
<style>@import url(http://evil.example/x.css);</style><object data="x.swf"></object>
<embed src="x.swf"><iframe srcdoc="&lt;script&gt;alert(5)&lt;/script&gt;"></iframe>
<img srcset="javascript:alert(6) 1x, http://evil.example/x.png 2x">
<svg onload="alert(7)"></svg>Body text stays.</p>
"""


def test_hostile_markup_in_summaries_becomes_plain_text() -> None:
    escaped = HOSTILE_SUMMARY.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    body = _rss(b"<item><title>&lt;script&gt;alert(0)&lt;/script&gt;Title</title>"
                b"<link>http://example.org/a</link><description>" + escaped.encode()
                + b"</description></item>")
    entry = parse_feed(body, fetched_at=FETCHED_AT).entries[0]
    for value in (entry.title, entry.summary):
        assert "<" not in value and ">" not in value
        assert "alert" not in value
        assert "javascript" not in value.lower() and "evil.example" not in value
        assert "@import" not in value
    assert "Intro" in entry.summary and "Body text stays." in entry.summary
    assert entry.title == "Title"


def test_full_text_from_content_encoded_becomes_the_body(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    full = "<p>" + "Cover crops hold the soil in place. " * 40 + "</p><script>x()</script>"
    body = _rss(b'<item><title>Cover crops</title><link>http://example.org/cover</link>'
                b"<description>Short teaser.</description><content:encoded><![CDATA["
                + full.encode() + b"]]></content:encoded></item>").replace(
        b'<rss version="2.0">',
        b'<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">')
    server.add("/feed.xml", body)
    result = _collect([_spec("c", server.url("/feed.xml"))], local_settings)["c"]
    [item] = result.items  # type: ignore[attr-defined]
    assert item.summary == "Short teaser."
    assert item.body.startswith("Cover crops hold the soil in place.") and "x()" not in item.body
    assert len(item.body) > 1000


def test_relative_links_are_made_absolute_against_the_feed_or_its_xml_base() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>R</title><link>/</link>
<item><title>Relative</title><link>/news/1?x=1</link>
<enclosure url="media/a.mp3" type="audio/mpeg" length="1"/></item>
<item><title>Absolute</title><link>https://other.example/2</link></item></channel></rss>"""
    parsed = parse_feed(rss, fetched_at=FETCHED_AT, url="https://site.example/feeds/rss.xml")
    assert parsed.link == "https://site.example/"
    assert [e.link for e in parsed.entries] == ["https://site.example/news/1?x=1",
                                                "https://other.example/2"]
    assert parsed.entries[0].enclosures == ("https://site.example/feeds/media/a.mp3",)
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"
xml:base="https://base.example/blog/"><title>A</title>
<entry><title>Based</title><link href="posts/3"/><id>urn:x:3</id></entry></feed>"""
    parsed = parse_feed(atom, fetched_at=FETCHED_AT, url="https://site.example/atom.xml")
    assert [e.link for e in parsed.entries] == ["https://base.example/blog/posts/3"]


def test_the_tag_count_is_the_same_piece_by_piece() -> None:
    import random

    from pipeline.collect.bombs import TagCounter, count_unclosed_tags

    body = (b'<?xml version="1.0"?><rss><!-- c --><channel><a/><b></b><br><x><y>'
            b"<![CDATA[<p>]]></channel></rss>") * 50
    rng = random.Random(3)
    for _ in range(20):
        counter, start = TagCounter(), 0
        while start < len(body):
            end = start + rng.randint(1, 7)
            counter.feed(body[start:end])
            start = end
        assert counter.unclosed == count_unclosed_tags(body)


def test_feed_categories_are_kept_on_the_item() -> None:
    rss = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><title>Drought in Spain</title><link>http://example.org/a</link>
<category>Environment</category><category> Climate  crisis </category>
<category>Environment</category><category></category></item></channel></rss>"""
    atom = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>Soil</title><link href="http://example.org/b"/><id>urn:b</id>
<category term="https://example.org/c/42" label="Farming"/><category term="soil"/>
</entry></feed>"""
    assert parse_feed(rss, fetched_at=FETCHED_AT).entries[0].categories == (
        "Environment", "Climate crisis")
    entry = parse_feed(atom, fetched_at=FETCHED_AT).entries[0]
    assert entry.categories == ("Farming", "soil")
    assert build_item("s", entry, FETCHED_AT).categories == ("Farming", "soil")
