"""End to end in headless Chromium, on the app served by uvicorn on 127.0.0.1: an admin
invites an ambassador (the invitation caught by a local aiosmtpd server), the ambassador
sets a password, submits a Spanish text and a link (served by a local HTTP server, fetched
under the loopback-only setting) and sees them received; an editor finds both translated
into French and English (Apertium), one goes into an edition and the other is returned with
a comment; the ambassador sees both outcomes. And an admin adds a source from the page: it
lands in sources.toml with the file's comments intact. No console error, no CSP violation."""

from __future__ import annotations

import email
import email.policy
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.jobs.editions import draft
from pipeline.permissions import SYSTEM
from pipeline.web.server import serve_in_thread
from tests.collect.server import LocalServer, start_server, stop_server
from tests.translate.conftest import require_apertium
from tests.web.conftest import PASSWORD, SOURCES_TOML, Site, make_site
from tests.web.smtp import Mailbox, smtp_server

pytestmark = [pytest.mark.browser, pytest.mark.apertium]
ARTICLE = (Path(__file__).resolve().parents[1] / "data" / "collect" / "articles"
           / "es__ladiaria.com.uy-productor.html").read_bytes()
FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Suelos</title><item>'
        b"<title>Suelos vivos en Uruguay</title><link>http://127.0.0.1/x</link>"
        b"<description>Un proyecto.</description></item></channel></rss>")
LUCIA_PASSWORD = "una contraseña bastante larga"


@pytest.fixture(scope="module")
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    local = start_server()
    local.add("/robots.txt", b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
    local.add("/nota", ARTICLE, headers={"Content-Type": "text/html; charset=utf-8"})
    local.add("/feed.xml", FEED, headers={"Content-Type": "application/rss+xml"})
    try:
        yield local
    finally:
        stop_server(local)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, mailbox: Mailbox
         ) -> Iterator[tuple[Site, str]]:
    require_apertium()
    made = make_site(tmp_path_factory.mktemp("portal-live"), smtp_url=mailbox.url,
                     translation_engines=("apertium",))
    try:
        with serve_in_thread(made.asgi) as base_url:
            yield made, base_url
    finally:
        made.app.close()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:
    """New browser contexts (their own cookies), each recording console problems."""
    contexts = []

    def make(locale: str = "en-GB") -> Any:
        context = browser.new_context(locale=locale, extra_http_headers={
            "Accept-Language": f"{locale},{locale[:2]};q=0.9"})
        contexts.append(context)
        tab = context.new_page()
        tab.problems = []
        tab.on("console", lambda m: tab.problems.append(m.text)
               if m.type in ("error", "warning") else None)
        tab.on("pageerror", lambda e: tab.problems.append(str(e)))
        tab.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")
        return tab

    try:
        yield make
    finally:
        for context in contexts:
            context.close()


def sign_in(tab: Any, base_url: str, name: str, password: str = PASSWORD) -> None:
    tab.goto(f"{base_url}/login")
    tab.fill("#name", name)
    tab.fill("#password", password)
    tab.click("button[type=submit].primary")
    tab.wait_for_load_state("load")


def statuses(tab: Any) -> list[str]:
    return [str(s) for s in tab.eval_on_selector_all(
        "table.list tbody .badge", "nodes => nodes.map(n => n.className.split('badge-')[1])")]


def wait_for(tab: Any, url: str, wanted: list[str], timeout_s: float = 180) -> None:
    """Reload ``url`` until the statuses shown are ``wanted`` (processing runs in the
    background after "Submit")."""
    deadline = time.monotonic() + timeout_s
    while True:
        tab.goto(url)
        if statuses(tab) == wanted or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert statuses(tab) == wanted


def test_invited_ambassador_submits_and_sees_what_the_team_did(
        live: tuple[Site, str], mailbox: Mailbox, server: LocalServer, open_page: Any) -> None:
    site, base_url = live
    admin = open_page()
    sign_in(admin, base_url, "admin")
    admin.click("nav a[href='/admin/users']")
    admin.fill("#invite-name", "Lucia")
    admin.fill("#invite-email", "lucia@example.org")
    admin.select_option("#invite-role", "ambassador")
    admin.select_option("#invite-region", "latin-america-caribbean")
    admin.select_option("#invite-language", "es")
    admin.click("text=Send the invitation")
    admin.wait_for_load_state("load")
    assert "The link was sent to lucia@example.org." in admin.text_content("[role=status]")

    [received] = [m for m in mailbox.messages if m.rcpt_tos == ["lucia@example.org"]]
    message = email.message_from_bytes(received.data, policy=email.policy.default)
    assert message["Subject"] == "Está invitado a las ediciones « 4 por 1000 »"
    link = re.search(r"/set-password/\S+", message.get_content())  # type: ignore[union-attr]
    assert link

    lucia = open_page("es-ES")
    lucia.goto(base_url + link.group(0))
    assert lucia.text_content("h1") == "Bienvenido"
    lucia.fill("#new", LUCIA_PASSWORD)
    lucia.fill("#confirm", LUCIA_PASSWORD)
    lucia.click("button[type=submit].primary")
    lucia.wait_for_url(f"{base_url}/portal")
    assert lucia.get_attribute("html", "lang") == "es"
    assert "América Latina y el Caribe" in lucia.text_content("main")

    lucia.check("input[name=kind][value=text]")
    lucia.fill("#title", "Productores de Canelones recuperan suelos degradados")
    lucia.fill("#summary", "Un grupo de productores de Canelones, en Uruguay, recupera "
                           "suelos degradados con cultivos de cobertura y rotaciones.")
    lucia.select_option("#lang", "es")
    lucia.select_option("#theme", "practices")
    lucia.click("button[type=submit].primary")
    lucia.wait_for_url(f"{base_url}/portal?done=received")
    assert lucia.text_content("[role=status]").startswith("Recibido, gracias.")
    lucia.check("input[name=kind][value=link]")
    lucia.fill("#url", server.url("/nota"))
    lucia.select_option("#lang", "es")
    lucia.click("button[type=submit].primary")
    lucia.wait_for_url(f"{base_url}/portal?done=received")
    assert lucia.text_content("[role=status]").startswith("Recibido, gracias.")
    wait_for(lucia, f"{base_url}/portal", ["in_inbox", "in_inbox"])

    editor = open_page()
    sign_in(editor, base_url, "editor")
    editor.click("nav a[href='/submissions']")
    rows = editor.locator("table.list tbody tr")
    assert rows.count() == 3  # the site's own and Lucia's two
    assert "Productor fumigó con glifosato" in rows.nth(0).text_content()
    editor.click("text=Productores de Canelones recuperan suelos degradados")
    for lang, words in (("fr", "Producteurs"), ("en", "Producers")):
        assert words in editor.text_content(f"dd[data-lang={lang}]")
    assert "Machine translation" in editor.text_content("dl.texts")
    # The week's edition is drafted (as the scheduler does): the text goes into it.
    draft(site.app, SYSTEM, "press-review")
    editor.goto(f"{base_url}/submissions")
    editor.click("text=Productor fumigó con glifosato")
    assert "Fumigator" in editor.text_content("dd[data-lang=en]") or \
        editor.text_content("dd[data-lang=en]")
    editor.keyboard.press("r")  # the comment field
    editor.keyboard.type("¿Hay una fuente oficial? Añada el departamento, por favor.")
    editor.click("text=Return to the ambassador")
    editor.wait_for_url(re.compile(r".*done=returned"))
    assert "returned to the ambassador" in editor.text_content("[role=status]")

    lucia.goto(f"{base_url}/portal")
    assert statuses(lucia) == ["returned", "in_edition"]
    main = lucia.text_content("main")
    assert "Devuelto" in main and "En una edición" in main
    assert "Comentario de editor: ¿Hay una fuente oficial? Añada el departamento" in main
    for tab in (admin, lucia, editor):
        assert tab.problems == []


def test_a_source_added_from_the_page_keeps_the_files_comments(
        live: tuple[Site, str], server: LocalServer, open_page: Any) -> None:
    site, base_url = live
    admin = open_page()
    sign_in(admin, base_url, "admin")
    admin.goto(f"{base_url}/admin/sources")
    admin.click("text=Add a source")
    admin.fill("#id", "suelos-uy")
    admin.fill("#name", "Suelos Uruguay")
    admin.fill("#url", server.url("/feed.xml"))
    admin.select_option("#lang", "es")
    admin.check("input[name=themes][value=soil-carbon]")
    admin.click("text=Try it")
    admin.wait_for_load_state("load")
    assert "Suelos vivos en Uruguay" in admin.text_content("#preview-title + *, main")
    admin.click("text=Save in sources.toml")
    admin.wait_for_url(f"{base_url}/admin/sources?done=added")
    text = site.app.settings.sources_path.read_text(encoding="utf-8")
    assert text.startswith(SOURCES_TOML)
    assert 'id = "suelos-uy"' in text and 'themes = ["soil-carbon"]' in text
    assert admin.problems == []
