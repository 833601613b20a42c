"""Ambassador submissions: a link or pasted text through the same path."""

from __future__ import annotations

import pytest

from pipeline.collect.canonical import canonicalise_url
from pipeline.collect.fetch import FetchSettings
from pipeline.collect.submission import collect_submission
from pipeline.errors import AddressNotAllowed, ParseError, RobotsDisallowed
from tests.collect.conftest import data_dir
from tests.collect.server import LocalServer

ARTICLE = (data_dir() / "articles" / "en__bbc.com.52241221.html").read_bytes()


def test_a_submitted_link_is_fetched_and_extracted(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/story", ARTICLE, headers={"Content-Type": "text/html"})
    server.add("/s", status=301, headers={"Location": "/story?utm_source=whatsapp"})
    item = collect_submission(server.url("/s"), local_settings, lang_hint="en")
    assert item.source_id == "submission"
    assert item.title.startswith("New York ramps up mass burials")
    assert "Hart Island" in item.body
    assert item.canonical_url == canonicalise_url(server.url("/story"))
    assert item.lang_hint == "en"


def test_submitted_links_are_checked_like_any_fetch(server: LocalServer) -> None:
    server.add("/story", ARTICLE)
    for url in (server.url("/story"), "file:///etc/passwd", "javascript:alert(1)"):
        with pytest.raises(AddressNotAllowed, match="address not allowed"):
            collect_submission(url, FetchSettings(max_in_flight=10))
    assert server.requests == []


def test_robots_txt_applies_to_submitted_links(
    server: LocalServer, local_settings: FetchSettings
) -> None:
    server.add("/robots.txt", b"User-agent: *\nDisallow: /\n")
    server.add("/story", ARTICLE)
    with pytest.raises(RobotsDisallowed):
        collect_submission(server.url("/story"), local_settings)
    assert "/story" not in server.paths()


def test_pasted_text_becomes_an_item(local_settings: FetchSettings) -> None:
    text = ("Senegal launches a soil carbon programme\x00\n\nThe ministry announced on Monday "
            "a programme for 40,000 farmers. Source: https://example.org/news/senegal?utm_source=x")
    item = collect_submission(text, local_settings, lang_hint="en")
    assert item.title == "Senegal launches a soil carbon programme"
    assert item.body.startswith("The ministry announced") and "\x00" not in item.body
    assert item.canonical_url == "https://example.org/news/senegal"
    assert item.lang_hint == "en"
    again = collect_submission(text, local_settings)
    assert again.content_hash == item.content_hash
    with pytest.raises(ParseError):
        collect_submission(" \n\x00 ", local_settings)
