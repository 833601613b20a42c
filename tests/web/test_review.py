"""The translation review in-process: texts worst first, one item side by side with its
flags, marked words, glossary terms and memory suggestions; a post-edit (reviewed, remembered
as a person's, never overwritten by the machine); two people saving the same text (the second
refused with both versions); states; hostile input (ADVERSARIAL 14-16, 18, 21)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.jobs.editions import current_plan
from pipeline.records import ItemText as ItemTextRecord
from pipeline.states import TextState
from pipeline.store.models import AuditEntry, Edition, ItemText, TranslationMemory
from pipeline.store.texts import save_item_text
from tests.web.conftest import Site, sign_in
from tests.web.flags import flag_texts


@pytest.fixture(scope="module")
def editor(site: Site) -> tuple[TestClient, str]:
    flag_texts(site.app)
    client = site.client()
    return client, sign_in(client, "editor")


def draft_id(site: Site) -> int:
    return site.edition_ids["press-review/draft"]


def entries_of(site: Site) -> list[str]:
    """The item ids of the draft Press Review, as the edition holds them now."""
    with site.app.session(readonly=True) as db:
        edition = db.get(Edition, draft_id(site))
        assert edition is not None
        return [entry.item_id for entry in current_plan(db, edition).entries]


def stored(site: Site, item_id: int, lang: str) -> ItemText:
    with site.app.session(readonly=True) as db:
        row = db.scalar(select(ItemText).where(ItemText.item_id == item_id,
                                               ItemText.lang == lang))
        assert row is not None
        return row


def set_text(site: Site, item_id: int, lang: str, **values: object) -> None:
    with site.app.session() as db:
        row = db.scalar(select(ItemText).where(ItemText.item_id == item_id,
                                               ItemText.lang == lang))
        assert row is not None
        for key, value in values.items():
            setattr(row, key, value)


def test_the_list_puts_the_worst_translations_first(site: Site,
                                                    editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    page = client.get(f"/editions/{draft_id(site)}/translations").text
    links = re.findall(r'href="/editions/\d+/translations/(\d+)"', page)
    # item 101 (es: numbers changed + unknown words) comes first, then 112 (en: wrong language)
    assert links[:2] == ["101", "112"]
    assert "numbers changed" in page and "wrong language" in page
    everything = client.get(f"/editions/{draft_id(site)}/translations?show=all").text
    entries = len(entries_of(site))
    assert len(re.findall(r"data-nav-item", everything)) == entries
    assert len(re.findall(r"data-nav-item", page)) < entries  # fully reviewed items left out
    for hostile in ("' OR 1=1 --", "all%00", "<script>"):  # an allowlist: anything else is todo
        other = client.get(f"/editions/{draft_id(site)}/translations", params={"show": hostile})
        assert other.status_code == 200
        assert len(re.findall(r"data-nav-item", other.text)) == len(re.findall(
            r"data-nav-item", page))


def test_an_item_side_by_side_marks_suspicious_words_and_glossary_terms(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, _ = editor
    set_text(site, 101, "es", summary="Una cuatromilésima parte del 40 % de los suelos, "
             "lanzada por Francia con el millième de carbono.",
             flags=["numbers_changed", "unknown_words"])
    page = client.get(f"/editions/{draft_id(site)}/translations/101").text
    assert "Original · <span lang=\"fr\">français</span>" in page
    assert 'id="lang-en"' in page and 'id="lang-es"' in page and 'id="lang-fr"' not in page
    assert '<mark class="mark-number" title="number not in the original">40</mark>' in page
    assert '<mark class="mark-unknown" title="word left untranslated">millième</mark>' in page
    assert '<mark class="mark-term" title="glossary term">4 por 1000</mark>' in page
    assert '<span lang="fr">4 pour 1000</span> → <strong lang="es">4 por 1000</strong>' in page
    assert "numbers changed" in page and "unknown words" in page
    assert 'data-key="n"' in page and f"Text 1 of {len(entries_of(site))}," in page


def test_a_post_edit_is_reviewed_remembered_as_human_and_never_overwritten(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    before = stored(site, 103, "es")
    assert before.state == TextState.MACHINE
    answer = client.post(f"/editions/{draft_id(site)}/translations/103/es", data={
        "title": "Apoyar la transición agrícola en Nueva Caledonia",
        "summary": "Un resumen corregido por una persona.", "version": str(before.version),
        "csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["location"].endswith("?done=saved#lang-es")
    after = stored(site, 103, "es")
    assert (after.state, after.edited_by, after.reviewed_by) == ("reviewed", "editor", "editor")
    assert after.summary == "Un resumen corregido por una persona."
    assert after.flags == []
    page = client.get(answer.headers["location"]).text
    assert "Saved. The text is now reviewed." in page
    with site.app.session(readonly=True) as db:
        memory = db.scalar(select(TranslationMemory).where(
            TranslationMemory.target_text == "Un resumen corregido por una persona."))
        audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "text.edited",
                                                   AuditEntry.target == "item:103:es"))
    assert memory is not None and memory.origin == "reviewed"
    assert (memory.source_lang, memory.target_lang) == ("fr", "es")
    assert audit is not None and audit.actor == "editor"
    # The machine's next pass leaves the person's wording alone.
    with site.app.session() as db:
        kept = save_item_text(db, 103, ItemTextRecord(
            lang="es", title="máquina", summary="máquina", origin=TextState.MACHINE))
    assert kept is False
    assert stored(site, 103, "es").summary == "Un resumen corregido por una persona."


def test_the_second_of_two_concurrent_saves_is_refused_with_both_versions(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    colleague = site.client()
    colleague_token = sign_in(colleague, "approver")
    version = stored(site, 106, "fr").version
    url = f"/editions/{draft_id(site)}/translations/106/fr"
    first = colleague.post(url, data={"title": "Titre de la collègue", "summary": "Sa version.",
                                      "version": str(version), "csrf_token": colleague_token})
    assert first.status_code == 303
    before = site.snapshot()
    second = client.post(url, data={"title": "Mon titre", "summary": "Ma version.",
                                    "version": str(version), "csrf_token": token})
    assert second.status_code == 409
    text = html.unescape(second.text)
    assert re.search(r"approver changed this text at \w{3} \d+, \d{4}, [\d:]+\s[AP]M UTC", text)
    assert "Saved version (theirs)" in text and "Titre de la collègue" in text
    assert "Your version (not saved)" in text and "Ma version." in text
    assert "Save my version over theirs" in text
    assert site.snapshot() == before, "the refused save changed something"
    assert stored(site, 106, "fr").title == "Titre de la collègue"
    # Saving again on top of theirs is a deliberate choice: it carries their version.
    newer = re.search(r'name="version" value="(\d+)"', second.text.split('id="lang-fr"')[1])
    assert newer and int(newer.group(1)) == stored(site, 106, "fr").version
    again = client.post(url, data={"title": "Mon titre", "summary": "Ma version.",
                                   "version": newer.group(1), "csrf_token": token})
    assert again.status_code == 303
    assert stored(site, 106, "fr").title == "Mon titre"


def test_states_follow_the_machine_and_approving_a_text_needs_the_right(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    url = f"/editions/{draft_id(site)}/translations/112/fr/state"
    version = stored(site, 112, "fr").version
    marked = client.post(url, data={"to": "needs_editing", "version": str(version),
                                    "csrf_token": token})
    assert marked.status_code == 303
    assert stored(site, 112, "fr").state == "needs_editing"
    refused = client.post(url, data={"to": "approved", "version": str(version + 1),
                                     "csrf_token": token})
    assert refused.status_code == 403  # an editor reviews; approvers approve
    stale = client.post(url, data={"to": "reviewed", "version": str(version),
                                   "csrf_token": token})
    assert stale.status_code == 409
    reviewed = client.post(url, data={"to": "reviewed", "version": str(version + 1),
                                      "csrf_token": token})
    assert reviewed.status_code == 303
    row = stored(site, 112, "fr")
    assert (row.state, row.reviewed_by) == ("reviewed", "editor")
    for bad in ({"to": "original"}, {"to": "machine"}, {"to": "'; DROP TABLE item_texts; --"}):
        assert client.post(url, data={**bad, "csrf_token": token}).status_code == 400


HOSTILE = [
    "<script>alert(document.cookie)</script>",
    '<img src=x onerror="alert(1)"> <a href="javascript:alert(1)">x</a>',
    "{{ config }} {% for x in range(9) %}x{% endfor %} </mj-text><mj-include path=\"x\"/>",
    "'; DROP TABLE item_texts; -- \" OR 1=1",
    "\u202eevil\u202c title",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_hostile_text_is_stored_literally_and_shown_escaped(
        site: Site, editor: tuple[TestClient, str], hostile: str) -> None:
    client, token = editor
    url = f"/editions/{draft_id(site)}/translations/108/fr"
    version = stored(site, 108, "fr").version
    answer = client.post(url, data={"title": hostile, "summary": f"{hostile}\x00 end",
                                    "version": str(version), "csrf_token": token})
    assert answer.status_code == 303
    row = stored(site, 108, "fr")
    assert row.summary == f"{hostile} end"  # NUL dropped, the rest kept as typed
    assert "\u202e" not in row.title  # bidi controls never stay in a title
    page = client.get(f"/editions/{draft_id(site)}/translations/108").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert 'href="javascript' not in page
    assert row.summary in html.unescape(page)  # shown as typed, as text


def test_an_empty_title_is_refused_and_the_typed_text_kept(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    before = site.snapshot()
    answer = client.post(f"/editions/{draft_id(site)}/translations/109/fr",
                         data={"title": "   ", "summary": "Gardé tel quel", "csrf_token": token})
    assert answer.status_code == 400
    assert "A text needs a title." in answer.text and "Gardé tel quel" in answer.text
    assert site.snapshot() == before


@pytest.mark.parametrize("url", [
    "/editions/{e}/translations/999999", "/editions/999999/translations/101",
    "/editions/999999/translations", "/editions/{e}/translations/101/xx",
    "/editions/{e}/translations/101/..%2Fes", "/editions/{e}/translations/101/es%00",
    "/editions/{e}/translations/..%2F..%2Faudit", "/editions/{e}/translations/101/../es",
])
def test_unknown_or_tricky_addresses_find_nothing(site: Site, editor: tuple[TestClient, str],
                                                 url: str) -> None:
    client, token = editor
    url = url.replace("{e}", str(draft_id(site)))
    before = site.snapshot()
    assert client.get(url).status_code in (404, 405)
    assert client.post(url, data={"title": "x", "to": "reviewed",
                                  "csrf_token": token}).status_code in (404, 405)
    assert site.snapshot() == before


def test_an_item_of_another_edition_cannot_be_edited_through_this_one(
        site: Site, editor: tuple[TestClient, str]) -> None:
    """Changing the item id in the address (ADVERSARIAL 18): an item the edition does not
    hold is a 404, whatever the item."""
    client, token = editor
    other = site.edition_ids["newsletter/approved"]
    before = site.snapshot()
    answer = client.post(f"/editions/{other}/translations/106/es",
                         data={"title": "x", "csrf_token": token})
    assert answer.status_code == 404
    assert site.snapshot() == before
