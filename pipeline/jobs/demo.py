"""``pipeline demo``: the whole pipeline, offline, on the bundled articles.

A local HTTP server on 127.0.0.1 serves the demo feeds; a fresh SQLite database under the
output folder receives them; then processing, drafting and rendering run as in production.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from pipeline.app import App
from pipeline.demo.site import demo_sources, load_demo_articles, serve_demo_site
from pipeline.jobs.collect import CollectReport, Progress, collect, no_progress
from pipeline.jobs.editions import draft, render
from pipeline.jobs.process import ProcessReport, process
from pipeline.permissions import SYSTEM
from pipeline.records import LANGUAGES


@dataclass(slots=True)
class DemoReport:
    out_dir: Path
    collected: CollectReport
    processed: ProcessReport
    editions: dict[str, int]


def demo_period() -> tuple[str, str]:
    """Every bundled article falls in the demo editions' period (they span 2015–2025)."""
    return "2015-01-01", datetime.now(UTC).strftime("%Y-%m-%d")


def run_demo(app: App, out_dir: Path, progress: Progress = no_progress) -> DemoReport:
    out_dir.mkdir(parents=True, exist_ok=True)
    database = out_dir / "demo.sqlite3"
    for leftover in out_dir.glob("demo.sqlite3*"):
        leftover.unlink()
    # loopback only: the demo feeds link to real sites, which must never be reached
    demo_app = App(replace(app.settings, database_url=f"sqlite:///{database}",
                           allow_private_addresses=True, loopback_only=True))
    events = Path(str(resources.files("pipeline.demo").joinpath("data/events.toml")))
    try:
        with serve_demo_site() as base_url:
            specs = demo_sources(base_url)
            collected = collect(demo_app, specs=specs, progress=progress)
        processed = process(demo_app, specs=specs, progress=progress)
        since, until = demo_period()
        editions: dict[str, int] = {}
        for kind in ("press-review", "newsletter"):
            edition = draft(demo_app, SYSTEM, kind, since=since, until=until, specs=specs,
                            events_path=events)
            target = out_dir / kind
            for old in target.glob("*.*"):  # only what a previous demo wrote
                if old.suffix in (".html", ".txt", ".ics") and old.stem in LANGUAGES:
                    old.unlink()
            render(demo_app, SYSTEM, edition.id, target)
            editions[kind] = edition.id
    finally:
        demo_app.close()
    return DemoReport(out_dir=out_dir, collected=collected, processed=processed,
                      editions=editions)


def count_demo_articles() -> int:
    return len(load_demo_articles())
