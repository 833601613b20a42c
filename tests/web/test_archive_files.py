"""The archive's web pages served by the app (the demo's "view in browser" links): pages,
feeds and calendars under the folder only; path tricks find nothing (ADVERSARIAL 21)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from pipeline.web.app import create_app
from tests.web.conftest import Site


@pytest.fixture(scope="module")
def client(site: Site, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    folder = tmp_path_factory.mktemp("served")
    root = folder / "archive"
    (root / "press-review" / "fr").mkdir(parents=True)
    (root / "press-review" / "fr" / "2026-11-07-1.html").write_text(
        '<!doctype html><title>Revue</title><p style="color:red">Revue</p>',
        encoding="utf-8")
    (root / "press-review" / "fr" / "feed.atom").write_text("<feed/>", encoding="utf-8")
    (root / "press-review" / "editions.json").write_text("{}", encoding="utf-8")
    (folder / "secret.html").write_text("secret", encoding="utf-8")
    (folder / "demo.sqlite3").write_text("database", encoding="utf-8")
    (root / "escape.html").symlink_to(folder / "secret.html")
    asgi = create_app(site.app, archive_dir=root)
    return TestClient(asgi, base_url="http://testserver", follow_redirects=False)


def test_pages_and_feeds_are_served_with_the_archive_policy(client: TestClient) -> None:
    page = client.get("/archive/press-review/fr/2026-11-07-1.html")
    assert page.status_code == 200 and "Revue" in page.text
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src" not in page.headers["content-security-policy"]
    assert "style-src 'unsafe-inline'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.get("/archive/press-review/fr/feed.atom").status_code == 200


@pytest.mark.parametrize("path", [
    "/archive/../secret.html", "/archive/%2e%2e/secret.html", "/archive/..%2fsecret.html",
    "/archive/press-review/../../secret.html", "/archive/escape.html",
    "/archive/press-review/editions.json", "/archive/../demo.sqlite3", "/archive/",
    "/archive/press-review/fr/2026-11-07-1.html%00.txt", "/archive/press-review\\fr\\feed.atom",
    "/archive/press-review/fr/nothing.html", "/archive//etc/passwd", "/archive/press-review/fr",
])
def test_path_tricks_find_nothing(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404, path
    assert "secret" not in answer.text and "database" not in answer.text
