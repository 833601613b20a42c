"""Collection wall time: 500 feeds on 100 hosts with 50–200 ms latency, against a sequential loop
of ``feedparser.parse(url)`` over the same feeds, measured in the same run.

The hosts are 100 HTTP servers on 127.0.0.1 (one port each), all run by one asyncio loop in a
separate process so that they do not share the client's interpreter and cost little CPU (remote
hosts cost the collecting machine none). Each response waits 50–200 ms (fixed per feed). The
servers count requests in flight per host: the figure "max in flight per host" must be 1.
A second run over unchanged feeds sends the stored ETag/Last-Modified: ≥ 95 % must be answered
304 and the bytes sent ≤ 5 % of the first run.

Run: .venv/bin/python bench/collect_fetch.py [--hosts 100] [--per-host 5] [--repeat 5]
     [--compare DIR]

``--compare DIR`` also runs the full command with the package of another checkout (``DIR``
first on ``PYTHONPATH``; e.g. ``git archive main | tar -x -C DIR``), alternating with this
one, and prints both medians, with CPU time, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import multiprocessing as mp
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import feedparser

from pipeline.collect.fetch import FetchSettings
from pipeline.collect.sources import collect_sources
from pipeline.records import SourceSpec
from pipeline.settings import Settings

WORDS = ["soil", "carbon", "farmers", "climate", "food", "security", "land", "restoration",
         "agroforestry", "drought", "compost", "yields", "water", "erosion", "policy", "finance",
         "science", "practice", "region", "initiative"]


def make_feed(host: int, feed: int) -> bytes:
    rng = random.Random(host * 1000 + feed)
    items = []
    for n in range(20):
        title = " ".join(rng.choices(WORDS, k=8)).capitalize()
        text = " ".join(rng.choices(WORDS, k=60))
        items.append(
            f"<item><title>{title}</title><link>http://example.org/{host}/{feed}/{n}</link>"
            f"<guid>urn:bench:{host}:{feed}:{n}</guid><description>&lt;p&gt;{text}&lt;/p&gt;"
            f"</description><pubDate>Mon, 23 Nov 2026 {n % 24:02d}:00:00 GMT</pubDate></item>")
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>Bench host {host} feed {feed}</title><link>http://example.org/</link>"
            + "".join(items) + "</channel></rss>").encode()


class Stats:
    def __init__(self) -> None:
        self.in_flight: dict[int, int] = {}
        self.max_in_flight: dict[int, int] = {}
        self.requests = 0
        self.not_modified = 0
        self.bytes_sent = 0

    def reset(self) -> None:
        self.in_flight.clear()
        self.max_in_flight.clear()
        self.requests = self.not_modified = self.bytes_sent = 0


def serve(hosts: int, per_host: int, conn: Connection) -> None:
    """Run the hosts: one asyncio loop in this process serving every port (HTTP/1.1, keep-alive),
    so that the servers cost the machine as little CPU as remote hosts would."""
    asyncio.run(serve_hosts(hosts, per_host, conn))


NESTED_TAGS = 6_641_036
"""Issue 11's nested-tag bomb: 19.5 kB gzipped, 20 MB of unclosed tags once decompressed."""


def make_bomb(tags: int = NESTED_TAGS, *, disguised: bool = False) -> bytes:
    """The bomb, gzipped; ``disguised`` hides as many closing tags in a comment, which gets it
    past the cheap tag count to the parse limits (2.5 million tags then: under the 20 MB cap)."""
    comment = b"<!--" + b"</x>" * tags + b"-->" if disguised else b""
    body = (b'<?xml version="1.0"?><rss version="2.0"><channel>' + comment + b"<title>x</title>"
            b"<item><title>a</title><link>http://e.org/p</link><description>" + b"<x>" * tags
            + b"</description></item></channel></rss>")
    return gzip.compress(body, 9)


async def serve_hosts(hosts: int, per_host: int, conn: Connection) -> None:
    stats = Stats()
    feeds = {(h, f): make_feed(h, f) for h in range(hosts) for f in range(per_host)}
    etags = {key: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for key, body in feeds.items()}
    bombs = {"/bomb.xml": make_bomb(),
             "/bomb-disguised.xml": make_bomb(2_500_000, disguised=True)}

    async def answer(host: int, path: str, headers: dict[str, str]) -> bytes:
        if path in bombs:  # served by every host; only bench/collect_limits.py asks
            bomb = bombs[path]
            return (b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
                    b"Content-Encoding: gzip\r\nContent-Length: " + str(len(bomb)).encode()
                    + b"\r\n\r\n" + bomb)
        feed = int(path.strip("/").split(".")[0] or 0)
        key = (host, feed)
        await asyncio.sleep(random.Random(host * 1000 + feed).uniform(0.05, 0.2))
        if key not in feeds:
            return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
        if headers.get("if-none-match") == etags[key]:
            stats.not_modified += 1
            stats.bytes_sent += 120
            return (f"HTTP/1.1 304 Not Modified\r\nETag: {etags[key]}\r\n"
                    "Content-Length: 0\r\n\r\n").encode()
        body = feeds[key]
        stats.bytes_sent += len(body) + 200
        return (f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etags[key]}\r\n"
                "Last-Modified: Mon, 23 Nov 2026 23:00:00 GMT\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode() + body

    def handler(host: int) -> Callable[[asyncio.StreamReader, asyncio.StreamWriter], Any]:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    lines = head.decode("latin-1").split("\r\n")
                    path = lines[0].split(" ")[1]
                    headers = {k.strip().lower(): v.strip() for k, _, v in
                               (line.partition(":") for line in lines[1:] if line)}
                    stats.requests += 1
                    stats.in_flight[host] = stats.in_flight.get(host, 0) + 1
                    stats.max_in_flight[host] = max(stats.max_in_flight.get(host, 0),
                                                    stats.in_flight[host])
                    try:
                        writer.write(await answer(host, path, headers))
                        await writer.drain()
                    finally:
                        stats.in_flight[host] -= 1
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()
        return handle

    servers = [await asyncio.start_server(handler(index), "127.0.0.1", 0)
               for index in range(hosts)]
    conn.send([server.sockets[0].getsockname()[1] for server in servers])
    loop = asyncio.get_running_loop()
    while True:
        command = await loop.run_in_executor(None, conn.recv)
        if command == "stats":
            conn.send({"requests": stats.requests, "not_modified": stats.not_modified,
                       "bytes_sent": stats.bytes_sent, "cpu_s": time.process_time(),
                       "max_in_flight": max(stats.max_in_flight.values(), default=0)})
        elif command == "reset":
            stats.reset()
            conn.send("ok")
        else:
            return


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--per-host", type=int, default=5)
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--repeat", type=int, default=5,
                        help="runs of the full command (the median is reported)")
    parser.add_argument("--skip-cli", action="store_true",
                        help="do not measure the full `pipeline collect` command")
    parser.add_argument("--compare", type=Path, default=None, metavar="DIR",
                        help="also run the full command with DIR's package, alternating")
    parser.add_argument("--skip-stage", action="store_true",
                        help="measure only the full command")
    args = parser.parse_args()
    here, there = mp.Pipe()
    process = mp.Process(target=serve, args=(args.hosts, args.per_host, there), daemon=True)
    process.start()
    ports: list[int] = here.recv()
    urls = [f"http://127.0.0.1:{port}/{feed}.xml" for port in ports
            for feed in range(args.per_host)]
    specs = [SourceSpec(id=f"s{n}", name=f"s{n}", url=url, kind="feed", lang="en")
             for n, url in enumerate(urls)]

    def stats() -> dict[str, int]:
        here.send("stats")
        result: dict[str, int] = here.recv()
        here.send("reset")
        here.recv()
        return result

    print(f"{len(urls)} feeds on {len(ports)} hosts, 50–200 ms latency per response")
    baseline_s = None
    if not args.skip_baseline:
        start = time.perf_counter()
        parsed = [feedparser.parse(url) for url in urls]
        baseline_s = time.perf_counter() - start
        assert all(len(p.entries) == 20 for p in parsed)
        base = stats()
        print(f"sequential feedparser.parse(url): {baseline_s:7.2f} s "
              f"({base['requests']} requests)")

    if args.skip_stage:
        measure_cli(urls, baseline_s, stats, args.repeat, args.compare)
        here.send("stop")
        process.join(timeout=5)
        return
    # the default settings otherwise (politeness, 50 requests on the wire)
    settings = FetchSettings(allow_private_addresses=True, loopback_only=True,
                             max_in_flight=Settings().fetch_concurrency)
    start = time.perf_counter()
    first = asyncio.run(collect_sources(specs, {}, settings))
    first_s = time.perf_counter() - start
    first_stats = stats()
    assert all(r.outcome == "new" and len(r.items) == 20 for r in first), [
        r.error for r in first if r.outcome != "new"][:3]
    print(f"collect_sources, first run:        {first_s:7.2f} s  "
          f"max in flight per host: {first_stats['max_in_flight']}  "
          f"(server process CPU so far {first_stats['cpu_s']:.1f} s)")
    if baseline_s:
        print(f"  speed-up over the sequential loop: {baseline_s / first_s:5.1f}x (target >= 15x)")

    states = {r.source_id: r.state for r in first}
    start = time.perf_counter()
    second = asyncio.run(collect_sources(specs, states, settings))
    second_s = time.perf_counter() - start
    second_stats = stats()
    ratio_304 = sum(r.outcome == "not_modified" for r in second) / len(second)
    bytes_first = sum(r.bytes_received for r in first)
    bytes_second = sum(r.bytes_received for r in second)
    print(f"collect_sources, second run:       {second_s:7.2f} s  "
          f"max in flight per host: {second_stats['max_in_flight']}")
    print(f"  answered 304: {ratio_304:.1%} (target >= 95%)")
    print(f"  body bytes received: {bytes_second} vs {bytes_first} "
          f"({bytes_second / max(bytes_first, 1):.1%})")
    print(f"  bytes sent by the servers (headers included): {second_stats['bytes_sent']} vs "
          f"{first_stats['bytes_sent']} "
          f"({second_stats['bytes_sent'] / max(first_stats['bytes_sent'], 1):.1%}, target <= 5%)")
    if not args.skip_cli:
        measure_cli(urls, baseline_s, stats, args.repeat, args.compare)
    here.send("stop")
    process.join(timeout=5)


def measure_cli(urls: list[str], baseline_s: float | None,
                stats: Callable[[], dict[str, int]], repeat: int,
                compare: Path | None = None) -> None:
    """The same feeds through the real command, `pipeline collect`: process start-up, config
    validation, fetching, parsing and storing every item in a fresh SQLite database. Each
    repeat starts from a new project folder (first run) and runs again over it (second run);
    the median is the figure (a 2-core machine shared with other work is noisy). With
    ``compare``, each repeat runs the other checkout's package too, right before this one."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env["PIPELINE_ALLOW_PRIVATE_ADDRESSES"] = "true"
    env["PIPELINE_LOOPBACK_ONLY"] = "true"  # nothing beyond 127.0.0.1
    versions = {"this checkout": env}
    if compare is not None:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(compare / "pipeline")],
                       check=True, stdout=subprocess.DEVNULL)
        versions = {"baseline": {**env, "PYTHONPATH": str(compare)}, **versions}
    command = [str(Path(sys.executable).parent / "pipeline"), "collect"]
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(repeat):
        for name, version_env in versions.items():
            with tempfile.TemporaryDirectory() as tmp:
                lines = [f'[[sources]]\nid = "s{n}"\nname = "s{n}"\nurl = "{url}"\n'
                         'lang = "en"\n' for n, url in enumerate(urls)]
                Path(tmp, "sources.toml").write_text("\n".join(lines), encoding="utf-8")
                for run in ("first", "second"):
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    start = time.perf_counter()
                    done = subprocess.run(command, cwd=tmp, env=version_env,
                                          capture_output=True, text=True, check=False)
                    took = time.perf_counter() - start
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                    run_stats = stats()
                    assert done.returncode == 0, done.stderr[-2000:]
                    summary = done.stdout.strip().splitlines()[-1]
                    times.setdefault((name, run), []).append((took, cpu))
                    print(f"pipeline collect ({name}), {run} run: {took:7.2f} s, cpu {cpu:5.2f} s"
                          f"  max in flight per host: {run_stats['max_in_flight']}  ({summary})")
    print(f"load average after the runs: {os.getloadavg()[0]:.2f}")
    medians: dict[tuple[str, str], float] = {}
    for (name, run), values in times.items():
        walls = [v[0] for v in values]
        middle = medians[name, run] = statistics.median(walls)
        cpu = statistics.median(v[1] for v in values)
        line = (f"pipeline collect ({name}), {run} run, median of {len(values)}: {middle:5.2f} s "
                f"(min {min(walls):.2f}, max {max(walls):.2f}), cpu {cpu:.2f} s")
        if baseline_s:
            line += (f"\n  speed-up over the sequential loop: {baseline_s / middle:5.1f}x median "
                     f"({baseline_s / max(walls):.1f}x-{baseline_s / min(walls):.1f}x)"
                     + (" (target >= 15x)" if run == "first" else ""))
        print(line)
    if compare is not None:
        for run in ("first", "second"):
            ratio = medians["this checkout", run] / medians["baseline", run]
            print(f"{run} run, this checkout / baseline: {ratio:.3f}")


if __name__ == "__main__":
    main()
