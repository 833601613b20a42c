"""`pipeline inspect feed|article` print the JSON of CLI.md, for files, stdin and URLs."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.testing import CliRunner

from pipeline.commands.collect import inspect_article, inspect_feed
from pipeline.settings import Settings
from tests.collect.conftest import data_dir
from tests.collect.server import LocalServer

BBC = data_dir() / "feeds" / "feed-rs" / "rss_2.0_bbc.xml"
ARTICLE = data_dir() / "articles" / "es__elpais.com.ciencia.html"


class _Obj:
    """Stands for the lead's App object: only its ``settings`` are read."""

    def __init__(self, allow: bool = True) -> None:
        self.settings = Settings(allow_private_addresses=allow)


def _group() -> click.Group:
    group = click.Group("inspect")
    group.add_command(inspect_feed)
    group.add_command(inspect_article)
    return group


def test_inspect_feed_file_prints_the_documented_shape() -> None:
    result = CliRunner().invoke(_group(), ["feed", str(BBC)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"title", "items"}
    assert data["title"] == "In Our Time"
    [item] = data["items"]
    assert set(item) == {"title", "link", "published", "summary", "guid"}
    assert item["title"] == "Marcus Aurelius"
    assert item["link"] == "http://www.bbc.co.uk/programmes/m000sjxt"
    assert item["guid"] == "urn:bbc:podcast:m000sjxt"
    assert item["published"].startswith("2021-02-25T10:15:00")


def test_inspect_feed_reads_stdin() -> None:
    result = CliRunner().invoke(_group(), ["feed", "-"], input=BBC.read_bytes())
    assert result.exit_code == 0
    assert json.loads(result.stdout)["title"] == "In Our Time"


def test_inspect_article_file_with_url() -> None:
    result = CliRunner().invoke(_group(), ["article", str(ARTICLE), "--url",
                                           "https://elpais.com/ciencia/x.html"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"title", "text", "lang", "published", "author"}
    assert data["lang"] == "es"
    assert data["title"].startswith("¿Ha llegado realmente la Antártida")
    assert data["published"].startswith("2020-02-18")


def test_inspect_feed_url_goes_through_the_safe_fetcher(server: LocalServer) -> None:
    server.add("/feed.xml", BBC.read_bytes(), headers={"Content-Type": "application/rss+xml"})
    refused = CliRunner().invoke(_group(), ["feed", server.url("/feed.xml")],
                                 obj=_Obj(allow=False))
    assert refused.exit_code == 1
    assert "address not allowed" in refused.output
    assert server.requests == []
    allowed = CliRunner().invoke(_group(), ["feed", server.url("/feed.xml")], obj=_Obj())
    assert allowed.exit_code == 0, allowed.output
    assert json.loads(allowed.stdout)["items"][0]["title"] == "Marcus Aurelius"


def test_inspect_article_url(server: LocalServer) -> None:
    server.add("/page", ARTICLE.read_bytes(), headers={"Content-Type": "text/html"})
    result = CliRunner().invoke(_group(), ["article", server.url("/page")], obj=_Obj())
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["lang"] == "es"


def test_errors_are_one_line_and_exit_1(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_bytes(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>')
    for args in (["feed", str(bomb)], ["feed", str(tmp_path / "missing.xml")],
                 ["feed", "file:///etc/passwd"]):
        result = CliRunner().invoke(_group(), args, obj=_Obj())
        assert result.exit_code == 1, args
        assert result.output.count("\n") == 1 and "Traceback" not in result.output
