"""Sending with 1, 2 and 4 ``pipeline worker --only send`` processes on one PostgreSQL (issue 17).

    bench/run send_workers         # or, with a PostgreSQL already started:
    PIPELINE_TEST_POSTGRES_URL=… .venv/bin/python bench/send_workers.py [--messages 4000]

One approved Press Review (bench/send_speed.py's: 30 entries, three languages) to N confirmed
subscribers on a fresh PostgreSQL database for each measurement; the send is started (the
deliveries queued, the edition 'sending') before the clock, then the workers are started and
the clock stops when the edition is 'sent'. The SMTP server is aiosmtpd on 127.0.0.1 in its own
process (bench/send_speed.py's, counting what it accepts). Worker counts alternate within each
repeat; medians of the repeats, wall time and the CPU time of the workers (from wait4) and of
the PostgreSQL backends. The floor for one worker is bench/send_speed.py's (one pre-built
message over one kept connection); here the question is how the work shares.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, load_average, report
from send_speed import BASE, free_port, make_database, serve

PIPELINE = ROOT / ".venv" / "bin" / "pipeline"


def postgres_cpu(admin_url: str) -> float:
    """CPU seconds of every PostgreSQL process so far (utime + stime from /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in ("postgres", "postmaster"):
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def new_database(admin_url: str) -> str:
    import psycopg

    name = f"bench_send_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def edition_status(url: str, edition_id: int) -> str:
    import psycopg

    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT status FROM editions WHERE id = %s",
                                 (edition_id,)).fetchone()
    return str(row[0]) if row else ""


def start_send(env: dict[str, str], edition_id: int) -> None:
    """Queue the deliveries and move the edition to 'sending' without sending anything."""
    code = ("import threading, sys\n"
            "from pipeline.app import App\nfrom pipeline.settings import load_settings\n"
            "from pipeline.jobs.send import send_edition\nfrom pipeline.permissions import SYSTEM\n"
            "stop = threading.Event(); stop.set()\n"
            f"send_edition(App(load_settings()), SYSTEM, {edition_id}, stop=stop)\n")
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True)


def measure(workers: int, count: int, admin_url: str, base_env: dict[str, str],
            folder: Path) -> dict[str, float]:
    url = new_database(admin_url)
    env = {**base_env, "PIPELINE_DATABASE_URL": url}
    edition_id = make_database(folder, count, env)
    start_send(env, edition_id)
    usage: list[float] = []
    lock = threading.Lock()

    def run_worker() -> None:
        process = subprocess.Popen([str(PIPELINE), "worker", "--only", "send"], env=env,
                                   cwd=folder, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        processes.append(process)
        _pid, _status, rusage = os.wait4(process.pid, 0)
        with lock:
            usage.append(rusage.ru_utime + rusage.ru_stime)

    processes: list[subprocess.Popen[bytes]] = []
    pg_before = postgres_cpu(admin_url)
    wall = time.perf_counter()
    threads = [threading.Thread(target=run_worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 600
    while edition_status(url, edition_id) != "sent":
        if time.monotonic() > deadline:
            raise SystemExit(f"{workers} workers: the edition was not sent in 10 minutes")
        time.sleep(0.05)
    elapsed = time.perf_counter() - wall
    pg_cpu = postgres_cpu(admin_url) - pg_before
    for process in processes:
        process.terminate()
    for thread in threads:
        thread.join()
    return {"wall": elapsed, "cpu": sum(usage), "pg_cpu": pg_cpu,
            "load": os.getloadavg()[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    admin_url = os.environ.get("PIPELINE_TEST_POSTGRES_URL", "")
    if not admin_url:
        sys.exit("needs PIPELINE_TEST_POSTGRES_URL (bench/run starts a PostgreSQL)")
    counts = multiprocessing.Array("q", 4)
    ready = multiprocessing.Event()
    port = free_port()
    server = multiprocessing.Process(target=serve, args=(port, counts, ready), daemon=True)
    server.start()
    ready.wait(30)
    sizes = [int(n) for n in args.workers.split(",")]
    results: dict[int, list[dict[str, float]]] = {n: [] for n in sizes}
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="send-workers-") as scratch:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
        base_env.update({
            "PIPELINE_VAR_DIR": scratch, "PIPELINE_SMTP_URL": f"smtp://127.0.0.1:{port}",
            "PIPELINE_SECRET_KEY": "bench secret key, long enough", "PIPELINE_BASE_URL": BASE,
            "PIPELINE_ARCHIVE_DIR": str(Path(scratch) / "archive"),
            "PIPELINE_MAIL_FROM": "« 4 per 1000 » <newsletter@news.example.org>",
            "PIPELINE_WORKER_POLL_SECONDS": "1", "PIPELINE_LOG_FORMAT": "logfmt"})
        for repeat in range(args.repeat):
            order = sizes if repeat % 2 == 0 else list(reversed(sizes))
            for workers in order:
                folder = Path(scratch) / f"r{repeat}w{workers}"
                folder.mkdir()
                with counts.get_lock():
                    counts[0] = 0
                result = measure(workers, args.messages, admin_url, base_env, folder)
                if counts[0] != args.messages:
                    sys.exit(f"{workers} workers: the server got {counts[0]} messages, "
                             f"not {args.messages}")
                results[workers].append(result)
                print(f"repeat {repeat + 1}, {workers} workers: {result['wall']:.2f} s, "
                      f"workers CPU {result['cpu']:.1f} s, PostgreSQL CPU "
                      f"{result['pg_cpu']:.1f} s", flush=True)
    server.terminate()
    base = statistics.median(r["wall"] for r in results[sizes[0]])
    print(f"\n{args.messages} messages, {args.repeat} runs each, medians; {os.cpu_count()} cores;"
          f" load average {load_before} before, {load_average()} after")
    print("| workers | wall s | messages/s | vs 1 worker | workers CPU s | PostgreSQL CPU s "
          "| CPU ms per message |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for workers, runs in results.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        pg_cpu = statistics.median(r["pg_cpu"] for r in runs)
        print(f"| {workers} | {wall:.2f} | {args.messages / wall:.0f} | {base / wall:.2f}x | "
              f"{cpu:.1f} | {pg_cpu:.1f} | {(cpu + pg_cpu) / args.messages * 1000:.2f} |")
        report(f"sending with {workers} workers on one PostgreSQL, {args.messages} messages",
               f"{args.messages / wall:.0f} messages/s ({base / wall:.2f}x 1 worker; CPU "
               f"{(cpu + pg_cpu) / args.messages * 1000:.2f} ms a message)",
               value=args.messages / wall)


if __name__ == "__main__":
    main()
