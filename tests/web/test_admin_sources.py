"""The sources page: a source added after a test fetch from a local server lands in
sources.toml with the file's comments intact; edits change only their keys; what the
command line refuses is refused with its message; a file changed by hand meanwhile is not
overwritten; health, pause and resume."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from pipeline.config import load_sources
from pipeline.records import Classification as Labels
from pipeline.records import CollectedItem
from pipeline.states import ItemOrigin
from pipeline.store.items import upsert_items
from pipeline.store.models import AuditEntry, Item, Source
from pipeline.store.processing import save_classification
from pipeline.store.sources import paused_source_ids
from pipeline.teamfiles import digest_of as file_digest
from tests.collect.server import LocalServer, start_server, stop_server
from tests.web.conftest import SOURCES_TOML, Site, make_site, sign_in

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Soil news</title>
<item><title>Cover crops return to the Beauce</title><link>{base}/a1</link>
<description>Farmers sow cover crops.</description>
<pubDate>Wed, 25 Nov 2026 08:00:00 GMT</pubDate></item>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt; Compost in Lagos</title><link>{base}/a2</link>
<description>x</description></item>
</channel></rss>"""


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    local = start_server()
    local.add("/feed.xml", FEED.format(base=local.url("")).encode(),
              headers={"Content-Type": "application/rss+xml"})
    try:
        yield local
    finally:
        stop_server(local)


@pytest.fixture
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("sources"))
    try:
        yield made
    finally:
        made.app.close()


@pytest.fixture
def admin(site: Site) -> tuple[TestClient, str]:
    client = site.client()
    return client, sign_in(client, "admin")


def digest_of(page: str) -> str:
    found = re.search(r'name="digest" value="([^"]+)"', page)
    assert found
    return found.group(1)


def sources_text(site: Site) -> str:
    return site.app.settings.sources_path.read_text(encoding="utf-8")


def test_a_source_added_from_the_page_lands_in_sources_toml_with_comments_intact(
        site: Site, admin: tuple[TestClient, str], server: LocalServer) -> None:
    client, token = admin
    form = {"id": "soil-news", "name": "Soil news", "url": server.url("/feed.xml"),
            "kind": "feed", "lang": "en", "region": "europe", "country": "FR",
            "themes": ["practices", "soil-carbon"], "relevance": "always", "section": "press",
            "interval_minutes": "120", "enabled": "1", "csrf_token": token,
            "digest": digest_of(client.get("/admin/new-source").text)}
    with site.app.session(readonly=True) as db:
        items_before = db.scalar(select(func.count()).select_from(Item))
    trial = client.post("/admin/new-source/test", data=form)
    assert trial.status_code == 200
    assert "2 items." in trial.text and "Cover crops return to the Beauce" in trial.text
    assert "<script>alert(1)" not in trial.text and "Compost in Lagos" in trial.text
    assert sources_text(site) == SOURCES_TOML  # trying stores nothing
    with site.app.session(readonly=True) as db:
        assert db.scalar(select(func.count()).select_from(Item)) == items_before
    saved = client.post("/admin/new-source", data={**form, "digest": digest_of(trial.text)})
    assert saved.headers["location"] == "/admin/sources?done=added"
    text = sources_text(site)
    assert text.startswith(SOURCES_TOML)  # every comment and key as it was
    assert text[len(SOURCES_TOML):] == (
        '\n[[sources]]\nid = "soil-news"\nname = "Soil news"\n'
        f'url = "{server.url("/feed.xml")}"\nlang = "en"\nregion = "europe"\n'
        'country = "FR"\nthemes = ["practices", "soil-carbon"]\nrelevance = "always"\n'
        'interval_minutes = 120\n')
    specs = load_sources(site.app.settings.sources_path)  # what `pipeline collect` reads
    assert [s.id for s in specs] == ["local-feed", "soil-news"]
    page = client.get("/admin/sources?done=added").text
    assert "The source is added to sources.toml." in page and "Never collected" in page
    with site.app.session(readonly=True) as db:
        assert db.get(Source, "soil-news") is not None
        assert db.scalar(select(AuditEntry.action).where(
            AuditEntry.target == "source:soil-news")) == "source.added"


def test_an_edit_changes_only_its_keys(site: Site, admin: tuple[TestClient, str]) -> None:
    client, token = admin
    page = client.get("/admin/sources/local-feed").text
    assert 'value="Local feed"' in page
    done = client.post("/admin/sources/local-feed", data={
        "name": "Local feed (renamed)", "url": "http://127.0.0.1:9/feed.xml", "kind": "feed",
        "lang": "en", "region": "africa", "relevance": "check", "section": "press",
        "interval_minutes": "360", "enabled": "1", "digest": digest_of(page),
        "csrf_token": token})
    assert done.headers["location"] == "/admin/sources?done=saved"
    changed = [line for line in difflib.ndiff(SOURCES_TOML.splitlines(),
                                              sources_text(site).splitlines())
               if line[:1] in "+-"]
    assert changed == ['- name = "Local feed"', '+ name = "Local feed (renamed)"',
                       '+ region = "africa"']
    assert 'id = "local-feed"  # and this one' in sources_text(site)
    assert "# The test site's sources: the sources page must keep this comment." in \
        sources_text(site)


@pytest.mark.parametrize("field, value, message", [
    ("lang", "xx", "sources[new].lang: expected one of fr, en, es, pt, de, it, got 'xx'"),
    ("url", "file:///etc/passwd", "expected an http(s) URL"),
    ("url", "http://user:pw@example.org/feed", "credentials in a URL are not allowed"),
    ("id", "Bad Id", "expected lowercase letters, digits and '-'"),
    ("id", "local-feed", "duplicate id 'local-feed'"),
    ("url", "http://127.0.0.1:9/feed.xml", "duplicate url"),
    ("interval_minutes", "1", "expected minutes between 5 and 10080"),
    ("country", "fr", "expected an ISO 3166 country code"),
    ("name", "two\nlines", "expected one line"),
])
def test_what_the_command_line_refuses_is_refused_with_its_message(
        site: Site, admin: tuple[TestClient, str], field: str, value: str,
        message: str) -> None:
    client, token = admin
    form = {"id": "new-one", "name": "New", "url": "https://example.org/feed.xml",
            "kind": "feed", "lang": "en", "relevance": "check", "section": "press",
            "interval_minutes": "360", "enabled": "1", field: value, "csrf_token": token,
            "digest": digest_of(client.get("/admin/new-source").text)}
    answer = client.post("/admin/new-source", data=form)
    assert answer.status_code == 400
    assert message in answer.text.replace("&#39;", "'")
    assert sources_text(site) == SOURCES_TOML


def test_a_file_edited_by_hand_meanwhile_is_not_overwritten(
        site: Site, admin: tuple[TestClient, str]) -> None:
    client, token = admin
    page = client.get("/admin/sources").text
    by_hand = SOURCES_TOML + "\n# added by hand while the page was open\n"
    site.app.settings.sources_path.write_text(by_hand, encoding="utf-8")
    answer = client.post("/admin/sources/local-feed/disable",
                         data={"digest": digest_of(page), "csrf_token": token})
    assert answer.status_code == 409 and "nothing was written" in answer.text
    assert sources_text(site) == by_hand
    fresh = client.get("/admin/sources").text
    done = client.post("/admin/sources/local-feed/disable",
                       data={"digest": digest_of(fresh), "csrf_token": token})
    assert done.status_code == 303
    assert sources_text(site) == by_hand.replace('lang = "en"\n', 'lang = "en"\nenabled = false\n')
    assert "Disabled" in client.get("/admin/sources").text
    site.app.settings.sources_path.write_text("sources = [", encoding="utf-8")
    broken = client.get("/admin/sources")
    assert broken.status_code == 200 and "cannot be read as it is now" in broken.text
    refused = client.post("/admin/sources/local-feed/enable",
                          data={"digest": file_digest(b"sources = ["), "csrf_token": token})
    assert refused.status_code == 400 and sources_text(site) == "sources = ["


def test_health_pause_and_resume(site: Site, admin: tuple[TestClient, str]) -> None:
    client, token = admin
    now_at = datetime.now(UTC)
    items = [CollectedItem(source_id="local-feed", url=f"https://example.org/{n}",
                           canonical_url=f"https://example.org/{n}", title=f"Item {n}",
                           fetched_at=now_at - timedelta(days=2 * n, hours=1),
                           content_hash=f"sha256:{n:064d}",
                           fallback="robots.txt disallows this page" if n == 1 else None)
             for n in range(6)]
    assert client.post("/admin/sources/local-feed/pause", data={"csrf_token": token}
                       ).status_code == 303
    with site.app.session() as db:
        upsert_items(db, items, ItemOrigin.FEED)
        for row in db.scalars(select(Item)):
            save_classification(db, row.id, Labels(lang="en", relevant=row.id % 2 == 0,
                                                   relevance_score=0.5, themes=(),
                                                   regions=()))
        assert paused_source_ids(db) == {"local-feed"}
    page = client.get("/admin/sources").text
    row = page[page.index("local-feed"):]
    row = row[:row.index("</tr>")]
    assert "Paused" in row
    # 4 items this week (of 6 in the month), half of the month's relevant, 1 fall-back
    assert re.findall(r"<td>([^<]*)</td>", row)[-3:] == ["4", "50%", "1"]
    assert client.post("/admin/sources/local-feed/resume", data={"csrf_token": token}
                       ).status_code == 303
    with site.app.session(readonly=True) as db:
        assert paused_source_ids(db) == set()
    assert client.post("/admin/sources/nope/pause", data={"csrf_token": token}
                       ).status_code == 404
