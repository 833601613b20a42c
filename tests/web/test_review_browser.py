"""The review rooms end to end in a real headless Chromium against uvicorn on 127.0.0.1: an
editor post-edits a Spanish summary in the translation review (keyboard: n, Ctrl+Enter), a
colleague's concurrent edit is refused with both versions, an approver previews the e-mail
(desktop, phone, plain text), sends a test message that a local SMTP server receives, and
approves: refused first while machine texts remain, then accepted explicitly, then the
edition. No console error or CSP violation on any page, the e-mail's frame included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from email import message_from_bytes, policy
from typing import Any

import pytest
from sqlalchemy import select

from pipeline.app import App
from pipeline.store.models import Edition, ItemText
from pipeline.web.app import create_app
from pipeline.web.server import serve_in_thread
from tests.web.conftest import PASSWORD, Site, make_site
from tests.web.flags import flag_texts
from tests.web.smtp import Mailbox, smtp_server

pytestmark = pytest.mark.browser
SUMMARY = "Un resumen corregido a mano: la Gran Muralla Verde, 8.000 km de esperanza."


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str, Mailbox]]:
    made = make_site(tmp_path_factory.mktemp("review-live"))
    flag_texts(made.app)
    with smtp_server() as mailbox:
        app = App(replace(made.app.settings, smtp_url=mailbox.url))
        try:
            with serve_in_thread(create_app(app)) as base_url:
                yield made, base_url, mailbox
        finally:
            app.close()
            made.app.close()


def new_page(browser: Any) -> Any:
    """A browser context of its own (cookies), recording every problem of every frame."""
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda m: tab.problems.append(m.text)
           if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")
    return tab


def sign_in(page: Any, base_url: str, name: str, path: str) -> None:
    page.goto(f"{base_url}{path}")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(f"{base_url}{path}")


def stored(site: Site, item_id: int, lang: str) -> ItemText:
    with site.app.session(readonly=True) as db:
        row = db.scalar(select(ItemText).where(ItemText.item_id == item_id,
                                               ItemText.lang == lang))
        assert row is not None
        return row


def test_post_edit_conflict_preview_test_message_and_approval(
        browser: Any, live: tuple[Site, str, Mailbox]) -> None:
    site, base_url, mailbox = live
    edition_id = site.edition_ids["press-review/draft"]
    editor, colleague = new_page(browser), new_page(browser)

    # The editor opens the translations (g t from the edition), the worst text first.
    sign_in(editor, base_url, "editor", f"/editions/{edition_id}")
    editor.keyboard.press("g")
    editor.keyboard.press("t")
    editor.wait_for_url(f"{base_url}/editions/{edition_id}/translations")
    editor.keyboard.press("j")
    editor.keyboard.press("Enter")
    editor.wait_for_url(re.compile(r".*/translations/\d+$"))
    assert re.search(r"Text 1 of \d+,", editor.text_content(".pager") or "")
    item_id = int(editor.url.rsplit("/", 1)[1])
    assert editor.text_content("#lang-es .state") == "machine translation"
    assert "numbers changed" in (editor.text_content("#lang-es .flags") or "")
    editor.keyboard.press("n")  # the next text needing work, and back
    editor.wait_for_url(re.compile(r".*/translations/\d+$"))
    assert re.search(r"Text 2 of \d+,", editor.text_content(".pager") or "")
    editor.keyboard.press("p")
    editor.wait_for_url(f"{base_url}/editions/{edition_id}/translations/{item_id}")

    # A colleague has the same text open.
    sign_in(colleague, base_url, "approver", f"/editions/{edition_id}/translations/{item_id}")

    # The editor post-edits the Spanish summary and saves with Ctrl+Enter.
    editor.fill("#summary-es", SUMMARY)
    editor.focus("#summary-es")
    editor.keyboard.press("Control+Enter")
    editor.wait_for_url(re.compile(r".*\?done=saved#lang-es$"))
    assert editor.text_content("[role=status]") == "Saved. The text is now reviewed."
    assert editor.text_content("#lang-es .state") == "reviewed"
    assert (stored(site, item_id, "es").summary, stored(site, item_id, "es").edited_by) == (
        SUMMARY, "editor")

    # The colleague's save, made on the version they loaded, is refused with both versions.
    colleague.fill("#summary-es", "La versión de la colega.")
    colleague.click("#lang-es button.primary")
    colleague.wait_for_load_state("load")
    alert = colleague.text_content("#lang-es [role=alert]") or ""
    assert alert.startswith("editor changed this text at ")
    assert SUMMARY in colleague.text_content("#lang-es .version:not(.version-mine)")
    assert "La versión de la colega." in colleague.text_content("#lang-es .version-mine")
    assert stored(site, item_id, "es").summary == SUMMARY

    # The approver previews the Spanish e-mail: desktop, phone, plain text.
    colleague.goto(f"{base_url}/editions/{edition_id}/preview?lang=en")
    colleague.keyboard.press("3")  # español
    colleague.wait_for_url(re.compile(r".*lang=es&view=desktop$"))
    frame = colleague.frame_locator("iframe.frame")
    frame.locator("text=" + SUMMARY[:40]).wait_for()
    desktop = colleague.locator("iframe.frame").bounding_box()
    colleague.keyboard.press("m")
    colleague.wait_for_url(re.compile(r".*view=phone$"))
    frame.locator("text=" + SUMMARY[:40]).wait_for()
    phone = colleague.locator("iframe.frame").bounding_box()
    assert desktop and phone and phone["width"] == 375 < desktop["width"]
    assert colleague.evaluate(
        "() => { try { return document.querySelector('iframe').contentDocument === null } "
        "catch (e) { return true } }"), "the e-mail's frame must not share this origin"
    colleague.keyboard.press("x")
    colleague.wait_for_url(re.compile(r".*view=text$"))
    assert SUMMARY in " ".join((colleague.text_content("pre.plain") or "").split())

    # A test message to one's own address, received by the local SMTP server.
    colleague.fill("#to", "approver@example.org")
    colleague.click("text=Send the test in español")
    colleague.wait_for_url(re.compile(r".*sent=1$"))
    assert colleague.text_content("[role=status]") == "The test message in ES is sent."
    assert len(mailbox.messages) == 1
    received = mailbox.messages[0]
    assert received.rcpt_tos == ["approver@example.org"]
    assert b"\r\nSubject: [TEST] " in received.data
    message = message_from_bytes(received.data, policy=policy.default)
    html_part = message.get_body(("html",))  # type: ignore[attr-defined]
    text_part = message.get_body(("plain",))  # type: ignore[attr-defined]
    assert SUMMARY in html_part.get_content()
    assert SUMMARY in " ".join(text_part.get_content().split())

    # Approval: Spanish refused while machine texts remain, with links to each of them.
    colleague.click("nav.rooms >> text=Approval")
    colleague.wait_for_url(f"{base_url}/editions/{edition_id}/approval")
    colleague.click("text=Approve español")
    colleague.wait_for_load_state("load")
    refusal = colleague.text_content("#lang-es [role=alert]") or ""
    assert "ES cannot be approved yet" in refusal
    links = colleague.locator("#lang-es .blockers a")
    assert links.count() >= 1
    assert re.search(r"/translations/\d+#lang-es$", links.first.get_attribute("href") or "")
    # Then accepted explicitly, language by language, then the edition.
    for name, code in (("español", "es"), ("français", "fr"), ("English", "en")):
        box = colleague.locator(f"#lang-{code} input[name=accept_machine]")
        if box.count():
            box.check()
        colleague.click(f"text=Approve {name}")
        colleague.wait_for_url(re.compile(r".*done=language#lang-\w+$"))
        assert "Approved by approver" in colleague.text_content(f"#lang-{code}")
    colleague.click("text=Approve the edition")
    colleague.wait_for_url(re.compile(r".*done=edition$"))
    assert "The edition is approved." in colleague.text_content("[role=status]")
    with site.app.session(readonly=True) as db:
        edition = db.get(Edition, edition_id)
        assert edition is not None
        assert edition.status == "approved" and (edition.content_hash or "").startswith(
            "sha256:")

    # The two refusals answered 409 on purpose (Chromium logs every non-2xx page it loads);
    # nothing else went wrong: no script error, no CSP violation, in the e-mail's frame too.
    assert editor.problems == []
    assert colleague.problems == [
        "Failed to load resource: the server responded with a status of 409 (Conflict)"] * 2
