"""`pipeline collect` moves bytes and stores rows: its parse workers load the parsers, and
receiving what they found loads none in the collector's own process (each costs start-up CPU
the fetching needs; tests/foundation/test_architecture.py checks the imports alone)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.collect.server import LocalServer
from tests.collect.test_hardening import ARTICLE, LOCAL, item, rss, write_sources
from tests.foundation.test_architecture import COLLECTOR_NEVER_LOADS

RUN_AND_LIST_MODULES = (
    "import atexit, json, sys\n"
    "atexit.register(lambda: print('LOADED', json.dumps(sorted(m for m in "
    f"{COLLECTOR_NEVER_LOADS!r} "
    "if m in sys.modules))))\n"
    "sys.argv = ['pipeline', 'collect']\n"
    "from pipeline.cli import main\n"
    "main()\n")


def test_a_collect_run_loads_no_parser_in_the_collector_process(
    server: LocalServer, tmp_path: Path
) -> None:
    server.add("/robots.txt", b"User-agent: *\nAllow: /\n")
    server.add("/page/1", ARTICLE, headers={"Content-Type": "text/html"})
    server.add("/news.xml", rss(item("Trottinettes", server.url("/page/1"))
                                + item("Another story", server.url("/page/2"))))
    write_sources(tmp_path, [("news", server.url("/news.xml"))], follow=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    done = subprocess.run([sys.executable, "-c", RUN_AND_LIST_MODULES], cwd=tmp_path,
                          env={**env, **LOCAL}, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "new 2" in done.stdout  # a feed parsed, an article page extracted, one page missing
    loaded = next(line for line in done.stdout.splitlines() if line.startswith("LOADED"))
    assert json.loads(loaded.removeprefix("LOADED ")) == []
