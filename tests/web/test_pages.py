"""The pages as a person reads them: editions by state, one edition, languages, error pages;
and what every response carries (security headers, no inline script or style), static files
and their path tricks (ADVERSARIAL 21)."""

from __future__ import annotations

import html
import re

import pytest
from starlette.testclient import TestClient

from pipeline.web.security import CONTENT_SECURITY_POLICY
from tests.web.conftest import HOSTILE_TITLE, Site, csrf_of, sign_in
from tests.web.routes import ROUTES


@pytest.fixture(scope="module")
def admin(site: Site) -> TestClient:
    client = site.client()
    sign_in(client, "admin")
    return client


def test_the_start_page_lists_editions_by_state_with_links(site: Site, admin: TestClient) -> None:
    page = admin.get("/").text
    headings = re.findall(r'<span class="badge badge-(\w+)">', page)
    assert headings == ["draft", "approved", "sent"]
    for edition_id in site.edition_ids.values():
        assert f'href="/editions/{edition_id}"' in page
    assert "Press Review" in page and "Newsletter" in page
    assert "2 to review" in page and "1 missing" in page


def test_an_edition_shows_its_sections_and_hostile_titles_literally(site: Site,
                                                                    admin: TestClient) -> None:
    page = admin.get(f"/editions/{site.edition_ids['press-review/draft']}").text
    assert "Draft" in page
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ config }}" in page
    assert "<bdi>&lt;script&gt;" in page  # bidi controls stay inside their own <bdi>
    assert re.search(r'<a href="https://[^"]+" rel="noopener noreferrer">', page)
    assert HOSTILE_TITLE not in page


def test_a_missing_edition_is_a_translated_404(admin: TestClient) -> None:
    for url in ("/editions/999999", "/editions/abc", "/editions/1%00", "/nowhere"):
        answer = admin.get(url, headers={"Accept-Language": "es"})
        assert answer.status_code == 404, url
        assert "No hay nada en esta dirección." in answer.text or \
            "There is nothing at this address." in answer.text


@pytest.mark.parametrize("header, lang, words", [
    ("es-ES,es;q=0.9", "es", "Iniciar sesión"),
    ("de-DE, fr;q=0.9, es;q=0.8", "fr", "Se connecter"),
    ("es;q=0.2, fr;q=0.7", "fr", "Se connecter"),
    ("de, it", "en", "Sign in"),
    ("", "en", "Sign in"),
    ("fr;q=nonsense, *", "en", "Sign in"),
])
def test_before_sign_in_the_browser_language_is_used(site: Site, header: str, lang: str,
                                                     words: str) -> None:
    page = site.client().get("/login", headers={"Accept-Language": header})
    assert f'<html lang="{lang}">' in page.text
    assert words in page.text


def test_each_person_chooses_the_interface_language(site: Site) -> None:
    client = site.client()
    token = sign_in(client, "editor")
    done = client.post("/account/language", data={"language": "fr", "csrf_token": token})
    assert done.status_code == 303
    page = client.get("/account?done=language", headers={"Accept-Language": "es"}).text
    assert '<html lang="fr">' in page
    assert "La langue est enregistrée." in page
    assert "Éditions" in client.get("/").text
    assert "Revue de presse" in client.get("/").text
    refused = client.post("/account/language", data={"language": "xx", "csrf_token": token})
    assert refused.status_code == 400
    assert "Choisissez l'une des langues proposées." in html.unescape(refused.text)
    done = client.post("/account/language", data={"language": "", "csrf_token": token})
    assert done.status_code == 303
    assert '<html lang="es">' in client.get("/", headers={"Accept-Language": "es"}).text


def every_page(site: Site, admin: TestClient) -> list[tuple[str, str]]:
    """Every page of the app under its policy (the e-mail shown in the preview's frame and
    the CSV export carry their own, checked in test_preview.py and test_audit.py)."""
    pages = [("/login", site.client().get("/login").text)]
    for case in ROUTES:
        if case.method == "GET" and case.path != "/login":
            url = case.concrete(site.edition_ids["press-review/draft"])
            answer = admin.get(url)
            if "'unsafe-inline'" not in answer.headers["content-security-policy"] and \
                    answer.headers["content-type"].startswith("text/html"):  # not /metrics, .ics
                pages.append((url, answer.text))
    pages.append(("/nowhere", admin.get("/nowhere").text))
    return pages


def test_no_page_has_inline_script_style_or_handlers(site: Site, admin: TestClient) -> None:
    for url, text in every_page(site, admin):
        assert "<html" in text, url
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text), url
        assert not re.search(r"<style", text), url
        assert not re.search(r"\sstyle=", text), url
        assert not re.search(r"\son[a-z]+=", text), url
        assert not re.search(r"\shx-on", text), url


def test_every_answer_carries_the_security_headers(site: Site, admin: TestClient) -> None:
    answers = [admin.get("/"), site.client().get("/login"), admin.get("/nowhere"),
               admin.get("/static/app.css"), admin.post("/", data={}),
               admin.get("/editions/999999")]
    for answer in answers:
        headers = answer.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "camera=()" in headers["permissions-policy"]
        assert headers["x-frame-options"] == "DENY"
        assert "server" not in headers
    assert admin.get("/").headers["cache-control"] == "no-store"


def test_static_files_are_versioned_and_cached(admin: TestClient) -> None:
    page = admin.get("/").text
    links = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert {link.split("?")[0] for link in links} == {
        "/static/favicon.svg", "/static/app.css", "/static/htmx.min.js", "/static/app.js"}
    for link in links:
        answer = admin.get(link)
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "public, max-age=31536000, immutable"
        again = admin.get(link, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304
    assert admin.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    assert admin.get("/static/app.css?v=old").headers["cache-control"] == "no-cache"
    assert "Zero-Clause BSD" in admin.get("/static/htmx.LICENSE.txt").text


@pytest.mark.parametrize("path", [
    "/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
    "/static/%2e%2e%2f%2e%2e%2fpyproject.toml", "/static/app.css%00", "/static/app.css%00.js",
    "/static/../templates/base.html", "/static/..%5capp.py", "/static//etc/passwd",
    "/static/%2fetc%2fpasswd", "/static/%2e/app.css%2e", "/static/APP.CSS", "/static/",
    "/static/app.css/", "/static/%2e%2e", "/static/%c0%ae%c0%ae/app.py",
])
def test_path_tricks_on_static_files_find_nothing(admin: TestClient, path: str) -> None:
    answer = admin.get(path)
    assert answer.status_code == 404, (path, answer.status_code)
    assert "import" not in answer.text and "root:" not in answer.text


def test_a_too_large_or_broken_form_is_refused_cleanly(site: Site) -> None:
    client = site.client()
    token = sign_in(client, "editor")
    big = client.post("/account/language", data={"language": "fr", "csrf_token": token,
                                                  "padding": "x" * (3 * 1024 * 1024)})
    assert big.status_code == 413
    broken = client.post("/account/language", content=b"--x\r\nnot multipart",
                         headers={"Content-Type": "multipart/form-data; boundary=x",
                                  "X-CSRF-Token": token})
    assert broken.status_code in (400, 403)
    assert client.get("/account").status_code == 200


def test_wrong_method_is_a_clean_405(site: Site, admin: TestClient) -> None:
    token = csrf_of(admin.get("/account").text)
    answer = admin.post("/", data={"csrf_token": token})
    assert answer.status_code == 405
    assert "<html" in answer.text
