"""The inbox and the edition editor in a real headless Chromium: a keyboard-only run through
the near misses (j/k, a, r, x, e); then an editor's session (filter the inbox, reject an
item, pull a near miss in, reorder entries with the buttons and by drag and drop, edit a
Spanish summary while a colleague saves the same text first: refused, both versions shown).
No page may log a console error or a CSP violation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from pipeline.store.models import Classification, EditionItem, ItemText
from pipeline.web.server import serve_in_thread
from tests.web.conftest import PASSWORD, Site, make_site

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    made = make_site(tmp_path_factory.mktemp("editor-live"))
    try:
        with serve_in_thread(made.asgi) as base_url:
            yield made, base_url
    finally:
        made.app.close()


def open_page(browser: Any) -> Any:
    context = browser.new_context(locale="en-GB", extra_http_headers={
        "Accept-Language": "en-GB,en;q=0.9"}, viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.problems = []
    tab.on("console", lambda m: tab.problems.append(m.text)
           if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda e: tab.problems.append(str(e)))
    tab.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));")
    return tab


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    tab = open_page(browser)
    try:
        yield tab
    finally:
        tab.context.close()


def sign_in(page: Any, base_url: str, name: str, start: str = "/inbox") -> None:
    page.goto(f"{base_url}{start}")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("load")


def section_of(site: Site, item_id: int) -> str | None:
    with site.app.session(readonly=True) as db:
        return db.scalar(select(EditionItem.section).where(
            EditionItem.item_id == item_id,
            EditionItem.edition_id == site.edition_ids["press-review/draft"]))


def relevant(site: Site, item_id: int) -> tuple[bool, str | None]:
    with site.app.session(readonly=True) as db:
        row = db.get(Classification, item_id)
        assert row is not None
        return row.relevant, row.corrected_by


def order(page: Any, section: str) -> list[int]:
    return [int(i) for i in page.eval_on_selector_all(
        f"#section-{section} li[data-item]", "els => els.map(e => e.dataset.item)")]


def test_keyboard_only_through_the_near_misses(page: Any, live: tuple[Site, str]) -> None:
    site, base_url = live
    sign_in(page, base_url, "editor", "/")
    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url(f"{base_url}/inbox")
    page.goto(f"{base_url}/inbox?tab=near&sort=oldest")
    rows = page.eval_on_selector_all("tr[data-nav-item]", "els => els.map(e => e.id)")
    assert rows == ["item-130", "item-131", "item-132", "item-133"]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.get_attribute("#item-130", "aria-current") == "true"
    page.keyboard.press("a")  # pull item 130 in
    page.wait_for_selector("#item-130.done")
    assert "Accepted into" in page.text_content("#item-130")
    assert page.get_attribute("#item-131", "aria-current") == "true"
    page.keyboard.press("r")  # reject item 131
    page.wait_for_selector("#item-131.done")
    assert "Rejected: marked not relevant." in page.text_content("#item-131")
    page.keyboard.press("x")
    assert page.is_checked("#item-132 input[name=item]")
    page.keyboard.press("j")
    page.keyboard.press("e")
    page.wait_for_url(f"{base_url}/inbox/items/133#edit")
    assert relevant(site, 130) == (True, "editor") and section_of(site, 130)
    assert relevant(site, 131) == (False, "editor") and section_of(site, 131) is None
    page.keyboard.press("?")
    assert page.is_visible("#shortcuts") and "accept / reject" in page.text_content("#shortcuts")
    assert page.problems == []


def test_an_editors_session_in_the_inbox_and_the_editor(browser: Any, page: Any,
                                                        live: tuple[Site, str]) -> None:
    site, base_url = live
    sign_in(page, base_url, "editor")
    # Filter (the list is sent as soon as it changes), then reject an item.
    page.select_option("select[name=lang]", "es")
    page.wait_for_url(re.compile(r".*lang=es.*"))
    assert page.eval_on_selector_all("tr[data-nav-item]", "els => els.map(e => e.id)") == [
        "item-122"]
    page.click("#item-122 button:has-text('Reject')")
    page.wait_for_selector("#item-122.done")
    assert relevant(site, 122) == (False, "editor")
    # Pull a near miss in with one click.
    page.goto(f"{base_url}/inbox?tab=near")
    page.click("#item-132 button:has-text('Pull in')")
    page.wait_for_selector("#item-132.done")
    assert relevant(site, 132) == (True, "editor") and section_of(site, 132)

    # Reorder with the buttons (htmx swaps the editor), then by drag and drop.
    page.click("text=Open it in the editor")
    page.wait_for_url(re.compile(r".*/editions/\d+/editor$"))
    first, second, third, *_ = order(page, "theme-practices")
    page.click(f"#entry-{first} button[aria-label='Move down']")
    first_entry = page.locator("#section-theme-practices li[data-item]").first
    expect(first_entry).to_have_attribute("data-item", str(second))
    assert order(page, "theme-practices")[:3] == [second, first, third]
    page.drag_and_drop(f"#entry-{third} .handle", f"#entry-{second}",
                       target_position={"x": 40, "y": 4})
    expect(first_entry).to_have_attribute("data-item", str(third))
    assert order(page, "theme-practices")[:3] == [third, second, first]
    with site.app.session(readonly=True) as db:
        stored = list(db.scalars(select(EditionItem.item_id).where(
            EditionItem.edition_id == site.edition_ids["press-review/draft"],
            EditionItem.section == "theme-practices").order_by(EditionItem.position)))
    assert stored[:3] == [third, second, first]
    carbon = order(page, "theme-soil-carbon")
    page.drag_and_drop(f"#entry-{carbon[0]} .handle", "#section-theme-initiative ol")
    page.wait_for_selector(f"#section-theme-initiative #entry-{carbon[0]}")
    assert section_of(site, carbon[0]) == "theme-initiative"

    # A Spanish summary: a colleague saves the same text first; mine is refused.
    page.click("nav[aria-label='Language of the texts'] >> text=español")
    page.wait_for_url(re.compile(r".*lang=es$"))
    target = order(page, "theme-practices")[0]
    page.click(f"#entry-{target} a:has-text('Edit the text (ES)')")
    page.wait_for_url(re.compile(rf".*/items/{target}/texts/es\?next=.*"))
    colleague = open_page(browser)
    try:
        sign_in(colleague, base_url, "approver", f"/items/{target}/texts/es")
        colleague.fill("#summary", "Resumen revisado por la colega.")
        colleague.click("button:has-text('Save')")
        colleague.wait_for_load_state("load")
        assert colleague.problems == []
    finally:
        colleague.context.close()
    page.fill("#summary", "Mi resumen en español.")
    page.click("button:has-text('Save')")
    page.wait_for_load_state("load")
    assert "approver changed this text at" in page.text_content("[role=alert]")
    assert "Resumen revisado por la colega." in page.text_content("main")
    assert page.input_value("#summary") == "Mi resumen en español."
    with site.app.session(readonly=True) as db:
        stored_text = db.scalar(select(ItemText.summary).where(ItemText.item_id == target,
                                                               ItemText.lang == "es"))
    assert stored_text == "Resumen revisado por la colega."
    page.click("button:has-text('Save mine in place of theirs')")
    page.wait_for_url(re.compile(rf".*/editor\?lang=es#entry-{target}$"))
    assert "Mi resumen en español." in page.text_content(f"#entry-{target}")
    # The refused save is a page answered with 409 Conflict, which Chromium logs as such.
    assert [p for p in page.problems if "status of 409 (Conflict)" not in p] == []
