"""``pipeline inspect feed`` and ``pipeline inspect article``: debug a source, touch no database.

Plain :class:`click.Command` objects; the lead attaches them to the ``inspect`` group. Input is a
path, ``-`` for stdin, or an http(s) URL fetched through the safe fetcher.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from pipeline.collect.articles import extract_article
from pipeline.collect.feeds import parse_feed
from pipeline.collect.fetch import FetchSettings, fetch_url
from pipeline.collect.sandbox import ParseLimits, ParseSandbox
from pipeline.collect.sources import ARTICLE_IMPORTS, HTML_ACCEPT
from pipeline.errors import PipelineError


def _settings(ctx: click.Context) -> Any:
    obj = ctx.find_root().obj
    settings = getattr(obj, "settings", None)
    if settings is None:
        from pipeline.settings import load_settings

        settings = load_settings()
    return settings


def _fetch_settings(ctx: click.Context) -> FetchSettings:
    """Loopback is allowed only when the project settings say so (tests, demo)."""
    settings = _settings(ctx)
    return FetchSettings(allow_private_addresses=settings.allow_private_addresses,
                         loopback_only=settings.loopback_only,
                         max_in_flight=settings.fetch_concurrency)


def _sandbox(ctx: click.Context) -> ParseSandbox:
    """One worker process under the parse limits of the settings: what collection uses."""
    settings = _settings(ctx)
    return ParseSandbox(ParseLimits(time_s=settings.parse_time_limit,
                                    memory_mb=settings.parse_memory_limit_mb), workers=1)


def _is_url(value: str) -> bool:
    return "://" in value or value.lower().startswith(("http:", "https:"))


def read_input(
    ctx: click.Context, path_or_url: str, accept: str
) -> tuple[bytes, str | None, str | None, dict[str, str]]:
    """Bytes, final URL, content type and headers of a path, ``-`` or a URL."""
    if path_or_url == "-":
        return sys.stdin.buffer.read(), None, None, {}
    if _is_url(path_or_url):
        response = fetch_url(path_or_url, _fetch_settings(ctx), accept=accept)
        return response.body, response.url, response.content_type, response.headers
    try:
        return Path(path_or_url).read_bytes(), None, None, {}
    except OSError as error:
        raise click.ClickException(f"cannot read {path_or_url}: {error.strerror}") from None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _emit(data: dict[str, Any]) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


@click.command("feed")
@click.argument("path_or_url")
@click.pass_context
def inspect_feed(ctx: click.Context, path_or_url: str) -> None:
    """Parse a feed (file, '-' or URL) and print it as one JSON object."""
    try:
        body, url, content_type, _ = read_input(ctx, path_or_url, "application/rss+xml, */*")
        with _sandbox(ctx) as sandbox:
            feed = sandbox.run_sync(parse_feed, body, fetched_at=datetime.now(UTC), url=url,
                                    content_type=content_type)
    except PipelineError as error:
        raise click.ClickException(str(error)) from None
    _emit({
        "title": feed.title,
        "items": [
            {"title": e.title, "link": e.link, "published": _iso(e.published_at),
             "summary": e.summary, "guid": e.guid}
            for e in feed.entries
        ],
    })


@click.command("article")
@click.argument("path_or_url")
@click.option("--url", "page_url", default=None, help="The page's address when reading a file.")
@click.pass_context
def inspect_article(ctx: click.Context, path_or_url: str, page_url: str | None) -> None:
    """Extract an article page (file, '-' or URL) and print it as one JSON object."""
    try:
        body, url, _, headers = read_input(ctx, path_or_url, HTML_ACCEPT)
        with _sandbox(ctx) as sandbox:
            article = sandbox.run_sync(
                extract_article, body, url=page_url or url, fetched_at=datetime.now(UTC),
                content_language=headers.get("content-language"), warm=ARTICLE_IMPORTS)
    except PipelineError as error:
        raise click.ClickException(str(error)) from None
    _emit({
        "title": article.title, "text": article.text, "lang": article.lang,
        "published": _iso(article.published_at), "author": article.author,
    })
