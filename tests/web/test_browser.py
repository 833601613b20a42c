"""The app in a real headless Chromium, served by uvicorn on 127.0.0.1: sign in, the start
page, keyboard shortcuts, changing language (through htmx too), signing out; the content
security policy must not be violated by the app's own pages. And raw request paths, as no
client library would normalise them, against the same server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipeline.web.server import serve_in_thread
from tests.web.conftest import PASSWORD, Site, make_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    made = make_site(tmp_path_factory.mktemp("live"))
    try:
        with serve_in_thread(made.asgi) as base_url:
            yield made, base_url
    finally:
        made.app.close()


@pytest.fixture
def page(browser: Any, live: tuple[Site, str]) -> Iterator[Any]:
    """A fresh browser context (its own cookies) in English, recording problems."""
    context = browser.new_context(locale="en-GB", extra_http_headers={
        "Accept-Language": "en-GB,en;q=0.9"})
    tab = context.new_page()
    tab.problems = []  # console errors and warnings (CSP, header problems), page errors
    tab.on("console", lambda m: tab.problems.append(m.text)
           if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    tab.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")
    try:
        yield tab
    finally:
        context.close()


def sign_in(page: Any, base_url: str, name: str) -> None:
    page.goto(f"{base_url}/")
    assert page.url.startswith(f"{base_url}/login?next=")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("load")


def test_sign_in_read_editions_change_language_and_sign_out(page: Any,
                                                              live: tuple[Site, str]) -> None:
    _site, base_url = live
    sign_in(page, base_url, "editor")
    assert page.url == f"{base_url}/"
    assert page.text_content("h1") == "Editions"
    assert page.locator("table.list tbody tr").count() == 3
    assert page.evaluate("typeof htmx") == "object"  # the vendored htmx loaded under the CSP

    # Keyboard: j selects the first row, Enter opens it; g then a goes to the account.
    page.keyboard.press("j")
    assert "is-current" in (page.get_attribute("[data-nav-item]", "class") or "")
    page.keyboard.press("?")
    assert page.evaluate("document.getElementById('shortcuts').open") is True
    page.keyboard.press("Escape")
    assert page.evaluate("document.getElementById('shortcuts').open") is False
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}/editions/*")
    assert "Press Review" in page.text_content("h1")
    page.keyboard.press("g")
    page.keyboard.press("a")
    page.wait_for_url(f"{base_url}/account")

    # Change the language with the form: the whole interface follows.
    page.check("input[name=language][value=fr]")
    page.click("text=Save the language")
    page.wait_for_url(f"{base_url}/account?done=language")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.text_content("[role=status]") == "La langue est enregistrée."
    assert page.text_content("nav a[href='/']") == "Éditions"

    # And through htmx: its request carries the CSRF token from the meta tag (app.js).
    status = page.evaluate("""() => new Promise(resolve => {
        document.body.addEventListener('htmx:afterRequest',
            e => resolve(e.detail.xhr.status), {once: true});
        htmx.ajax('POST', '/account/language', {values: {language: 'es'}, swap: 'none'});
    })""")
    assert status == 200  # the 303 was followed to the account page
    page.reload()
    assert page.get_attribute("html", "lang") == "es"

    # Sign out: back to the form, and the start page asks to sign in again.
    page.click("nav button[type=submit]")
    page.wait_for_url(f"{base_url}/login")
    page.goto(f"{base_url}/")
    assert page.url.startswith(f"{base_url}/login?next=")
    assert page.problems == []


def test_a_forged_cross_site_form_changes_nothing(page: Any, live: tuple[Site, str]) -> None:
    """A page on another origin posting to the app (the browser sends the session cookie
    only with top-level navigations under SameSite=Lax, and the Origin header says where it
    comes from): refused."""
    site, base_url = live
    sign_in(page, base_url, "admin")
    before = site.snapshot()
    other_origin = base_url.replace("127.0.0.1", "localhost")
    page.goto(f"{other_origin}/login")  # any page of the other origin will do
    page.evaluate(f"""() => {{
        const form = document.createElement('form');
        form.method = 'post';
        form.action = '{base_url}/account/language';
        const field = document.createElement('input');
        field.name = 'language'; field.value = 'fr';
        form.appendChild(field);
        document.body.appendChild(form);
        form.submit();
    }}""")
    page.wait_for_load_state("load")
    assert site.snapshot() == before


RAW_PATHS = ["/static/../pipeline/web/app.py", "/static/../../pyproject.toml",
             "/static/%2e%2e/%2e%2e/pyproject.toml", "/static/..%2f..%2fpyproject.toml",
             "/static/app.css%00.txt", "/static/./../templates/base.html",
             "/static/..\\..\\pyproject.toml", "/static/%5c..%5cpyproject.toml",
             "/static/\u2025/app.py"]


@pytest.mark.parametrize("raw", RAW_PATHS)
def test_raw_path_tricks_on_the_real_server_find_nothing(live: tuple[Site, str],
                                                         raw: str) -> None:
    _site, base_url = live
    where = urlsplit(base_url)
    request = (f"GET {raw} HTTP/1.1\r\nHost: {where.netloc}\r\nConnection: close\r\n\r\n")
    with socket.create_connection((where.hostname, where.port), timeout=10) as connection:
        connection.sendall(request.encode("utf-8"))
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    status = int(received.split(b" ", 2)[1])
    assert status in (400, 404), (raw, received[:200])
    assert b"[project]" not in received and b"import " not in received
