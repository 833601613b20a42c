"""A local HTTP server for the offline demo, serving feeds built from the bundled articles.

The bundled ``data/articles.jsonl`` holds 45 real article excerpts (FR, EN, ES) with their
source and licence. The server publishes one RSS 2.0 feed per language whose items carry the
excerpt in ``content:encoded`` (as many real feeds do) and the publisher's real address as
link and GUID, so that the demo collects real text and links to the original pages without
ever leaving the machine. Also served: the assembled feeds as bundled (``/original/``).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape

from pipeline.records import SourceSpec

DEMO_LANGUAGES = ("fr", "en", "es")
DEMO_GROUPS = ("partners", "press")
PARTNER_MARKERS = ("CGIAR", "CIMMYT", "FAO", "UNCCD", "Eco&Sols", "Communauté du Pacifique",
                   "FARA", "Manaaki Whenua", "PIFON", "Nations Unies", "Naciones Unidas",
                   "Université Laval", "University of Waikato")
"""Publishers of the bundled articles that are research or UN partners of the kind the
Initiative counts among its Partners and Members (their items go to the partners' section)."""
_REGION_IDS = {
    "Africa": "africa", "Asia": "asia", "Europe": "europe", "Oceania": "oceania",
    "Latin America & Caribbean": "latin-america-caribbean", "North America": "north-america",
    "Global": "global",
}


@dataclass(frozen=True, slots=True)
class DemoArticle:
    id: str
    lang: str
    url: str
    source: str
    published: str | None
    licence: str
    title: str
    text: str
    region: str

    @property
    def group(self) -> str:
        return "partners" if any(m in self.source for m in PARTNER_MARKERS) else "press"


@cache
def load_demo_articles() -> tuple[DemoArticle, ...]:
    raw = resources.files("pipeline.demo").joinpath("data/articles.jsonl").read_text("utf-8")
    articles = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        d: dict[str, Any] = json.loads(line)
        articles.append(DemoArticle(
            id=d["id"], lang=d["lang"], url=d["url"], source=d["source"],
            published=d.get("published"), licence=d["licence"], title=d["title"],
            text=d["text"], region=_REGION_IDS.get(d.get("region") or "", "global")))
    return tuple(articles)


def _pub_date(published: str | None) -> str | None:
    """RFC 822 date for full dates only (``YYYY-MM-DD``); month-only dates are left out."""
    if not published or len(published) != 10:
        return None
    day = datetime.strptime(published, "%Y-%m-%d").replace(hour=8, tzinfo=UTC)
    return format_datetime(day)


@dataclass
class Drip:
    """Articles held back from the feeds, then published one every ``every`` seconds from
    :meth:`start` on, each dated the moment it appears (the demo's scheduler then finds new
    items to collect, process and draft)."""

    held: tuple[str, ...]
    every: float
    started_at: datetime | None = None

    def start(self) -> None:
        self.started_at = datetime.now(UTC)

    def shown_at(self, article_id: str, now_at: datetime) -> datetime | bool:
        """False while held back; the time it appeared (True: never held)."""
        if article_id not in self.held:
            return True
        if self.started_at is None:
            return False
        shown_at = self.started_at + timedelta(seconds=self.every * self.held.index(article_id))
        return shown_at if shown_at <= now_at else False


def held_back(count: int) -> tuple[str, ...]:
    """``count`` bundled articles spread over the languages and outlets (every other one
    from the end)."""
    return tuple(a.id for a in load_demo_articles()[::-2][:count])


def build_demo_feed(lang: str, group: str, drip: Drip | None = None) -> bytes:
    """RSS 2.0 with full excerpts, deterministic for a given bundle (and drip)."""
    items = []
    now_at = datetime.now(UTC)
    for article in load_demo_articles():
        if article.lang != lang or article.group != group:
            continue
        shown = drip.shown_at(article.id, now_at) if drip else True
        if shown is False:
            continue
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article.text.split("\n\n") if p)
        date = format_datetime(shown) if isinstance(shown, datetime) else \
            _pub_date(article.published)
        items.append(
            "<item>"
            f"<title>{escape(article.title)}</title>"
            f"<link>{escape(article.url)}</link>"
            f'<guid isPermaLink="true">{escape(article.url)}</guid>'
            + (f"<pubDate>{date}</pubDate>" if date else "")
            + f'<source url="{escape(article.url)}">{escape(article.source)}</source>'
            f"<description>{escape(article.text[:300])}</description>"
            f"<content:encoded><![CDATA[{paragraphs}]]></content:encoded>"
            f"<category>{escape(article.region)}</category>"
            "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">'
        f"<channel><title>Demo news ({lang})</title><link>http://demo.invalid/</link>"
        "<description>Real article excerpts bundled for the offline demo; texts belong to "
        f"their publishers.</description><language>{lang}</language>"
        + "".join(items) + "</channel></rss>").encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    server_version = "pipeline-demo/1"

    def do_GET(self) -> None:
        body: bytes | None = None
        content_type = "application/rss+xml; charset=utf-8"
        path = self.path.split("?", 1)[0]
        if path.startswith("/feeds/") and path.endswith(".xml"):
            lang, _, group = path[len("/feeds/"):-len(".xml")].partition("-")
            if lang in DEMO_LANGUAGES and group in DEMO_GROUPS:
                body = build_demo_feed(lang, group, getattr(self.server, "drip", None))
        elif path.startswith("/original/feed-") and path.endswith(".xml"):
            lang = path[len("/original/feed-"):-len(".xml")]
            if lang in DEMO_LANGUAGES:
                body = resources.files("pipeline.demo").joinpath(
                    f"data/feed-{lang}.xml").read_bytes()
        elif path == "/robots.txt":
            body, content_type = b"User-agent: *\nAllow: /\n", "text/plain"
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", f'"{hashlib.sha256(body).hexdigest()[:16]}"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the pipeline logs
        return


@contextmanager
def serve_demo_site(drip: Drip | None = None) -> Iterator[str]:
    """Serve the demo feeds on 127.0.0.1 (a free port) for the duration of the block."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.drip = drip  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def demo_sources(base_url: str) -> list[SourceSpec]:
    """Two sources per language: partners' news and the press (each item names its outlet)."""
    names = {"partners": "Demo partners", "press": "Demo press"}
    return [SourceSpec(id=f"demo-{lang}-{group}", name=f"{names[group]} ({lang.upper()})",
                       url=f"{base_url}/feeds/{lang}-{group}.xml", kind="feed", lang=lang,
                       relevance="check", interval_minutes=60,
                       section="partner" if group == "partners" else "press")
            for lang in DEMO_LANGUAGES for group in DEMO_GROUPS]
