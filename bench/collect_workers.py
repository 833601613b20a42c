"""Collection throughput with 1, 2 and 4 ``pipeline worker`` processes on one PostgreSQL
(issue 17): where it stops scaling on this machine, and why.

The feeds are those of bench/collect_fetch.py (100 hosts on 127.0.0.1, one asyncio loop in a
process of its own, 50–200 ms per answer, 20 items a feed). For each measurement: a fresh
database, the sources synced and not yet due, the workers started and warm (parse workers
up), then every source made due at once; the clock runs until every source has been
fetched and stored. Reported per configuration (median of ``--repeat`` runs, configurations
alternated within each repeat): wall time, sources/s and items/s, the ratio to one worker,
the CPU time of the workers (with their parse processes) and of PostgreSQL (every backend),
and the load average. The baseline a user would otherwise pick is one worker (what one
host does).

Run: PIPELINE_TEST_POSTGRES_URL=… PIPELINE_TEST_POSTGRES_DATA=… \\
     .venv/bin/python bench/collect_workers.py [--hosts 100] [--per-host 6] [--repeat 5]
(``bench/run collect_workers`` starts a throwaway PostgreSQL.)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from collect_fetch import serve  # the same hosts as the collection benchmark
from harness import report

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = ROOT / ".venv" / "bin" / "pipeline"
CONFIGURATIONS = (1, 2, 4)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(roots: list[int]) -> float:
    """CPU seconds of processes ``roots`` and all their descendants, with what their ended
    children used (utime, stime, cutime, cstime of each)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        times[pid] = sum(int(x) for x in fields[11:15]) / CLOCK_TICKS
    wanted = set(roots)
    grown = True
    while grown:
        found = {pid for pid, parent in parents.items() if parent in wanted} - wanted
        grown = bool(found)
        wanted |= found
    return sum(times.get(pid, 0.0) for pid in wanted)


def postmaster(data_dir: str) -> int:
    return int((Path(data_dir) / "postmaster.pid").read_text().split()[0])


def hold_back(conn: psycopg.Connection) -> None:
    """No source due (the workers may be syncing: a deadlock is retried)."""
    for _ in range(20):
        try:
            conn.execute("UPDATE sources SET next_check_at = now() + interval '1 day'")
            return
        except psycopg.errors.DeadlockDetected:
            time.sleep(0.2)


def write_sources(path: Path, ports: list[int], per_host: int) -> int:
    lines = []
    for host, port in enumerate(ports):
        for feed in range(per_host):
            # ids sort the hosts apart, as real sources' names do: a claimed batch spreads
            # over many hosts (each host is fetched one request at a time)
            lines.append(f'[[sources]]\nid = "f{feed}-h{host:03d}"\nname = "Host {host} feed '
                         f'{feed}"\nurl = "http://127.0.0.1:{port}/{feed}.xml"\nlang = "en"\n'
                         "interval_minutes = 60\n")
    path.write_text("\n".join(lines))
    return len(lines)


def measure(admin_url: str, data_dir: str, folder: Path, workers: int, count: int) -> dict:
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin_url.rpartition("/")[0] + f"/{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env.update(PIPELINE_DATABASE_URL=url, PIPELINE_SOURCES=str(folder / "sources.toml"),
               PIPELINE_LOOPBACK_ONLY="true", PIPELINE_WORKER_POLL_SECONDS="1",
               PIPELINE_LOG_FORMAT="logfmt")
    subprocess.run([str(PIPELINE), "db", "upgrade"], env=env, check=True, capture_output=True,
                   cwd=folder)
    started = [subprocess.Popen([str(PIPELINE), "worker", "--only", "collect"], env=env,
                                cwd=folder, stdout=subprocess.DEVNULL,
                                stderr=(folder / f"worker{n}.log").open("w"))
               for n in range(workers)]
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            # the workers sync the sources at once: hold them back until every worker is up
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                synced = conn.execute("SELECT count(*) FROM sources").fetchone()[0]
                logs = [(folder / f"worker{n}.log").read_text() for n in range(workers)]
                if synced == count and all("worker.started" in log for log in logs):
                    break
                time.sleep(0.2)
            hold_back(conn)
            time.sleep(8)  # parse workers warm (their fork server preloads the parsers)
            hold_back(conn)
            conn.execute("DELETE FROM items")
            conn.execute("UPDATE sources SET etag = NULL, last_modified = NULL, "
                         "last_fetched_at = NULL")
            pids = [process.pid for process in started]
            cpu_before = tree_cpu(pids)
            pg_before = tree_cpu([postmaster(data_dir)])
            load = os.getloadavg()[0]
            started_at = time.monotonic()
            conn.execute("UPDATE sources SET next_check_at = now() - interval '1 second'")
            while True:
                done = conn.execute("SELECT count(*) FROM sources WHERE last_fetched_at > "
                                    "now() - interval '1 hour'").fetchone()[0]
                if done >= count:
                    break
                time.sleep(0.05)
            wall = time.monotonic() - started_at
            cpu = tree_cpu(pids) - cpu_before
            pg_cpu = tree_cpu([postmaster(data_dir)]) - pg_before
            items = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            process.wait(timeout=120)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return {"wall": wall, "items": items, "cpu": cpu, "pg_cpu": pg_cpu, "load": load}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--per-host", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    admin_url = os.environ.get("PIPELINE_TEST_POSTGRES_URL")
    data_dir = os.environ.get("PIPELINE_TEST_POSTGRES_DATA")
    if not admin_url or not data_dir:
        sys.exit("set PIPELINE_TEST_POSTGRES_URL and PIPELINE_TEST_POSTGRES_DATA "
                 "(scripts/start-postgres, or bench/run collect_workers)")
    parent, child = mp.Pipe()
    hosts = mp.get_context("spawn").Process(target=serve, args=(args.hosts, args.per_host,
                                                                child), daemon=True)
    hosts.start()
    ports = parent.recv()
    results: dict[int, list[dict]] = {n: [] for n in CONFIGURATIONS}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        count = write_sources(folder / "sources.toml", ports, args.per_host)
        for repeat in range(args.repeat):
            for workers in CONFIGURATIONS:
                result = measure(admin_url, data_dir, folder, workers, count)
                results[workers].append(result)
                print(f"repeat {repeat + 1} workers {workers}: {result['wall']:.2f} s, "
                      f"{result['items']} items, workers CPU {result['cpu']:.1f} s, "
                      f"PostgreSQL CPU {result['pg_cpu']:.1f} s, load {result['load']:.1f}",
                      flush=True)
    parent.send("stop")
    base = statistics.median(r["wall"] for r in results[1])
    print(f"\n{count} feeds on {args.hosts} hosts, {args.repeat} runs each, medians; "
          f"{os.cpu_count()} cores")
    print("| workers | wall s | sources/s | items/s | vs 1 worker | workers CPU s | "
          "PostgreSQL CPU s | CPU s per source | load avg |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for workers, runs in results.items():
        wall = statistics.median(r["wall"] for r in runs)
        items = statistics.median(r["items"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        pg_cpu = statistics.median(r["pg_cpu"] for r in runs)
        load = statistics.median(r["load"] for r in runs)
        print(f"| {workers} | {wall:.2f} | {count / wall:.0f} | {items / wall:.0f} | "
              f"{base / wall:.2f}x | {cpu:.1f} | {pg_cpu:.1f} | "
              f"{(cpu + pg_cpu) / count * 1000:.1f} ms | {load:.1f} |")
        if workers > 1:
            report(f"collection with {workers} workers vs 1 on one PostgreSQL, {count} feeds",
                   f"{base / wall:.2f}x the throughput ({os.cpu_count()} cores, load {load:.1f})",
                   value=base / wall)


if __name__ == "__main__":
    main()
