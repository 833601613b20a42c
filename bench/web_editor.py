"""Benchmark: the edition editor and the inbox, through the web app in process.

    .venv/bin/python bench/web_editor.py [--pairs 15]

1. Server time per page of the edition editor for a Press Review of 60 entries with texts in
   FR, EN and ES (target: median ≤ 100 ms), against the read-only edition overview of the same
   edition (the page a reader would otherwise open), alternated pair by pair; a move by button
   (POST, 303, the editor again) beside it.
2. Going through a 40-item inbox as an editor does with the app's keys (the list once, "why"
   opened for one item in four, 30 accepted and 10 rejected, each answered by its row's new
   content), against the same decisions made with plain forms (each answered by a redirect
   and the whole list again, as without JavaScript): requests and bytes per accepted item.

Wall time and CPU time (this process: the app and its in-process client) are both printed;
the machine's load average is printed before and after. Run it on a quiet machine for
figures to keep.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import report
from starlette.testclient import TestClient

from pipeline.app import App
from pipeline.classify import classify_item
from pipeline.draft import Candidate, LocalText, draft_press_review
from pipeline.jobs.editions import keep_plan
from pipeline.permissions import SYSTEM
from pipeline.records import LANGUAGES, REGIONS, THEMES
from pipeline.settings import Settings
from pipeline.states import ItemStatus, TextState
from pipeline.store.models import Classification, Item, ItemText, Source
from pipeline.store.users import add_user
from pipeline.web.app import create_app

PASSWORD = "a long enough password"
SINCE = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL = SINCE + timedelta(days=7)
SUMMARY = {
    "fr": "Les agriculteurs qui couvrent leurs sols stockent plus de carbone organique, "
          "retiennent plus d'eau et perdent moins de terre, montre une étude de dix ans.",
    "en": "Farmers who keep their soils covered store more organic carbon, hold more water "
          "and lose less earth to erosion, a study of ten years of field trials shows.",
    "es": "Los agricultores que cubren sus suelos almacenan más carbono orgánico, retienen "
          "más agua y pierden menos tierra, según un estudio de diez años.",
}


def store_items(app: App, first_id: int, count: int, evidence: dict[str, Any]
                ) -> list[Candidate]:
    candidates = []
    with app.session() as db:
        if db.get(Source, "bench") is None:
            db.add(Source(id="bench", name="Bench outlet", url="https://bench.example/feed",
                          kind="feed", lang="en", warnings=[]))
            db.flush()
        for n in range(count):
            item_id = first_id + n
            lang = LANGUAGES[n % 3]
            themes = (THEMES[n % len(THEMES)],)
            regions = (REGIONS[n % len(REGIONS)],)
            texts = {code: LocalText(f"Story {item_id}: cover crops and soil carbon ({code})",
                                     SUMMARY[code], TextState.ORIGINAL if code == lang
                                     else TextState.MACHINE) for code in LANGUAGES}
            published_at = SINCE + timedelta(minutes=90 * n + 7 * (first_id // 100))
            db.add(Item(id=item_id, source_id="bench", url=f"https://bench.example/{item_id}",
                        canonical_url=f"https://bench.example/{item_id}",
                        content_hash=f"sha256:{item_id:064x}", title=texts[lang].title,
                        summary=SUMMARY[lang], original_lang=lang, published_at=published_at,
                        fetched_at=published_at, status=ItemStatus.PROCESSED, warnings=[]))
            db.flush()
            db.add(Classification(item_id=item_id, lang=lang, relevant=True,
                                  relevance_score=0.9, themes=list(themes),
                                  regions=list(regions), evidence=evidence))
            for code, text in texts.items():
                db.add(ItemText(item_id=item_id, lang=code, title=text.title,
                                summary=text.summary, state=text.origin, flags=[]))
            candidates.append(Candidate(
                item_id=str(item_id), story_id=str(item_id), source_name="Bench outlet",
                url=f"https://bench.example/{item_id}", original_lang=lang,
                published_at=published_at, relevant=True, themes=themes, regions=regions,
                texts=texts))
    return candidates


def build(folder: Path) -> tuple[App, TestClient, str, int]:
    app = App(Settings(var_dir=folder, database_url=f"sqlite:///{folder / 'bench.sqlite3'}"))
    evidence = dict(classify_item(
        "Kenya: farmers store carbon in their soils with agroforestry",
        "In Kenya, agroforestry helps farmers restore soils and store carbon.",
        source_lang="en").evidence)
    entries = store_items(app, 1000, 60, evidence)
    store_items(app, 2000, 40, evidence)  # the inbox: relevant, not in the edition
    plan = draft_press_review(entries, since_at=SINCE, until_at=UNTIL, limit=60)
    assert len(plan.entries) == 60, len(plan.entries)
    with app.session() as db:
        add_user(db, "editor", "editor", PASSWORD)
        edition = keep_plan(db, plan, actor=SYSTEM, now_at=UNTIL)
        edition_id = edition.id
    client = TestClient(create_app(app), base_url="http://testserver", follow_redirects=False)
    login = client.get("/login").text
    token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    done = client.post("/login", data={"name": "editor", "password": PASSWORD,
                                       "csrf_token": token})
    assert done.status_code == 303
    page = client.get("/account").text
    token = page.split('<meta name="csrf-token" content="', 1)[1].split('"', 1)[0]
    return app, client, token, edition_id


def timed(work: Callable[[], Any]) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - wall, time.process_time() - cpu


def get_ok(client: TestClient, url: str) -> int:
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return len(answer.content)


def editor_pages(client: TestClient, token: str, edition_id: int, pairs: int) -> None:
    rows: dict[str, list[tuple[float, float]]] = {"overview": [], "editor": [], "move": []}
    sizes: dict[str, int] = {}
    for lang in LANGUAGES:  # warm-up: templates compiled, catalogs loaded
        get_ok(client, f"/editions/{edition_id}/editor?lang={lang}")
        get_ok(client, f"/editions/{edition_id}")
    entry = 1000
    for n in range(pairs):
        lang = LANGUAGES[n % 3]
        rows["overview"].append(timed(lambda: get_ok(client, f"/editions/{edition_id}")))
        rows["editor"].append(timed(
            lambda lang=lang: sizes.__setitem__(lang, get_ok(
                client, f"/editions/{edition_id}/editor?lang={lang}"))))

        def move(lang: str = lang) -> None:
            answer = client.post(f"/editions/{edition_id}/entries/{entry}/move",
                                 data={"csrf_token": token, "step": "down", "lang": lang},
                                 headers={"HX-Request": "true"}, follow_redirects=True)
            assert answer.status_code == 200

        rows["move"].append(timed(move))
    print(f"### Edition editor, Press Review of 60 entries × 3 languages ({pairs} pairs)\n")
    print("| page | wall, median | CPU, median | ratio to the overview (wall) |")
    print("| --- | --- | --- | --- |")
    base = statistics.median(w for w, _ in rows["overview"])
    names = {"overview": "edition overview (read-only, baseline)",
             "editor": "editor page (GET)", "move": "move by button (POST + 303 + editor)"}
    for key, label in names.items():
        wall = statistics.median(w for w, _ in rows[key])
        cpu = statistics.median(c for _, c in rows[key])
        print(f"| {label} | {wall * 1000:.1f} ms | {cpu * 1000:.1f} ms | {wall / base:.2f} |")
        if key == "editor":
            report("edition editor page, 60 entries × 3 languages, server time (median)",
                   f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU ({wall / base:.2f}x the "
                   "read-only overview)", "<= 100 ms", wall <= 0.100, wall * 1000)
    print("\nEditor page size: " + ", ".join(f"{lang} {size / 1024:.0f} KB"
                                             for lang, size in sorted(sizes.items())) + "\n")


@dataclass
class Tally:
    requests: int = 0
    received: int = 0
    sent: int = 0
    wall: float = 0.0
    cpu: float = 0.0

    def count(self, answer: Any, body: bytes = b"") -> None:
        self.requests += 1
        self.received += len(answer.content) + sum(len(k) + len(v) + 4 for k, v in
                                                   answer.headers.raw)
        self.sent += len(body) + 300  # the request line and headers, roughly


def go_through_inbox(app: App, client: TestClient, token: str, with_htmx: bool) -> Tally:
    tally = Tally()
    wall, cpu = time.perf_counter(), time.process_time()
    answer = client.get("/inbox?sort=oldest")
    tally.count(answer)
    ids = [int(i) for i in re.findall(r'id="item-(\d+)"', answer.text)]
    assert len(ids) == 40, len(ids)
    for n, item_id in enumerate(ids):
        if n % 4 == 0 and with_htmx:
            tally.count(client.get(f"/inbox/items/{item_id}?part=why"))
        elif n % 4 == 0:
            tally.count(client.get(f"/inbox/items/{item_id}"))
        verb = "reject" if n % 4 == 3 else "accept"
        data = {"csrf_token": token, "publication": "press-review",
                "next": "/inbox?sort=oldest"}
        body = "&".join(f"{k}={v}" for k, v in data.items()).encode()
        if with_htmx:
            answer = client.post(f"/inbox/items/{item_id}/{verb}", data=data,
                                 headers={"HX-Request": "true"})
            assert answer.status_code == 200
            tally.count(answer, body)
        else:
            answer = client.post(f"/inbox/items/{item_id}/{verb}", data=data)
            assert answer.status_code == 303
            tally.count(answer, body)
            tally.count(client.get(answer.headers["location"]))
    tally.wall, tally.cpu = time.perf_counter() - wall, time.process_time() - cpu
    return tally


def inbox_session(pairs: int) -> None:
    results: dict[bool, list[Tally]] = {True: [], False: []}
    for n in range(pairs):
        for with_htmx in ((True, False) if n % 2 == 0 else (False, True)):
            with tempfile.TemporaryDirectory() as folder:
                app, client, token, _edition = build(Path(folder))
                try:
                    results[with_htmx].append(go_through_inbox(app, client, token, with_htmx))
                finally:
                    client.close()
                    app.close()
    accepted = 30
    print(f"### Going through a 40-item inbox: 30 accepted, 10 rejected, 'why' opened 10 times "
          f"({pairs} pairs)\n")
    print("| way | requests per accepted item | KB received per accepted item | "
          "KB sent per accepted item | server time, whole inbox (wall / CPU, median) |")
    print("| --- | --- | --- | --- | --- |")
    for with_htmx, label in ((True, "the app's keys (htmx: the row's new content)"),
                             (False, "plain forms (303 and the whole list again)")):
        tally = results[with_htmx][0]
        wall = statistics.median(t.wall for t in results[with_htmx])
        cpu = statistics.median(t.cpu for t in results[with_htmx])
        print(f"| {label} | {tally.requests / accepted:.2f} | "
              f"{tally.received / accepted / 1024:.1f} | {tally.sent / accepted / 1024:.2f} | "
              f"{wall:.2f} s / {cpu:.2f} s |")
    htmx, plain = results[True][0], results[False][0]
    print(f"\nRatio plain / htmx: {plain.requests / htmx.requests:.2f}× the requests, "
          f"{plain.received / htmx.received:.1f}× the bytes received.\n")
    report("40-item inbox: requests and KB received per accepted item (htmx vs plain forms)",
           f"{htmx.requests / accepted:.2f} and {htmx.received / accepted / 1024:.1f} KB vs "
           f"{plain.requests / accepted:.2f} and {plain.received / accepted / 1024:.1f} KB",
           value=htmx.requests / accepted)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--inbox-pairs", type=int, default=5)
    args = parser.parse_args()
    print(f"Load average before: {load()}\n")
    with tempfile.TemporaryDirectory() as folder:
        app, client, token, edition_id = build(Path(folder))
        try:
            editor_pages(client, token, edition_id, args.pairs)
        finally:
            client.close()
            app.close()
    inbox_session(args.inbox_pairs)
    print(f"Load average after: {load()}")


if __name__ == "__main__":
    main()
