"""The main job end to end through the real command line: collect from a local server,
process, draft, render, approve (refused, then accepted), archive; and the offline demo."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.demo.site import serve_demo_site
from tests.conftest import run_pipeline

LOCAL = {"PIPELINE_ALLOW_PRIVATE_ADDRESSES": "true", "PIPELINE_LOOPBACK_ONLY": "true"}


@pytest.fixture(scope="module")
def demo_server() -> Iterator[str]:
    with serve_demo_site() as base_url:
        yield base_url


@pytest.fixture
def project(tmp_path: Path, demo_server: str) -> Path:
    (tmp_path / "sources.toml").write_text(
        f"""
[[sources]]
id = "partners-en"
name = "Partners (EN)"
url = "{demo_server}/feeds/en-partners.xml"
lang = "en"
section = "partner"

[[sources]]
id = "press-fr"
name = "Presse (FR)"
url = "{demo_server}/feeds/fr-press.xml"
lang = "fr"

[[sources]]
id = "broken"
name = "Broken"
url = "{demo_server}/no-such-feed.xml"
lang = "es"
""", encoding="utf-8")
    return tmp_path


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_collect_process_draft_render_approve(project: Path) -> None:
    collected = run_pipeline(["collect"], cwd=project, env=LOCAL)
    assert collected.returncode == 0, collected.stderr
    assert "partners-en" in collected.stdout and "new 11" in collected.stdout
    assert "broken" in collected.stdout and "failed: " in collected.stdout
    again = run_pipeline(["collect"], cwd=project, env=LOCAL)
    assert "3 sources, 0 new items" in again.stdout

    processed = run_pipeline(["process"], cwd=project, env=LOCAL)
    assert processed.returncode == 0, processed.stderr
    assert processed.stdout.startswith("22 items processed")

    drafted = run_pipeline(["draft", "press-review", "--since", "2015-01-01"], cwd=project)
    assert drafted.returncode == 0, drafted.stderr
    edition_id = last_line(drafted.stdout)
    assert edition_id.isdigit()

    out = project / "out"
    rendered = run_pipeline(["render", edition_id, "--out", str(out)], cwd=project)
    assert rendered.returncode == 0, rendered.stderr
    for lang in ("fr", "en", "es"):
        html = (out / f"{lang}.html").read_text(encoding="utf-8")
        assert f'lang="{lang}"' in html
        assert (out / f"{lang}.txt").read_text(encoding="utf-8").strip()
    # The French items appear translated in the English edition, marked as machine work.
    english = (out / "en.txt").read_text(encoding="utf-8")
    assert "automatic translation" in english

    users = run_pipeline(["users", "add", "marie", "--role", "approver", "--password-stdin"],
                         cwd=project, input_text="a long enough password\n")
    assert users.returncode == 0, users.stderr
    refused = run_pipeline(["approve", edition_id, "--by", "marie"], cwd=project)
    assert refused.returncode == 1
    assert "unreviewed machine translations" in refused.stderr
    assert "--accept-machine-translations" in refused.stderr
    unknown = run_pipeline(["approve", edition_id, "--by", "nobody",
                            "--accept-machine-translations"], cwd=project)
    assert unknown.returncode == 1
    assert unknown.stderr == ("error: no user named 'nobody' (create one with `pipeline users "
                              "add`)\n")
    editor = run_pipeline(["users", "add", "eve", "--role", "editor", "--password-stdin"],
                          cwd=project, input_text="a long enough password\n")
    assert editor.returncode == 0, editor.stderr
    not_approver = run_pipeline(["approve", edition_id, "--by", "eve",
                                 "--accept-machine-translations"], cwd=project)
    assert not_approver.returncode == 1
    assert not_approver.stderr == "error: eve (editor) may not approve\n"
    approved = run_pipeline(["approve", edition_id, "--by", "marie",
                             "--accept-machine-translations"], cwd=project)
    assert approved.returncode == 0, approved.stderr

    with sqlite3.connect(project / "var" / "pipeline.sqlite3") as conn:
        status = conn.execute("SELECT status, approved_by FROM editions WHERE id = ?",
                              (int(edition_id),)).fetchone()
        audit = conn.execute("SELECT actor, action, details FROM audit_log "
                             "WHERE action = 'translations.accepted'").fetchone()
        failing = conn.execute("SELECT error_count, last_error FROM sources "
                               "WHERE id = 'broken'").fetchone()
    assert status == ("approved", "marie")
    assert audit[0] == "marie" and json.loads(audit[2])["items"]["en"]
    assert failing[0] == 2 and "404" in failing[1]

    not_sent = run_pipeline(["archive", edition_id], cwd=project)
    assert not_sent.returncode == 1
    assert "only a sent edition is archived" in not_sent.stderr

    # Sending is a later stage: move the approved edition through the status machine the way
    # the sender will, then publish it.
    from pipeline.permissions import SYSTEM
    from pipeline.store.db import create_db_engine, make_sessionmaker
    from pipeline.store.editions import get_edition, move_edition

    engine = create_db_engine(f"sqlite:///{project / 'var' / 'pipeline.sqlite3'}")
    with make_sessionmaker(engine).begin() as session:
        edition = get_edition(session, int(edition_id))
        move_edition(session, edition, "sending", actor=SYSTEM)
        move_edition(session, edition, "sent", actor=SYSTEM)
    engine.dispose()
    archived = run_pipeline(["archive", edition_id], cwd=project)
    assert archived.returncode == 0, archived.stderr
    pages = sorted(p.relative_to(project / "archive").as_posix()
                   for p in (project / "archive").rglob("*.html") if p.name != "index.html")
    assert [p.rsplit("/", 1)[0] for p in pages] == [
        "press-review/en", "press-review/es", "press-review/fr"]
    assert all(p.endswith(f"-{edition_id}.html") for p in pages)
    page = (project / "archive" / pages[0]).read_text(encoding="utf-8")
    assert "Content-Security-Policy" in page
    before = {p: p.read_bytes() for p in (project / "archive").rglob("*") if p.is_file()}
    again = run_pipeline(["archive", edition_id], cwd=project)
    assert again.returncode == 0, again.stderr
    after = {p: p.read_bytes() for p in (project / "archive").rglob("*") if p.is_file()}
    assert after == before  # archiving again rewrites nothing

    status_out = run_pipeline(["status"], cwd=project)
    assert "broken" in status_out.stdout and "failing×2" in status_out.stdout


def test_demo_renders_three_languages_offline(tmp_path: Path) -> None:
    done = run_pipeline(["demo", "--no-serve", "--out", str(tmp_path / "demo")], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "collected 45 items from 6 demo feeds" in done.stdout
    for kind in ("press-review", "newsletter"):
        for lang in ("fr", "en", "es"):
            html = (tmp_path / "demo" / kind / f"{lang}.html").read_text(encoding="utf-8")
            assert f'lang="{lang}"' in html
            assert "<script" not in html.lower()
            assert (tmp_path / "demo" / kind / f"{lang}.txt").stat().st_size > 1000
    newsletter = (tmp_path / "demo" / "newsletter" / "en.txt").read_text(encoding="utf-8")
    assert "World Soil Day" in newsletter
    # The glossary applies wherever the command runs from: "soil organic carbon" in the
    # English items comes out as the fixed Spanish term.
    spanish = (tmp_path / "demo" / "newsletter" / "es.txt").read_text(encoding="utf-8")
    assert "carbono orgánico del suelo" in spanish
    agenda = (tmp_path / "demo" / "newsletter" / "es.ics").read_bytes().decode("utf-8")
    assert agenda.startswith("BEGIN:VCALENDAR\r\n") and "Día Mundial del Suelo" in agenda


def test_two_processors_at_once_on_postgresql(project: Path, postgres_url: str) -> None:
    """Both runs succeed and every item is classified and translated exactly once."""
    import subprocess

    from tests.conftest import PIPELINE_BIN

    env = {**LOCAL, "PIPELINE_DATABASE_URL": postgres_url}
    collected = run_pipeline(["collect", "--source", "partners-en", "--source", "press-fr"],
                             cwd=project, env=env)
    assert collected.returncode == 0, collected.stderr
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    full_env.update(env)
    runs = [subprocess.Popen([str(PIPELINE_BIN), "process"], cwd=project, env=full_env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err for _, err in outputs]
    processed = sum(int(out.split()[0]) for out, _ in outputs)
    assert processed == 22
    import psycopg

    with psycopg.connect(postgres_url) as conn:
        statuses = conn.execute("SELECT status, count(*) FROM items GROUP BY status").fetchall()
        texts = conn.execute("SELECT count(*) FROM item_texts").fetchone()
        runs_table = conn.execute("SELECT status FROM runs WHERE job = 'process'").fetchall()
    assert statuses == [("processed", 22)]
    assert texts == (22 * 3,)
    assert sorted(r[0] for r in runs_table) == ["ok", "ok"]


ANNOUNCEMENT_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Réseau sols (test fixture)</title><link>{base}/</link>
<description>A feed written for this test.</description><language>fr</language>
<item><title>Webinaire : mesurer le carbone organique du sol dans les exploitations</title>
<link>https://example.org/webinaire-carbone-sol</link>
<guid>https://example.org/webinaire-carbone-sol</guid>
<pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate>
<description>Le webinaire aura lieu le 12 décembre 2026. Des agronomes présenteront les
méthodes de mesure du carbone organique du sol et les résultats de la campagne au Sénégal.
</description></item>
</channel></rss>"""


def test_announced_event_joins_the_newsletter_agenda_and_drafts_repeat(tmp_path: Path) -> None:
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    site = tmp_path / "site"
    site.mkdir()
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        SimpleHTTPRequestHandler, directory=str(site)))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    (site / "feed.xml").write_text(ANNOUNCEMENT_FEED.format(base=base), encoding="utf-8")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        (tmp_path / "sources.toml").write_text(
            f'[[sources]]\nid = "reseau"\nname = "Réseau sols"\nurl = "{base}/feed.xml"\n'
            'lang = "fr"\nsection = "partner"\nrelevance = "always"\n', encoding="utf-8")
        assert run_pipeline(["collect"], cwd=tmp_path, env=LOCAL).returncode == 0
    finally:
        server.shutdown()
        server.server_close()
    assert run_pipeline(["process"], cwd=tmp_path, env=LOCAL).returncode == 0
    (tmp_path / "events.toml").write_text("", encoding="utf-8")  # only the item's event
    ids = []
    for _ in range(2):
        drafted = run_pipeline(["draft", "newsletter", "--since", "2026-11-01", "--until",
                                "2026-11-15"], cwd=tmp_path)
        assert drafted.returncode == 0, drafted.stderr
        ids.append(last_line(drafted.stdout))
    with sqlite3.connect(tmp_path / "var" / "pipeline.sqlite3") as conn:
        plans = [conn.execute("SELECT plan FROM editions WHERE id = ?", (int(i),)).fetchone()[0]
                 for i in ids]
    assert plans[0] == plans[1]  # the same stored inputs give the same draft, byte for byte
    agenda = [s for s in json.loads(plans[0])["sections"] if s["kind"] == "agenda"]
    assert [e["event_id"] for e in agenda[0]["events"]] == ["item-1"]
    assert agenda[0]["events"][0]["starts_at"].startswith("2026-12-12")
    out = tmp_path / "out"
    assert run_pipeline(["render", ids[0], "--out", str(out)], cwd=tmp_path).returncode == 0
    ics = (out / "fr.ics").read_bytes().decode("utf-8")
    assert "DTSTART:20261212T000000Z" in ics and "Webinaire" in ics


def test_paused_source_is_skipped_until_named(project: Path) -> None:
    from pipeline.collect import PAUSE_AFTER_ERRORS

    first = run_pipeline(["collect", "--source", "broken"], cwd=project, env=LOCAL)
    assert "failed: " in first.stdout
    with sqlite3.connect(project / "var" / "pipeline.sqlite3") as conn:
        # as if the source had failed that many times in a row
        conn.execute("UPDATE sources SET error_count = ?, paused = 1 WHERE id = 'broken'",
                     (PAUSE_AFTER_ERRORS,))
    status = run_pipeline(["status"], cwd=project)
    assert "PAUSED" in status.stdout
    skipped = run_pipeline(["collect"], cwd=project, env=LOCAL)
    assert skipped.returncode == 0, skipped.stderr
    assert "broken" not in skipped.stdout and "2 sources" in skipped.stdout
    named = run_pipeline(["collect", "--source", "broken"], cwd=project, env=LOCAL)
    assert "broken" in named.stdout and "failed: " in named.stdout


def test_a_database_failure_while_storing_loses_nothing(project: Path, demo_server: str) -> None:
    """Items are stored while other sources are still being fetched: when the database refuses
    a write half-way, the command says so in one line, the run is marked failed, the refused
    source keeps no half-stored items and no fetch state (so nothing is answered 304 next
    time), and the next run stores everything once."""
    import urllib.request

    import feedparser

    assert run_pipeline(["db", "upgrade"], cwd=project).returncode == 0
    database = project / "var" / "pipeline.sqlite3"
    with sqlite3.connect(database) as conn:  # a real database error, raised by SQLite itself
        conn.execute("CREATE TRIGGER refuse_press BEFORE INSERT ON items "
                     "WHEN NEW.source_id = 'press-fr' "
                     "BEGIN SELECT RAISE(ABORT, 'disk quota exceeded'); END")
    failed = run_pipeline(["collect"], cwd=project, env=LOCAL)
    assert failed.returncode == 1
    assert failed.stderr.strip().splitlines()[-1].startswith("error: database error")
    assert "disk quota exceeded" in failed.stderr and "Traceback" not in failed.stderr
    with sqlite3.connect(database) as conn:
        assert conn.execute("SELECT status FROM runs WHERE job = 'collect' ORDER BY id DESC"
                            ).fetchone() == ("failed",)
        assert conn.execute("SELECT count(*) FROM items WHERE source_id = 'press-fr'"
                            ).fetchone() == (0,)
        assert conn.execute("SELECT etag, last_modified FROM sources WHERE id = 'press-fr'"
                            ).fetchone() == (None, None)
        conn.execute("DROP TRIGGER refuse_press")
    again = run_pipeline(["collect"], cwd=project, env=LOCAL)
    assert again.returncode == 0, again.stderr
    with urllib.request.urlopen(f"{demo_server}/feeds/fr-press.xml") as response:
        entries = len(feedparser.parse(response.read()).entries)
    with sqlite3.connect(database) as conn:
        per_source = dict(conn.execute("SELECT source_id, count(*) FROM items GROUP BY 1"))
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT canonical_url) FROM items").fetchone()
    assert entries > 0 and per_source["press-fr"] == entries
    assert per_source["partners-en"] > 0 and total == distinct
