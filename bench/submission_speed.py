"""An ambassador's submission from "Submit" to "in the inbox, translated" (issue 16).

    .venv/bin/python bench/submission_speed.py [--runs 20]

On a fresh SQLite database with one ambassador, each run submits news through the job the
portal's form calls (:func:`pipeline.jobs.submissions.submit_news`), then runs what the web app
starts in the background at once (:func:`process_submissions`: the link collected through the
safe fetcher from a local server on 127.0.0.1, the item classified and translated with
Apertium into the other two languages, a new translator each time, as each background run
builds one), and stops the clock when the item has its three texts. Two kinds: a Spanish text
(title and a 60-word summary) and a link to a real article page: each run a different one of
the bundled demo articles (Spanish ones first), served as an article page from 127.0.0.1, so
that every run makes a new item (the same page twice would be a second source of one item).

The floor: the same title and summary translated by the same engines with a translator built
beforehand (the physical least a submission costs: its two translations). Median of the runs,
wall and CPU time; the load average is printed.
"""

from __future__ import annotations

import argparse
import html
import http.server
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from harness import cpu_now, load_average, report

from pipeline.app import App
from pipeline.demo.site import load_demo_articles
from pipeline.jobs.accounts import resolve_actor
from pipeline.jobs.submissions import NewSubmission, process_submissions, submit_news
from pipeline.permissions import SYSTEM
from pipeline.settings import Settings
from pipeline.store.users import add_user
from pipeline.translate import build_translator

TITLE = "Agricultores de Jalisco recuperan suelos degradados con abonos verdes"
SUMMARY = ("Un grupo de agricultores de Jalisco recuperó en cinco años la materia orgánica de "
           "sus suelos con abonos verdes y labranza mínima. Según el instituto regional de "
           "investigación agrícola, el carbono del suelo aumentó un 18 % y los rendimientos de "
           "maíz se mantuvieron. Los productores piden apoyo para extender la práctica a otras "
           "comunidades del estado.")


ARTICLES = sorted(load_demo_articles(), key=lambda a: (a.lang != "es", a.id))


def article_page(number: int) -> bytes:
    article = ARTICLES[number % len(ARTICLES)]
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in article.text.split("\n") if p)
    return (f"<!doctype html><html lang=\"{article.lang}\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(article.title)}</title></head><body><article>"
            f"<h1>{html.escape(article.title)}</h1>{paragraphs}</article></body></html>"
            ).encode()


class Pages(http.server.BaseHTTPRequestHandler):
    """Article page number N at /N."""

    def do_GET(self) -> None:
        name = self.path.strip("/")
        if not name.isdigit():
            self.send_error(404)
            return
        body = article_page(int(name))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def three_texts(app: App, submission_id: int) -> bool:
    from pipeline.store.submissions import list_submissions

    with app.session(readonly=True) as db:
        row = list_submissions(db, ids=[submission_id], limit=1)[0]
        if row.item_id is None:
            return False
        from pipeline.store.texts import load_text

        return all(load_text(db, row.item_id, lang) is not None for lang in ("fr", "en", "es"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pages)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    load_before = load_average()
    results: dict[str, list[tuple[float, float]]] = {"text": [], "link": [], "floor": []}
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(var_dir=Path(folder), loopback_only=True,
                            database_url=f"sqlite:///{folder}/bench.sqlite3",
                            translation_engines=("apertium",), submissions_per_hour=10_000)
        app = App(settings)
        with app.session() as db:
            add_user(db, "amina", "ambassador", "a long enough password", "latin-america-caribbean")
        actor = resolve_actor(app, "amina")
        floor_translator = build_translator(("apertium",), glossary_path=settings.glossary_path)
        for run in range(args.runs):
            for kind in ("text", "link", "floor"):
                wall, cpu = time.perf_counter(), cpu_now()
                if kind == "floor":
                    floor_translator.translate_segments([f"{TITLE} {run}", SUMMARY], "es", "fr")
                    floor_translator.translate_segments([f"{TITLE} {run}", SUMMARY], "es", "en")
                else:
                    new = NewSubmission(kind="text", title=f"{TITLE} ({run})", summary=SUMMARY,
                                        lang="es", theme="soil-carbon") if kind == "text" else \
                        NewSubmission(kind="link", url=f"{base}/{run}",
                                      lang=ARTICLES[run % len(ARTICLES)].lang)
                    receipt = submit_news(app, actor, new)
                    process_submissions(app, SYSTEM)
                    if not three_texts(app, receipt.submission_id):
                        sys.exit(f"run {run}: the {kind} submission did not reach the inbox "
                                 "with three texts")
                results[kind].append((time.perf_counter() - wall, cpu_now() - cpu))
        app.close()
    server.shutdown()
    floor = statistics.median(w for w, _ in results["floor"])
    print(f"{args.runs} runs each, medians; load average {load_before} before, "
          f"{load_average()} after")
    print("| submission | wall | CPU | × the floor (wall) |")
    print("| --- | ---: | ---: | ---: |")
    for kind, label in (("text", "a Spanish text"), ("link", "a link to an article page"),
                        ("floor", "floor: its two translations, engine ready")):
        wall = statistics.median(w for w, _ in results[kind])
        cpu = statistics.median(c for _, c in results[kind])
        print(f"| {label} | {wall * 1000:.0f} ms | {cpu * 1000:.0f} ms | {wall / floor:.1f} |")
        if kind != "floor":
            report(f"submission from Submit to the inbox translated: {label} (median of "
                   f"{args.runs})", f"{wall:.2f} s wall, {cpu:.2f} s CPU, {wall / floor:.1f}x "
                   "its two translations alone", value=wall)


if __name__ == "__main__":
    main()
