"""The README's pictures of the review app, taken over a fresh ``pipeline demo`` database:
the inbox (its candidates, or its near misses when every candidate is placed), the edition
editor, the translation review of the text that needs most work, and the preview of the
Spanish e-mail at a phone's width. ``scripts/screenshots`` calls :func:`capture_review` after the
editions' pictures (tests/render/screenshots.py); the test suite never writes them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pipeline.app import App
from pipeline.jobs.accounts import add_user
from pipeline.permissions import SYSTEM
from pipeline.settings import Settings
from pipeline.states import Role
from pipeline.web.app import create_app
from pipeline.web.server import serve_in_thread

WIDTH, HEIGHT = 1280, 1000
PASSWORD = "screenshots only, never kept"
SHOTS = ("review-inbox.png", "review-editor.png", "review-translation.png",
         "review-preview.png")


def capture_review(demo_dir: Path, out_dir: Path, browser: Any) -> list[Path]:
    """Sign in to the demo's database in the review app and take :data:`SHOTS`."""
    database = demo_dir / "demo.sqlite3"
    clip = {"x": 0, "y": 0, "width": WIDTH, "height": HEIGHT}
    app = App(replace(Settings(var_dir=demo_dir), database_url=f"sqlite:///{database}"))
    try:
        add_user(app, SYSTEM, "marie", Role.APPROVER, PASSWORD)
        with serve_in_thread(create_app(app)) as base_url:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT},
                                    locale="en-GB")
            try:
                page.route("**/*", lambda route: route.continue_()
                           if route.request.url.startswith(base_url) else route.abort())
                page.goto(f"{base_url}/login")
                page.fill("#name", "marie")
                page.fill("#password", PASSWORD)
                page.click("button[type=submit].primary")
                page.wait_for_url(f"{base_url}/")
                page.goto(f"{base_url}/inbox")
                if not page.locator("table.inbox tbody tr").count():
                    page.goto(f"{base_url}/inbox?tab=near")
                written = [out_dir / SHOTS[0]]
                page.screenshot(path=str(written[-1]), clip=clip)
                page.goto(f"{base_url}/")
                page.click("table.list a[href^='/editions/']")
                edition_url = page.url.split("?")[0].rstrip("/")
                page.goto(f"{edition_url}/editor")
                page.wait_for_load_state("networkidle")
                written.append(out_dir / SHOTS[1])
                page.screenshot(path=str(written[-1]), clip=clip)
                page.goto(f"{edition_url}/translations")
                page.click("table.review-list tbody a")
                page.wait_for_load_state("networkidle")
                written.append(out_dir / SHOTS[2])
                page.screenshot(path=str(written[-1]), clip=clip)
                page.click("nav.rooms >> text=Preview")
                page.click("nav.switch >> text=español")
                page.click("nav.switch >> text=Phone")
                page.frame_locator("iframe.frame").locator("body").wait_for()
                page.wait_for_load_state("networkidle")
                written.append(out_dir / SHOTS[3])
                page.screenshot(path=str(written[-1]), clip=clip)
            finally:
                page.close()
        return written
    finally:
        app.close()
