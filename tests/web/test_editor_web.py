"""The edition editor through HTTP: every section in order, entries moved and removed with
plain forms (no JavaScript) and through htmx, entries written by the team, the Newsletter's
blocks, a colleague's concurrent edit refused with both versions shown, a sent edition that
refuses changes; bad input in every form (ADVERSARIAL 14–16) and path tricks (21)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.store.models import BlockText, Edition, EditionBlock, Item, ItemText
from tests.web.conftest import Site, sign_in


@pytest.fixture(scope="module")
def editor(site: Site) -> tuple[TestClient, str]:
    client = site.client()
    return client, sign_in(client, "editor")


def entries_of(page: str, section: str) -> list[int]:
    body = page.split(f'id="section-{section}"', 1)[1].split("</section>", 1)[0]
    return [int(i) for i in re.findall(r'data-item="(\d+)"', body)]


def test_the_editor_shows_every_section_in_order(site: Site,
                                                 editor: tuple[TestClient, str]) -> None:
    client, _token = editor
    review = site.edition_ids["press-review/draft"]
    page = client.get(f"/editions/{review}/editor").text
    order = re.findall(r'<section class="group editor-section" id="section-([\w-]+)"', page)
    assert order == ["theme-initiative", "theme-soil-carbon", "theme-practices", "theme-policy",
                     "theme-finance", "theme-science", "theme-food-security",
                     "theme-land-restoration", "theme-other"]
    assert "No entry yet. Accept items from the inbox, or drag one here." in page
    assert "<bdi>&lt;script&gt;alert(1)&lt;/script&gt; {{ config }}" in page  # English first
    assert "<script>alert(1)</script>" not in page
    french = client.get(f"/editions/{review}/editor?lang=fr").text
    assert "&lt;script&gt;" not in french and "La Grande Muraille Verte" in french
    assert 'draggable="true"' in page and 'data-drop="theme-practices"' in page
    newsletter = client.get(f"/editions/{site.edition_ids['newsletter/approved']}/editor"
                            "?lang=es").text
    assert re.findall(r'id="section-([\w-]+)"', newsletter)[:8] == [
        "editorial", "initiative", "partners", "success-stories", "key-figures",
        "practical-sheets", "agenda", "from-the-press"]
    assert "This edition is approved: any change sends it back to review." in newsletter
    assert "Write a success story" in newsletter and "Add a key figure" in newsletter
    assert "/agenda/es.ics" in newsletter


def test_buttons_move_and_remove_entries_without_javascript(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    review = site.edition_ids["press-review/draft"]
    url = f"/editions/{review}/editor"
    first, second, *rest = entries_of(client.get(url).text, "theme-practices")
    moved = client.post(f"/editions/{review}/entries/{first}/move",
                        data={"csrf_token": token, "step": "down", "lang": "fr",
                              "section": "theme-practices"})
    assert moved.status_code == 303
    assert moved.headers["location"] == f"{url}?lang=fr#entry-{first}"
    assert entries_of(client.get(url).text, "theme-practices")[:2] == [second, first]
    across = client.post(f"/editions/{review}/entries/{first}/move", headers={
        "HX-Request": "true"}, data={"csrf_token": token, "section": "theme-other"},
        follow_redirects=True)
    assert across.status_code == 200 and 'id="editor"' in across.text
    assert entries_of(across.text, "theme-other") == [first]
    dropped = client.post(f"/editions/{review}/entries/{first}/move", data={
        "csrf_token": token, "section": "theme-practices", "before": str(second)})
    assert dropped.status_code == 303
    assert entries_of(client.get(url).text, "theme-practices")[:2] == [first, second]
    removed = client.post(f"/editions/{review}/entries/{rest[-1]}/remove",
                          data={"csrf_token": token})
    assert removed.status_code == 303
    assert rest[-1] not in entries_of(client.get(url).text, "theme-practices")
    gone = client.post(f"/editions/{review}/entries/{rest[-1]}/move",
                       data={"csrf_token": token, "step": "up"})
    assert gone.status_code == 409
    assert f"edition {review} has no entry for item {rest[-1]}" in gone.text
    before = site.snapshot()
    for bad in ({"step": "sideways"}, {"section": "theme-practices", "before": "1 OR 1=1"},
                {}):
        answer = client.post(f"/editions/{review}/entries/{first}/move",
                             data={"csrf_token": token, **bad})
        assert answer.status_code == 400
    refused = client.post(f"/editions/{review}/entries/{first}/move",
                          data={"csrf_token": token, "section": "theme-x'; DROP TABLE"})
    assert refused.status_code == 409
    assert site.snapshot() == before


def test_a_colleagues_concurrent_edit_is_refused_with_both_versions(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    colleague = site.client()
    colleague_token = sign_in(colleague, "approver")
    form = client.get("/items/102/texts/es?next=/editions/1/editor%3Flang%3Des").text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    theirs = colleague.get("/items/102/texts/es").text
    their_version = re.search(r'name="version" value="(\d+)"', theirs)
    assert their_version is not None and their_version.group(1) == version.group(1)
    saved = colleague.post("/items/102/texts/es", data={
        "csrf_token": colleague_token, "version": their_version.group(1),
        "title": "Título de la colega", "summary": "Resumen de la colega."})
    assert saved.status_code == 303
    refused = client.post("/items/102/texts/es", data={
        "csrf_token": token, "version": version.group(1), "title": "Mi título",
        "summary": "Mi resumen <b>audaz</b>.", "next": "/editions/1/editor?lang=es"})
    assert refused.status_code == 409
    page = refused.text
    assert "approver changed this text at" in page and "nothing was saved" in page
    assert "Título de la colega" in page and "Resumen de la colega." in page
    assert 'value="Mi título"' in page and "Mi resumen &lt;b&gt;audaz&lt;/b&gt;." in page
    with site.app.session(readonly=True) as db:
        stored = db.scalar(select(ItemText).where(ItemText.item_id == 102,
                                                  ItemText.lang == "es"))
        assert stored is not None
        assert (stored.title, stored.edited_by) == ("Título de la colega", "approver")
    newer = re.search(r'name="version" value="(\d+)"', page)
    assert newer is not None and int(newer.group(1)) > int(version.group(1))
    again = client.post("/items/102/texts/es", data={
        "csrf_token": token, "version": newer.group(1), "title": "Mi título",
        "summary": "Mi resumen.", "next": "/editions/1/editor?lang=es"})
    assert again.status_code == 303 and again.headers["location"] == "/editions/1/editor?lang=es"
    for bad_lang in ("xx", "es%00", "..%2Fes", "ES"):
        assert client.get(f"/items/102/texts/{bad_lang}").status_code == 404
    empty = client.post("/items/102/texts/es", data={"csrf_token": token, "title": " "})
    assert empty.status_code == 400 and "A text needs a title." in empty.text


def test_written_entries_and_blocks_with_bad_input(site: Site,
                                                   editor: tuple[TestClient, str]) -> None:
    client, token = editor
    newsletter = site.edition_ids["newsletter/approved"]
    base = f"/editions/{newsletter}"
    sql = "Robert'); DROP TABLE items;--"
    wrote = client.post(f"{base}/entries", data={
        "csrf_token": token, "section": "success-stories", "text_lang": "es", "title": sql,
        "summary": "<script>alert(1)</script>", "url": "https://example.org/story",
        "source_name": "{{ config }}"})
    assert wrote.status_code == 303
    with site.app.session(readonly=True) as db:
        item = db.scalar(select(Item).where(Item.title == sql))
        assert item is not None and item.publisher == "{{ config }}"
        assert db.get(Edition, newsletter).status == "in_review"  # type: ignore[union-attr]
    page = client.get(f"{base}/editor?lang=es").text
    assert "Robert&#39;); DROP TABLE items;--" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    before = site.snapshot()
    bad_forms = [
        (f"{base}/entries", {"section": "success-stories", "text_lang": "es", "title": "x",
                             "url": "javascript:alert(1)"}),
        (f"{base}/entries", {"section": "success-stories", "text_lang": "xx", "title": "x"}),
        (f"{base}/blocks", {"kind": "key-figure", "value": "lots", "title": "t"}),
        (f"{base}/blocks", {"kind": "key-figure", "value": "nan", "title": "t"}),
        (f"{base}/blocks", {"kind": "key-figure", "value": "4", "url": "data:text/html,x"}),
        (f"{base}/blocks", {"kind": "event", "title": "t", "starts_at": "next tuesday"}),
        (f"{base}/blocks", {"kind": "script", "title": "t"}),
    ]
    for url, data in bad_forms:
        answer = client.post(url, data={"csrf_token": token, **data})
        assert answer.status_code == 400, (url, data)
    assert "Links must start with https:// or http://." in client.post(
        f"{base}/blocks", data={"csrf_token": token, "kind": "key-figure", "value": "4",
                                "url": "javascript:alert(1)"}).text
    assert site.snapshot() == before
    added = client.post(f"{base}/blocks", data={
        "csrf_token": token, "kind": "key-figure", "value": "1,5", "lang": "fr",
        "title": "milliard d'hectares", "summary": "de terres dégradées <img src=x>",
        "url": "https://www.unccd.int/", "source_name": "UNCCD"})
    assert added.status_code == 303
    with site.app.session(readonly=True) as db:
        block = db.scalar(select(EditionBlock).where(EditionBlock.value == 1.5))
        assert block is not None
    page = client.get(f"{base}/editor?lang=fr").text
    assert "de terres dégradées &lt;img src=x&gt;" in page
    stale = client.post(f"{base}/blocks/{block.id}", data={
        "csrf_token": token, "kind": "key-figure", "value": "2", "lang": "fr",
        "title": "milliards", "summary": "x", "block_version": "0", "text_version": "1"})
    assert stale.status_code == 409
    assert "Someone changed this meanwhile" in stale.text and "Changed by" in stale.text
    event = client.post(f"{base}/blocks", data={
        "csrf_token": token, "kind": "event", "lang": "es", "title": "Día del suelo",
        "starts_at": "2027-03-02T09:30", "place": "Lima, Perú", "url": "https://4p1000.org/"})
    assert event.status_code == 303
    ics = client.get(f"{base}/agenda/es.ics")
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY;LANGUAGE=es:Día del suelo" in ics.text
    assert "DTSTART:20270302T093000Z" in ics.text and "LOCATION:Lima\\, Perú" in ics.text
    for trick in ("..%2f..%2fpyproject.toml", "xx.ics", "es.ics%00", "%2e%2e.ics"):
        assert client.get(f"{base}/agenda/{trick}").status_code == 404
    editorial = client.post(f"{base}/editorial", data={
        "csrf_token": token, "lang": "en", "block_id": "1", "text_version": "1",
        "title": "Editorial {% for x in y %}", "summary": "</mj-text><mj-include path=\"x\"/>"})
    assert editorial.status_code == 303
    with site.app.session(readonly=True) as db:
        text = db.scalar(select(BlockText).where(BlockText.block_id == 1, BlockText.lang == "en"))
        assert text is not None and text.title == "Editorial {% for x in y %}"


def test_a_sent_edition_refuses_every_change(site: Site,
                                             editor: tuple[TestClient, str]) -> None:
    client, token = editor
    sent = site.edition_ids["press-review/sent"]
    page = client.get(f"/editions/{sent}/editor").text
    assert "This edition is “Sent”: its content can no longer change." in page
    assert 'class="entry-tools"' not in page and 'hx-boost="true"' not in page
    [item] = re.findall(r'data-item="(\d+)"', page)
    before = site.snapshot()
    for url, data in ((f"/editions/{sent}/entries/{item}/move", {"step": "down"}),
                      (f"/editions/{sent}/entries/{item}/remove", {}),
                      (f"/editions/{sent}/entries", {"section": "theme-practices",
                                                     "text_lang": "fr", "title": "x"})):
        answer = client.post(url, data={"csrf_token": token, **data})
        assert answer.status_code == 409 and "can no longer change" in answer.text
    assert site.snapshot() == before
