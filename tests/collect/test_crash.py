"""Issue 11, item 4 and the crash test: `pipeline collect` SIGKILLed at random points in 10
runs, then a normal run: every item stored once, nothing half-stored, no process left behind
(the parse fork server, its workers and the resource tracker included)."""

from __future__ import annotations

import gzip
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.collect.server import LocalServer, RequestHandler, start_server, stop_server
from tests.collect.test_hardening import LOCAL, item, nested_tag_bomb, rss, write_sources
from tests.conftest import PIPELINE_BIN

HOSTS, FEEDS_PER_HOST, ITEMS_PER_FEED = 6, 4, 5


def session_processes(session_id: int) -> list[str]:
    """The processes still alive in a session (what `ps -s` would list), zombies aside."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session_id and fields[0] != "Z":
            alive.append(f"{entry.name}: {cmdline[:120]}")
    return alive


def parse_in_progress(session_id: int, main_pid: int) -> bool:
    """Whether a process of the session other than the command itself has grown past 100 MB:
    a worker in the middle of parsing the slow document."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == main_pid:
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == session_id and int(fields[21]) * os.sysconf("SC_PAGE_SIZE") > 100e6:
            return True
    return False


def wait_for_none_left(session_id: int, timeout_s: float = 15.0) -> list[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        left = session_processes(session_id)
        if not left:
            return []
        time.sleep(0.1)
    return session_processes(session_id)


def serve_with_etag(body: bytes) -> object:
    etag = '"' + hashlib.sha1(body).hexdigest()[:12] + '"'

    def answer(handler: RequestHandler) -> None:
        if handler.headers.get("If-None-Match") == etag:
            handler.send_response(304)
            handler.send_header("ETag", etag)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        handler.send_response(200)
        handler.send_header("ETag", etag)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return answer


@pytest.fixture
def hosts() -> Iterator[list[LocalServer]]:
    servers = [start_server() for _ in range(HOSTS)]
    try:
        yield servers
    finally:
        for local in servers:
            stop_server(local)


def test_collect_killed_at_random_points_stores_everything_once_and_leaves_no_process(
    hosts: list[LocalServer], tmp_path: Path
) -> None:
    sources = []
    for h, local in enumerate(hosts):
        for f in range(FEEDS_PER_HOST):
            body = rss("".join(item(f"Story {h}-{f}-{n}", f"http://127.0.0.1:9/{h}/{f}/{n}")
                               for n in range(ITEMS_PER_FEED)))
            local.routes[f"/{f}.xml"] = serve_with_etag(body)  # type: ignore[assignment]
            sources.append((f"h{h}-f{f}", local.url(f"/{f}.xml")))
    # a document that keeps a parse worker busy (and growing) for minutes: half of the kills
    # land while it is being parsed, the others at random points from start-up on
    hosts[0].add("/slow.xml", gzip.compress(nested_tag_bomb(2_000_000)),
                 headers={"Content-Encoding": "gzip"})
    sources.append(("slow", hosts[0].url("/slow.xml")))
    write_sources(tmp_path, sources)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env.update(LOCAL, PIPELINE_PARSE_TIME_LIMIT="60", PIPELINE_PARSE_MEMORY_LIMIT_MB="0")
    rng = random.Random(11)
    for run in range(10):
        process = subprocess.Popen([str(PIPELINE_BIN), "collect"], cwd=tmp_path, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   start_new_session=True)
        if run % 2:
            deadline = time.monotonic() + 60
            while not parse_in_progress(process.pid, process.pid):
                assert process.poll() is None and time.monotonic() < deadline, run
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 0.5))
        else:
            time.sleep(rng.uniform(0.3, 5.0))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        left = wait_for_none_left(process.pid)
        assert not left, f"run {run}: processes left behind: {left}"

    env["PIPELINE_PARSE_TIME_LIMIT"] = "1"
    final = subprocess.run([str(PIPELINE_BIN), "collect"], cwd=tmp_path, env=env,
                           capture_output=True, text=True, timeout=300, start_new_session=True,
                           check=False)
    assert final.returncode == 0, final.stderr
    with sqlite3.connect(tmp_path / "var" / "pipeline.sqlite3") as conn:
        total, distinct = conn.execute(
            "SELECT count(*), count(DISTINCT canonical_url) FROM items").fetchone()
        per_source = dict(conn.execute("SELECT source_id, count(*) FROM items "
                                       "GROUP BY source_id").fetchall())
    # a source whose fetch state (ETag) was kept without its items would now answer 304 and
    # miss its items: every source has all of them
    assert total == distinct == HOSTS * FEEDS_PER_HOST * ITEMS_PER_FEED
    assert set(per_source.values()) == {ITEMS_PER_FEED}
    assert "slow" in final.stdout and "parse time limit" in final.stdout
