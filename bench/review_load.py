"""20 reviewers at once against ``pipeline serve``: the review rooms under load.

A fresh SQLite database holds a Press Review draft of 60 entries in three languages (every
item with its original and two translations, a third of them machine output with quality
flags) and one editor account per reviewer. ``pipeline serve --port 0`` runs it on 127.0.0.1
as a user would start it. Each reviewer signs in (argon2: timed apart, not in the session),
then all of them click through a realistic session at once, without pauses:

    start page → the edition → its translations → 6 texts side by side, of which 2 are
    post-edited (save, then the page again) and 1 marked reviewed → the preview in French
    (page and e-mail frame) and in Spanish on a phone (page and frame) and as plain text →
    the approval page → the audit log

A reviewer reads before the next click: ``--think`` seconds on average (uniform between half
and one and a half times it, the same draws in every run; 1 s by default, a brisk reviewer;
``--think 0`` hammers the server without pauses, a stress test well beyond what 20 people do).

Baseline: the same 20 reviewers asking the start page (``/``, the web app's foundations) as
many times, so the ratio says what the review rooms cost over the bare app on this machine.
Runs alternate (baseline, session) ``--repeat`` times on fresh copies of the database; the
tables give the median over runs of each run's p50/p95/max, the errors, and the server's CPU
time (from /proc) beside the wall time. Target (issue 12): no error, p95 ≤ 400 ms.

Run: .venv/bin/python bench/review_load.py [--reviewers 20] [--repeat 5] [--think 1.0]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "bench"))

from harness import report  # noqa: E402

from pipeline.app import App  # noqa: E402
from pipeline.draft import Candidate, LocalText, draft_press_review, plan_to_json  # noqa: E402
from pipeline.settings import Settings  # noqa: E402
from pipeline.states import ItemStatus, TextState  # noqa: E402
from pipeline.store.models import Edition, EditionItem, Item, ItemText  # noqa: E402
from pipeline.store.users import add_user  # noqa: E402

PIPELINE = Path(sys.executable).parent / "pipeline"
PASSWORD = "a long enough password"
ENTRIES = 60
THEMES = ("soil-carbon", "practices", "policy", "finance", "science", "food-security")
REGIONS = ("africa", "asia", "europe", "latin-america-caribbean", "north-america", "oceania")
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
WORDS = {"fr": "les sols agricoles stockent du carbone organique et la santé des sols progresse",
         "en": "farm soils store organic carbon and soil health improves across the region",
         "es": "los suelos agrícolas almacenan carbono orgánico y la salud del suelo mejora"}


def sentence(lang: str, n: int, words: int) -> str:
    pool = WORDS[lang].split()
    return " ".join(pool[(n + i) % len(pool)] for i in range(words)).capitalize()


def make_database(folder: Path, reviewers: int) -> tuple[Path, int]:
    """The database of the benchmark; returns its path and the edition's id."""
    path = folder / "review.sqlite3"
    app = App(Settings(var_dir=folder, database_url=f"sqlite:///{path}"))
    langs = ("fr", "en", "es")
    candidates = []
    for n in range(ENTRIES):
        original = langs[n % 3]
        texts = {}
        for lang in langs:
            origin = (TextState.ORIGINAL if lang == original else
                      TextState.MACHINE if n % 3 == 0 else TextState.REVIEWED)
            texts[lang] = LocalText(f"{sentence(lang, n, 9)} ({n} t, {2020 + n % 6})",
                                    f"{sentence(lang, n + 1, 30)}. {sentence(lang, n + 2, 25)}.",
                                    origin)
        candidates.append(Candidate(
            item_id=str(n + 1), story_id=f"s{n}", source_name=f"Outlet {n % 7}",
            url=f"https://outlet{n % 7}.example/{n}", original_lang=original,
            published_at=SINCE + timedelta(hours=n), relevant=True,
            themes=(THEMES[n % len(THEMES)],), regions=(REGIONS[n % len(REGIONS)],),
            texts=texts))
    plan = draft_press_review(candidates, since_at=SINCE, until_at=SINCE + timedelta(days=7))
    assert len(plan.entries) == ENTRIES, len(plan.entries)
    with app.session() as db:
        for index in range(reviewers):
            add_user(db, f"reviewer{index}", "approver", PASSWORD, None)
        for candidate in candidates:
            item_id = int(candidate.item_id)
            db.add(Item(id=item_id, url=candidate.url, canonical_url=candidate.url,
                        content_hash=f"sha256:{item_id:064x}",
                        title=candidate.texts[candidate.original_lang].title,
                        fetched_at=SINCE, original_lang=candidate.original_lang,
                        published_at=candidate.published_at, publisher=candidate.source_name,
                        status=ItemStatus.PROCESSED))
        db.flush()
        for candidate in candidates:
            for lang, text in candidate.texts.items():
                machine = text.origin == TextState.MACHINE
                db.add(ItemText(item_id=int(candidate.item_id), lang=lang, title=text.title,
                                summary=text.summary, state=text.origin,
                                engine="apertium" if machine else None,
                                flags=["numbers_changed", "unknown_words"] if machine else []))
        edition = Edition(kind="press-review", period_start_at=plan.period_start_at,
                          period_end_at=plan.period_end_at, status="draft",
                          plan=plan_to_json(plan))
        db.add(edition)
        db.flush()
        for section in plan.sections:
            for position, entry in enumerate(section.entries):
                db.add(EditionItem(edition_id=edition.id, item_id=int(entry.item_id),
                                   section=section.id, position=position))
        edition_id = edition.id
    app.close()
    return path, edition_id


@dataclass
class Server:
    process: subprocess.Popen[str]
    base_url: str

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(database: Path, folder: Path) -> Server:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env.update(PIPELINE_DATABASE_URL=f"sqlite:///{database}", PIPELINE_LOG_FORMAT="logfmt")
    process = subprocess.Popen([str(PIPELINE), "serve", "--port", "0"], cwd=folder, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
    if not found:
        process.kill()
        raise SystemExit(f"pipeline serve did not start: {line!r}")
    return Server(process, found.group(1))


@dataclass
class Reviewer:
    name: str
    base_url: str
    think: float = 0.0
    timings: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    client: httpx.Client = field(init=False)
    token: str = ""
    pauses: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.client = httpx.Client(base_url=self.base_url, follow_redirects=False, timeout=60)
        self.pauses = random.Random(self.name)

    def request(self, label: str, method: str, path: str, expect: int = 200,
                data: dict[str, str] | None = None) -> httpx.Response:
        if self.think and self.timings:
            time.sleep(self.think * self.pauses.uniform(0.5, 1.5))
        start = time.perf_counter()
        if method == "GET":
            answer = self.client.get(path)
        else:
            answer = self.client.post(path, data={**(data or {}), "csrf_token": self.token},
                                      headers={"Origin": self.base_url})
        self.timings.append((label, time.perf_counter() - start))
        if answer.status_code != expect:
            self.errors.append(f"{method} {path}: {answer.status_code}")
        return answer

    def sign_in(self) -> float:
        start = time.perf_counter()
        page = self.client.get("/login")
        self.token = csrf(page.text)
        done = self.client.post("/login", data={"name": self.name, "password": PASSWORD,
                                                "csrf_token": self.token})
        if done.status_code != 303:
            raise SystemExit(f"sign-in refused: {done.status_code}")
        self.token = csrf(self.client.get("/").text)
        return time.perf_counter() - start


def csrf(page: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    if not found:
        raise SystemExit("no CSRF token on the page")
    return found.group(1)


def version_of(page: str, lang: str) -> str:
    column = page.split(f'id="lang-{lang}"', 1)[1]
    found = re.search(r'name="version" value="(\d*)"', column)
    return found.group(1) if found else ""


def session(reviewer: Reviewer, index: int, edition_id: int) -> None:
    e = f"/editions/{edition_id}"
    reviewer.request("start page", "GET", "/")
    reviewer.request("edition", "GET", e)
    reviewer.request("translations", "GET", f"{e}/translations")
    items = [(index * 3 + k) % ENTRIES + 1 for k in range(6)]
    for k, item in enumerate(items):
        page = reviewer.request("text side by side", "GET", f"{e}/translations/{item}").text
        targets = [lang for lang in ("fr", "en", "es") if f'id="lang-{lang}"' in page]
        lang = targets[k % len(targets)]
        if k in (0, 3):
            saved = reviewer.request("save a text", "POST", f"{e}/translations/{item}/{lang}",
                                     303, {"title": f"Titre revu {index}-{k}",
                                           "summary": f"Résumé revu par {reviewer.name}.",
                                           "version": version_of(page, lang)})
            reviewer.request("text after saving", "GET", saved.headers.get("location", e))
        elif k == 1:
            marked = reviewer.request("mark reviewed", "POST",
                                      f"{e}/translations/{item}/{lang}/state", 303,
                                      {"to": "needs_editing",
                                       "version": version_of(page, lang)})
            reviewer.request("text after marking", "GET", marked.headers.get("location", e))
    reviewer.request("preview page", "GET", f"{e}/preview?lang=fr&view=desktop")
    reviewer.request("preview e-mail", "GET", f"{e}/preview/fr/email")
    reviewer.request("preview page", "GET", f"{e}/preview?lang=es&view=phone")
    reviewer.request("preview e-mail", "GET", f"{e}/preview/es/email")
    reviewer.request("preview page", "GET", f"{e}/preview?lang=en&view=text")
    reviewer.request("approval", "GET", f"{e}/approval")
    reviewer.request("audit log", "GET", "/audit")


def baseline(reviewer: Reviewer, requests: int) -> None:
    for _ in range(requests):
        reviewer.request("start page", "GET", "/")


def run_once(template: Path, edition_id: int, reviewers: int, kind: str,
             requests: int, think: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        database = folder / "review.sqlite3"
        shutil.copy(template, database)
        server = start_server(database, folder)
        try:
            people = [Reviewer(f"reviewer{i}", server.base_url, think)
                      for i in range(reviewers)]
            sign_ins = [person.sign_in() for person in people]
            barrier = threading.Barrier(reviewers)

            def work(index: int) -> None:
                barrier.wait()
                if kind == "session":
                    session(people[index], index, edition_id)
                else:
                    baseline(people[index], requests)

            threads = [threading.Thread(target=work, args=(i,)) for i in range(reviewers)]
            cpu_before = server.cpu_seconds()
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - start
            cpu = server.cpu_seconds() - cpu_before
        finally:
            server.stop()
    timings = [t for person in people for _, t in person.timings]
    by_label: dict[str, list[float]] = {}
    for person in people:
        for label, t in person.timings:
            by_label.setdefault(label, []).append(t)
    return {"requests": len(timings), "errors": [e for p in people for e in p.errors],
            "p50": percentile(timings, 50), "p95": percentile(timings, 95),
            "max": max(timings), "wall": wall, "cpu": cpu,
            "sign_in": statistics.median(sign_ins),
            "labels": {k: percentile(v, 95) for k, v in by_label.items()}}


def percentile(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers on the way out
    parser = argparse.ArgumentParser()
    parser.add_argument("--reviewers", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds between a reviewer's clicks (0: no pause)")
    args = parser.parse_args()
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        template, edition_id = make_database(Path(tmp), args.reviewers)
        sessions, baselines = [], []
        for _ in range(args.repeat):
            first = run_once(template, edition_id, args.reviewers, "session", 0, args.think)
            sessions.append(first)
            per_person = int(first["requests"]) // args.reviewers  # type: ignore[call-overload]
            baselines.append(run_once(template, edition_id, args.reviewers, "baseline",
                                      per_person, args.think))
    load_after = os.getloadavg()

    def med(runs: list[dict[str, object]], key: str) -> float:
        return statistics.median(float(run[key]) for run in runs)  # type: ignore[arg-type]

    print(f"{args.reviewers} reviewers at once, {args.repeat} runs of each (alternating), "
          f"{ENTRIES}-entry edition in three languages, {args.think:g} s between clicks "
          f"on average; load average "
          f"{load[0]:.1f} before, {load_after[0]:.1f} after")
    print()
    print("| median of runs | requests | errors | p50 | p95 | max | wall | server CPU |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, runs in (("start page only (baseline)", baselines),
                       ("review session", sessions)):
        errors = sum(len(run["errors"]) for run in runs)  # type: ignore[arg-type,misc]
        print(f"| {name} | {int(med(runs, 'requests'))} | {errors} | "
              f"{med(runs, 'p50') * 1000:.0f} ms | {med(runs, 'p95') * 1000:.0f} ms | "
              f"{med(runs, 'max') * 1000:.0f} ms | {med(runs, 'wall'):.2f} s | "
              f"{med(runs, 'cpu'):.2f} s |")
    print(f"| ratio session / baseline | | | {med(sessions, 'p50') / med(baselines, 'p50'):.2f} "
          f"| **{med(sessions, 'p95') / med(baselines, 'p95'):.2f}** | | "
          f"{med(sessions, 'wall') / med(baselines, 'wall'):.2f} | "
          f"{med(sessions, 'cpu') / med(baselines, 'cpu'):.2f} |")
    print()
    print("| p95 per kind of request (median of runs) | session |")
    print("| --- | --- |")
    labels = sessions[0]["labels"]
    assert isinstance(labels, dict)
    for label in labels:
        value = statistics.median(float(run["labels"][label])  # type: ignore[index]
                                  for run in sessions)
        print(f"| {label} | {value * 1000:.0f} ms |")
    print()
    print(f"sign-in (argon2, one at a time before the clock starts): median "
          f"{med(sessions, 'sign_in') * 1000:.0f} ms")
    errors = sum(len(run["errors"]) for run in sessions)  # type: ignore[arg-type,misc]
    p95 = med(sessions, "p95")
    report(f"{args.reviewers} reviewers at once on pipeline serve: errors and p95",
           f"{errors} errors, p95 {p95 * 1000:.0f} ms "
           f"({p95 / med(baselines, 'p95'):.2f}x the start page's)",
           "no error, p95 <= 400 ms", errors == 0 and p95 <= 0.400, p95 * 1000)
    failed = [e for run in sessions for e in run["errors"]][:5]  # type: ignore[attr-defined]
    if failed:
        print("errors:", *failed, sep="\n  ")


if __name__ == "__main__":
    main()
