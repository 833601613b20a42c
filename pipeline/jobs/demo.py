"""``pipeline demo``: the whole pipeline, offline, on the bundled articles.

A local HTTP server on 127.0.0.1 serves the demo feeds; a fresh SQLite database under the
output folder receives them; then processing, drafting and rendering run as in production.
The editions' "view in browser" links point to ``preview_url``, where the command serves the
review app over the demo's database and, under ``/archive/``, the web pages written under
``DIR/archive/`` as the web archive would show them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from pipeline.app import App
from pipeline.demo.site import Drip, demo_sources, load_demo_articles, serve_demo_site
from pipeline.errors import PipelineError
from pipeline.jobs.accounts import add_user
from pipeline.jobs.collect import CollectReport, Progress, collect, no_progress
from pipeline.jobs.editions import (
    archive_url,
    current_plan,
    draft,
    edition_slug,
    render,
    render_leaving_out,
)
from pipeline.jobs.process import ProcessReport, process
from pipeline.permissions import SYSTEM
from pipeline.records import LANGUAGES
from pipeline.render import write_archive
from pipeline.resources import bundled_path
from pipeline.settings import Settings
from pipeline.states import Role
from pipeline.store.editions import get_edition

DEMO_KINDS = ("press-review", "newsletter")


@dataclass(slots=True)
class DemoReport:
    out_dir: Path
    collected: CollectReport
    processed: ProcessReport
    editions: dict[str, int]


def demo_period() -> tuple[str, str]:
    """Every bundled article falls in the demo editions' period (they span 2015–2025)."""
    return "2015-01-01", datetime.now(UTC).strftime("%Y-%m-%d")


def database_path(out_dir: Path) -> Path:
    """The demo's own database (``pipeline status`` reads another one unless told)."""
    return out_dir / "demo.sqlite3"


def demo_settings(app: App, out_dir: Path, base_url: str) -> Settings:
    """The demo's own database, fetching from loopback only (the demo feeds link to real
    sites, which must never be reached), its links pointing to ``base_url``."""
    return replace(app.settings, database_url=f"sqlite:///{database_path(out_dir)}",
                   allow_private_addresses=True, loopback_only=True, base_url=base_url)


def run_demo(app: App, out_dir: Path, progress: Progress = no_progress, *,
             preview_url: str = "http://127.0.0.1:8000",
             drip: Drip | None = None) -> DemoReport:
    web_root = out_dir / "archive"
    if web_root.resolve() == app.settings.archive_dir.resolve():
        raise PipelineError(f"--out {out_dir}: its archive/ folder is the web archive "
                            "(PIPELINE_ARCHIVE_DIR); choose another folder for the demo")
    out_dir.mkdir(parents=True, exist_ok=True)
    for leftover in out_dir.glob(f"{database_path(out_dir).name}*"):
        leftover.unlink()
    demo_app = App(demo_settings(app, out_dir, preview_url))
    events = bundled_path("pipeline.demo", "data", "events.toml")
    try:
        with serve_demo_site(drip) as base_url:  # a drip holds articles back for later
            specs = demo_sources(base_url)
            collected = collect(demo_app, specs=specs, progress=progress)
        processed = process(demo_app, specs=specs, progress=progress)
        since, until = demo_period()
        editions: dict[str, int] = {}
        for kind in DEMO_KINDS:
            edition = draft(demo_app, SYSTEM, kind, since=since, until=until, specs=specs,
                            events_path=events)
            target = out_dir / kind
            for old in target.glob("*.*"):  # only what a previous demo wrote
                if old.suffix in (".html", ".txt", ".ics") and old.stem in LANGUAGES:
                    old.unlink()
            render(demo_app, SYSTEM, edition.id, target)
            write_web_pages(demo_app, edition.id, web_root)
            editions[kind] = edition.id
    finally:
        demo_app.close()
    return DemoReport(out_dir=out_dir, collected=collected, processed=processed,
                      editions=editions)


def write_web_pages(app: App, edition_id: int, web_root: Path) -> list[Path]:
    """The web pages the "view in browser" links of an edition point to, as the web archive
    writes them, under ``web_root`` (a previous demo's pages are replaced)."""
    with app.session(readonly=True) as session:
        edition = get_edition(session, edition_id)
        plan = current_plan(session, edition)
        slug = edition_slug(edition)
    folder = web_root / plan.kind
    for lang in LANGUAGES:  # only what a previous demo wrote
        for old in [*(folder / lang).glob("*.html"), folder / lang / "feed.atom"]:
            old.unlink(missing_ok=True)
    (folder / "editions.json").unlink(missing_ok=True)
    plan, rendered = render_leaving_out(plan, max_bytes=None)
    return write_archive(rendered, plan, web_root, slug, published_at=datetime.now(UTC),
                         base_url=archive_url(app))


def count_demo_articles() -> int:
    return len(load_demo_articles())


DEMO_ACCOUNT = "demo"
"""The account ``pipeline demo`` creates in its own database, to sign in to the review app."""


def create_demo_account(app: App) -> tuple[str, str]:
    """An administrator account in the demo's database with a fresh random password; returns
    the name and the password (the demo prints them: its database is thrown away by the next
    run, and it serves on 127.0.0.1 only)."""
    password = secrets.token_urlsafe(12)
    add_user(app, SYSTEM, DEMO_ACCOUNT, Role.ADMIN, password)
    return DEMO_ACCOUNT, password
