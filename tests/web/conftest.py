"""A real web app over a real SQLite file: one account per role, a week of stored items
(tests/web/newsroom.py) and three editions drafted from them (one with a hostile title),
in-process clients (Starlette's TestClient) and, for the browser tests, the
app served by uvicorn on 127.0.0.1 and one headless Chromium for the whole session."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import structlog
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.app import App
from pipeline.settings import Settings
from pipeline.states import Role, SubmissionKind, TokenPurpose
from pipeline.store.accounts import find_user
from pipeline.store.invitations import add_link
from pipeline.store.models import Base
from pipeline.store.submissions import add_submission
from pipeline.store.users import add_user
from pipeline.web.app import create_app
from tests.web.newsroom import store_week

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


SECRET_KEY = "a test secret key that is long enough"
SOURCES_TOML = """# The test site's sources: the sources page must keep this comment.

[[sources]]
id = "local-feed"  # and this one
name = "Local feed"
url = "http://127.0.0.1:9/feed.xml"
lang = "en"
"""
FIXED_IDS = {"user": 5, "submission": 1, "invitation": 1}
"""Rows every test site has (tests/web/routes.py names them in its addresses): an account
to administer (``target``, an editor), a submission of the ambassador, a pending
invitation."""


def make_site(folder: Path, **settings_values: Any) -> Site:
    (folder / "sources.toml").write_text(SOURCES_TOML, encoding="utf-8")
    values = {"secret_key": SECRET_KEY, "sources_path": folder / "sources.toml",
              "loopback_only": True, "allow_private_addresses": True, **settings_values}
    settings = Settings(var_dir=folder, database_url=f"sqlite:///{folder / 'web.sqlite3'}",
                        **values)
    app = App(settings)
    with app.session() as db:
        for role, region in ACCOUNTS.items():
            add_user(db, role, role, PASSWORD, region)
        ids = store_week(db, HOSTILE_TITLE)
        target = add_user(db, "target", "editor", PASSWORD)
        db.flush()
        ambassador = find_user(db, "ambassador")
        assert ambassador is not None
        submission = add_submission(db, user_id=ambassador.id, region="africa",
                                    kind=SubmissionKind.TEXT, title="A seed bank in Kenya",
                                    text="Farmers keep their seeds.", lang="en")
        invitation = add_link(db, nonce="fixed-nonce", purpose=TokenPurpose.INVITE,
                              name="invited", email="invited@example.org",
                              role=Role.AMBASSADOR, region="asia", language="fr",
                              user_id=None, created_by="admin", now_at=datetime.now(UTC),
                              expires_at=datetime.now(UTC) + timedelta(days=7))
        assert {"user": target.id, "submission": submission.id,
                "invitation": invitation.id} == FIXED_IDS
    return Site(app, create_app(app), ids)


@pytest.fixture(scope="module", autouse=True)
def fresh_logging() -> None:
    """Views run jobs, and jobs log: a logger that another test module configured to write
    into its own captured (now closed) stream must not fail them."""
    structlog.reset_defaults()


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
