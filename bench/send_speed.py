"""Benchmark: send an edition to 10,000 subscribers in three languages, with per-subscriber
links, to a local SMTP server (aiosmtpd in its own process, counting and discarding).

In the same run, round after round:
  (a) the naive baseline: each message built with the email package and sent over a new
      SMTP connection (connect, EHLO, MAIL, RCPT, DATA, QUIT);
  (b) the floor: one pre-built message sent N times with smtplib over one kept connection;
  (c) ``pipeline send EDITION_ID``: the real command, on a fresh copy of a database holding
      the subscribers and an approved edition (start-up, rendering, claims, one committed
      result per message, kept connections).
Then the peak memory (max RSS) of ``pipeline send`` with 10,000 and 100,000 subscribers.

    .venv/bin/python bench/send_speed.py [--messages 10000] [--rounds 5] [--memory 10000,100000]
    [--dkim]

Targets: (c) at least 10x faster than (a) and within 2x of (b); the peak memory of (c) flat
from 10,000 to 100,000 subscribers. Wall and CPU time are medians over the rounds; CPU is the
client's own (the bench process for (a) and (b), the command's process for (c)); the server's
CPU is in none of them but competes for the same cores.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import secrets
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import report

from pipeline.draft import Candidate, LocalText, draft_press_review, plan_to_json
from pipeline.records import LANGUAGES, REGIONS, THEMES
from pipeline.states import TextState

SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
PIPELINE = Path(sys.executable).parent / "pipeline"
BASE = "https://news.example.org"


# --- the SMTP server, in its own process ---------------------------------------------------

def serve(port: int, counts: Any, ready: Any) -> None:
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            head = bytes(envelope.original_content[:4000]).lower()
            with counts.get_lock():
                counts[0] += 1
                for index, lang in enumerate(LANGUAGES, 1):
                    if b"content-language: " + lang.encode() in head:
                        counts[index] += 1
            return "250 OK"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:
        time.sleep(3600)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- the edition and the subscribers ---------------------------------------------------------

def make_candidates() -> list[Candidate]:
    summary = ("Farmers who keep their soils covered store more organic carbon, hold more water "
               "and lose less earth to erosion, a study of ten years of field trials shows.")
    candidates = [Candidate(
        item_id=str(100 + n), story_id=f"s{n}", source_name=f"Outlet {n % 7}",
        url=f"https://news.example/{n}", original_lang=LANGUAGES[n % 3],
        published_at=SINCE + timedelta(hours=3 * n), relevant=True,
        themes=(THEMES[n % len(THEMES)],), regions=(REGIONS[n % len(REGIONS)],),
        texts={lang: LocalText(f"Story {n}: cover crops and soil carbon in region {n % 7}",
                               summary, TextState.REVIEWED) for lang in LANGUAGES},
        outlets_count=1 + n % 4) for n in range(30)]
    return candidates


def make_plan() -> Any:
    return draft_press_review(make_candidates(), since_at=SINCE, until_at=UNTIL)


def make_database(folder: Path, count: int, env: dict[str, str]) -> int:
    """A database with ``count`` confirmed subscribers and one approved edition."""
    from sqlalchemy import insert

    from pipeline.app import App
    from pipeline.jobs.editions import approve
    from pipeline.permissions import SYSTEM
    from pipeline.settings import load_settings
    from pipeline.store.models import Edition, Subscriber
    from tests.web.items import store_items  # the test suite's: items, texts, placements

    app = App(load_settings(env))
    plan = make_plan()
    with app.session() as db:
        edition = Edition(kind="press-review", period_start_at=plan.period_start_at,
                          period_end_at=plan.period_end_at, status="draft",
                          plan=plan_to_json(plan), language_state={})
        db.add(edition)
        db.flush()
        store_items(db, make_candidates(), edition)  # an edition's content is its rows
        edition_id = edition.id
    now_at = datetime.now(UTC)
    with app.engine.begin() as connection:
        for start in range(0, count, 5000):
            connection.execute(insert(Subscriber), [
                {"email": f"reader{n:06d}@example.net", "language": LANGUAGES[n % 3],
                 "publications": ["press-review"], "status": "confirmed",
                 "token": secrets.token_urlsafe(16), "consent_at": now_at,
                 "consent_source": "bench", "created_at": now_at, "updated_at": now_at}
                for n in range(start, min(count, start + 5000))])
    approve(app, SYSTEM, edition_id, accept_machine=True)
    app.close()
    return edition_id


# --- (a) and (b) -------------------------------------------------------------------------------

def naive_messages(count: int) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    from pipeline.render import EditionLinks, render_all

    links = {lang: EditionLinks(web_url=f"{BASE}/archive/{lang}.html",
                                unsubscribe_url=f"{BASE}/unsubscribe/TOKEN",
                                preferences_url=f"{BASE}/preferences/TOKEN")
             for lang in LANGUAGES}
    rendered = render_all(make_plan(), links=links)
    people = [(f"reader{n:06d}@example.net", LANGUAGES[n % 3]) for n in range(count)]
    return people, rendered


def build_naive(address: str, lang: str, rendered: dict[str, Any]) -> EmailMessage:
    """What one would write with the email package: a whole message per subscriber."""
    token = secrets.token_urlsafe(40)
    edition = rendered[lang]
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "« 4 per 1000 » <newsletter@news.example.org>"
    message["To"] = address
    message["Subject"] = edition.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain="news.example.org")
    message["List-Unsubscribe"] = f"<{BASE}/unsubscribe/{token}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Content-Language"] = lang
    message.set_content(edition.text.replace("TOKEN", token))
    message.add_alternative(edition.html.replace("TOKEN", token), subtype="html")
    return message


def run_naive(port: int, people: list[tuple[str, str]], rendered: dict[str, Any]) -> None:
    for address, lang in people:
        with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.local") as smtp:
            smtp.send_message(build_naive(address, lang, rendered))


def run_floor(port: int, people: list[tuple[str, str]], data: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="bench.local") as smtp:
        for address, _lang in people:
            smtp.sendmail("bounces@news.example.org", [address], data)


def timed(work: Any) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def run_command(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, int]:
    """Wall time, CPU time and max RSS (KB) of the real command."""
    start = time.perf_counter()
    process = subprocess.Popen([str(PIPELINE), *args], env=env, cwd=cwd,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    output = (process.stdout.read() if process.stdout else b"").decode()
    errors = (process.stderr.read() if process.stderr else b"").decode()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"pipeline {' '.join(args)} failed: {errors or output}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--memory", default="10000,100000")
    parser.add_argument("--dkim", action="store_true", help="(c) signs every message")
    args = parser.parse_args()
    load_before = os.getloadavg()
    port = free_port()
    counts = multiprocessing.Array("q", 4)
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(port, counts, ready), daemon=True)
    server.start()
    ready.wait(30)
    scratch = Path(tempfile.mkdtemp(prefix="send-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env.update({"PIPELINE_VAR_DIR": str(scratch), "PIPELINE_SMTP_URL": f"smtp://127.0.0.1:{port}",
                "PIPELINE_SECRET_KEY": "bench secret key, long enough",
                "PIPELINE_BASE_URL": BASE, "PIPELINE_ARCHIVE_DIR": str(scratch / "archive"),
                "PIPELINE_MAIL_FROM": "« 4 per 1000 » <newsletter@news.example.org>",
                "PIPELINE_LOG_FORMAT": "logfmt"})
    if args.dkim:
        key_path = scratch / "dkim.pem"
        subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(key_path), "2048"],
                       check=True, capture_output=True)
        env["PIPELINE_DKIM_KEY_PATH"] = str(key_path)

    def reset() -> None:
        with counts.get_lock():
            for index in range(4):
                counts[index] = 0

    def check(expected: int, label: str) -> None:
        deadline = time.monotonic() + 30
        while counts[0] < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        if counts[0] != expected:
            raise SystemExit(f"{label}: the server got {counts[0]} messages, not {expected}")

    try:
        template = scratch / "template.sqlite3"
        edition_id = make_database(scratch, args.messages,
                                   {**env, "PIPELINE_DATABASE_URL": f"sqlite:///{template}"})
        people, rendered = naive_messages(args.messages)
        floor_data = build_naive(*people[0], rendered).as_bytes()
        results: dict[str, list[tuple[float, float]]] = {"a": [], "b": [], "c": []}
        for number in range(args.rounds):
            reset()
            results["a"].append(timed(lambda: run_naive(port, people, rendered)))
            check(args.messages, "naive")
            reset()
            results["b"].append(timed(lambda: run_floor(port, people, floor_data)))
            check(args.messages, "floor")
            reset()
            database = scratch / f"round{number}.sqlite3"
            shutil.copy(template, database)
            wall, cpu, _rss = run_command(["send", str(edition_id)], {
                **env, "PIPELINE_DATABASE_URL": f"sqlite:///{database}"}, scratch)
            results["c"].append((wall, cpu))
            check(args.messages, "pipeline send")
            expected = [len(range(i, args.messages, 3)) for i in range(3)]
            if list(counts[1:4]) != expected:
                raise SystemExit(f"languages fr/en/es: {list(counts[1:4])}, not {expected}")
            database.unlink()
            a, b, c = (results[k][-1][0] for k in "abc")
            print(f"round {number + 1}: (a) {a:.2f} s  (b) {b:.2f} s  (c) {c:.2f} s  "
                  f"a/c {a / c:.1f}x  c/b {c / b:.2f}x", flush=True)
        medians = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
                   for k, v in results.items()}
        ratios_ac = statistics.median(a[0] / c[0] for a, c in zip(results["a"], results["c"],
                                                                  strict=True))
        ratios_cb = statistics.median(c[0] / b[0] for b, c in zip(results["b"], results["c"],
                                                                  strict=True))
        n = args.messages
        print(f"\n{n} messages, 3 languages, {args.rounds} rounds (medians), "
              f"DKIM {'on' if args.dkim else 'off'} in (c)")
        print("| way | wall (s) | CPU (s) | messages/s |")
        print("| --- | ---: | ---: | ---: |")
        for key, label in (("a", "(a) email package, one connection per message"),
                           ("b", "(b) floor: one pre-built message, one kept connection"),
                           ("c", "(c) pipeline send (whole command)")):
            wall, cpu = medians[key]
            print(f"| {label} | {wall:.2f} | {cpu:.2f} | {n / wall:.0f} |")
        print(f"(c) vs (a): {ratios_ac:.1f}x faster (target >= 10x); "
              f"(c) vs (b): {ratios_cb:.2f}x the floor's time (target <= 2x)")
        report(f"pipeline send vs a connection per message, {n} messages",
               f"{ratios_ac:.1f}x faster (wall; CPU {medians['a'][1]:.1f} s vs "
               f"{medians['c'][1]:.1f} s)", ">= 10x", ratios_ac >= 10, ratios_ac)
        report(f"pipeline send vs the floor (one pre-built message, one connection), {n}",
               f"{ratios_cb:.2f}x the floor's time", "<= 2x", ratios_cb <= 2, ratios_cb)
        peaks: dict[int, float] = {}
        for size in [int(s) for s in args.memory.split(",") if s]:
            folder = scratch / f"memory{size}"
            folder.mkdir()
            database = folder / "memory.sqlite3"
            memory_env = {**env, "PIPELINE_DATABASE_URL": f"sqlite:///{database}"}
            memory_edition = make_database(folder, size, memory_env)
            reset()
            wall, cpu, rss = run_command(["send", str(memory_edition)], memory_env, folder)
            check(size, f"memory {size}")
            print(f"peak memory of pipeline send, {size} subscribers: {rss / 1024:.0f} MB "
                  f"(wall {wall:.1f} s, CPU {cpu:.1f} s)", flush=True)
            peaks[size] = rss / 1024
        if len(peaks) >= 2:
            small, large = min(peaks), max(peaks)
            growth = peaks[large] / peaks[small]
            report(f"peak memory of pipeline send, {small:,} → {large:,} subscribers",
                   f"{peaks[small]:.0f} MB → {peaks[large]:.0f} MB ({growth:.2f}x)",
                   "flat (<= 1.25x)", growth <= 1.25, growth)
    finally:
        server.terminate()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f}, "
          f"after {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} (2 cores)")


if __name__ == "__main__":
    main()
