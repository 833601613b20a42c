"""``pipeline demo`` as a new user meets it: the review app it serves with the account it
prints, the links of the editions it wrote, a port already taken, and ``pipeline status``
run after it."""

from __future__ import annotations

import http.client
import re
import socket
from pathlib import Path

import httpx

from pipeline.records import LANGUAGES
from tests.conftest import ServedDemo, run_pipeline


def fetch(port: int, path: str) -> tuple[int, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def signed_in(served_demo: ServedDemo) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{served_demo.port}",
                          follow_redirects=False, timeout=30)
    token = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/login").text)
    assert token
    done = client.post("/login", data={"name": served_demo.account,
                                       "password": served_demo.password,
                                       "csrf_token": token.group(1)})
    assert done.status_code == 303, done.text
    return client


def test_demo_serves_the_review_app_with_the_account_it_prints(
        served_demo: ServedDemo) -> None:
    assert (f"review app: http://127.0.0.1:{served_demo.port}/  sign in as 'demo' with "
            "password '") in served_demo.stdout
    assert served_demo.account == "demo" and len(served_demo.password) >= 12
    status, _ = fetch(served_demo.port, "/")
    assert status == 303  # to the sign-in form
    client = signed_in(served_demo)
    start = client.get("/")
    assert start.status_code == 200 and "Press Review" in start.text
    edition = re.search(r'href="/editions/(\d+)"', start.text)
    assert edition
    review = client.get(f"/editions/{edition.group(1)}/translations?show=all")
    assert review.status_code == 200
    first = re.search(r'href="(/editions/\d+/translations/\d+)"', review.text)
    assert first
    side_by_side = client.get(first.group(1))
    assert side_by_side.status_code == 200 and 'class="column"' in side_by_side.text
    email = client.get(f"/editions/{edition.group(1)}/preview/fr/email")
    assert email.status_code == 200 and '<html lang="fr"' in email.text
    wrong = httpx.Client(base_url=f"http://127.0.0.1:{served_demo.port}")
    token = re.search(r'name="csrf-token" content="([^"]+)"', wrong.get("/login").text)
    assert token
    refused = wrong.post("/login", data={"name": "demo", "password": "not it",
                                         "csrf_token": token.group(1)})
    assert refused.status_code == 401


def test_view_in_browser_links_resolve_on_the_preview(served_demo: ServedDemo) -> None:
    prefix = f"http://127.0.0.1:{served_demo.port}/"
    for kind in ("press-review", "newsletter"):
        for lang in LANGUAGES:
            html = (served_demo.out_dir / kind / f"{lang}.html").read_text(encoding="utf-8")
            text = (served_demo.out_dir / kind / f"{lang}.txt").read_text(encoding="utf-8")
            links = set(re.findall(rf'href="{re.escape(prefix)}(archive/[^"]+\.html)"', html))
            assert len(links) == 1, links  # "view in browser" (and "read the full edition")
            path = links.pop()
            assert f"{prefix}{path}" in text
            status, page = fetch(served_demo.port, f"/{path}")
            assert status == 200, path
            assert f'<html lang="{lang}"' in page or f'lang="{lang}"' in page[:500]
            assert "Content-Security-Policy" in page
            status, _ = fetch(served_demo.port, f"/archive/{kind}/{lang}/index.html")
            assert status == 200


def test_demo_refuses_a_taken_port_before_any_work(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_pipeline(["demo", "--port", str(port)], cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"port {port}" in done.stderr
    assert "--port" in done.stderr and "--no-serve" in done.stderr
    assert "review app:" not in done.stdout
    assert not (tmp_path / "var").exists()  # refused before collecting anything


def test_status_after_the_demo_says_which_database_it_reads(served_demo: ServedDemo) -> None:
    demo_url = "sqlite:///var/demo/demo.sqlite3"
    assert f"PIPELINE_DATABASE_URL={demo_url} pipeline status" in served_demo.stdout
    plain = run_pipeline(["status"], cwd=served_demo.cwd)
    assert plain.returncode == 0, plain.stderr
    lines = plain.stdout.splitlines()
    assert lines[0] == "Database: sqlite:///var/pipeline.sqlite3"
    assert f"PIPELINE_DATABASE_URL={demo_url} pipeline status" in lines[1]
    assert "demo-fr-press" not in plain.stdout
    demo = run_pipeline(["status"], cwd=served_demo.cwd, env={"PIPELINE_DATABASE_URL": demo_url})
    assert demo.returncode == 0, demo.stderr
    assert demo.stdout.splitlines()[0] == f"Database: {demo_url}"
    assert "demo-fr-press" in demo.stdout
    assert "PIPELINE_DATABASE_URL=" not in demo.stdout


def test_demo_never_writes_into_the_real_archive(tmp_path: Path) -> None:
    """The demo's web pages go to DIR/archive/: refused when that is the web archive."""
    done = run_pipeline(["demo", "--no-serve", "--out", "."], cwd=tmp_path, timeout=60)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1, done.stderr
    assert "web archive" in done.stderr and "PIPELINE_ARCHIVE_DIR" in done.stderr
    assert list(tmp_path.iterdir()) == []
