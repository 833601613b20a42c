"""A real web app over a real SQLite file: one account per role, three editions (one with
hostile titles), in-process clients (Starlette's TestClient) and, for the browser tests, the
app served by uvicorn on 127.0.0.1 and one headless Chromium for the whole session."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.app import App
from pipeline.draft import draft_newsletter, draft_press_review, plan_to_json
from pipeline.records import LanguageState
from pipeline.settings import Settings
from pipeline.store.models import Base, Edition
from pipeline.store.users import add_user
from pipeline.web.app import create_app
from tests.render.fixtures import load_fixture, make_candidates, make_events, make_texts

PASSWORD = "a long enough password"
ACCOUNTS = {"editor": None, "approver": None, "ambassador": "africa", "admin": None}
"""One account per role, named after its role (the ambassador's region in the value)."""
HOSTILE_TITLE = "<script>alert(1)</script> {{ config }} \u202eevil\u202c"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@dataclass
class Site:
    app: App
    asgi: Any
    edition_ids: dict[str, int]

    def client(self, **headers: str) -> TestClient:
        return TestClient(self.asgi, base_url="http://testserver", headers=headers,
                          follow_redirects=False)

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table: what a refused request must leave as it was."""
        with self.app.engine.connect() as connection:
            return {table.name: [tuple(row) for row in connection.execute(select(table))]
                    for table in Base.metadata.sorted_tables}


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([^"]*)"', html)
    assert found, "the page has no CSRF meta tag"
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    done = client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": token})
    assert done.status_code == 303, done.text
    return csrf_of(client.get("/account").text)


def _editions() -> list[Edition]:
    data = load_fixture()
    candidates = [replace(c, item_id=str(100 + i), story_id=str(100 + i))
                  for i, c in enumerate(make_candidates(data))]
    first = candidates[0]
    hostile = dict(first.texts)
    hostile["en"] = replace(hostile["en"], title=HOSTILE_TITLE)
    candidates[0] = replace(first, texts=hostile)
    since_at = datetime.fromisoformat(data["period"]["since_at"])
    until_at = datetime.fromisoformat(data["period"]["until_at"])
    review = draft_press_review(candidates, since_at=since_at, until_at=until_at)
    newsletter = draft_newsletter(
        candidates, make_events(data), since_at=since_at,
        until_at=datetime.fromisoformat(data["period"]["newsletter_until_at"]),
        editorial=make_texts(data["editorial"]))
    now_at = datetime.now(UTC)
    state = {"fr": LanguageState(),
             "en": LanguageState(unreviewed=("101", "102")),
             "es": LanguageState(missing=("103",))}
    return [
        Edition(kind="press-review", period_start_at=review.period_start_at,
                period_end_at=review.period_end_at, status="draft", language_state=state,
                plan=plan_to_json(review), updated_at=now_at),
        Edition(kind="newsletter", period_start_at=newsletter.period_start_at,
                period_end_at=newsletter.period_end_at, status="approved",
                plan=plan_to_json(newsletter), approved_by="approver", approved_at=now_at),
        Edition(kind="press-review", period_start_at=review.period_start_at - timedelta(7),
                period_end_at=review.period_end_at - timedelta(7), status="sent",
                plan=plan_to_json(review), sent_at=now_at),
    ]


def make_site(folder: Path) -> Site:
    settings = Settings(var_dir=folder, database_url=f"sqlite:///{folder / 'web.sqlite3'}",
                        secret_key="the web tests' secret key")
    app = App(settings)
    with app.session() as db:
        for role, region in ACCOUNTS.items():
            add_user(db, role, role, PASSWORD, region)
        editions = _editions()
        db.add_all(editions)
        db.flush()
        ids = {f"{e.kind}/{e.status}": e.id for e in editions}
    return Site(app, create_app(app), ids)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("web"))
    try:
        yield made
    finally:
        made.app.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for every browser test of the session."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("/usr/bin/chromium is missing in CI (scripts/setup --dev installs it)")
        pytest.skip("needs /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
