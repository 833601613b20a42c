"""Approval in-process: each language refused while a text is missing or unreviewed (the
items listed, each a link), accepted explicitly (audited item by item), then the edition, its
content frozen with a hash; a later edit undoes what it touches and returns the edition to
review; the command line's approval freezes the same way."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.draft.fingerprint import edition_fingerprint, language_fingerprints
from pipeline.errors import EditionError
from pipeline.jobs.approval import check_frozen
from pipeline.jobs.editions import approve, current_plan
from pipeline.permissions import Actor
from pipeline.states import Role
from pipeline.store.models import AuditEntry, Edition, ItemText, LanguageApproval
from tests.web.conftest import Site, sign_in


@pytest.fixture(scope="module")
def approver(site: Site) -> tuple[TestClient, str]:
    client = site.client()
    return client, sign_in(client, "approver")


def edition(site: Site) -> Edition:
    with site.app.session(readonly=True) as db:
        row = db.get(Edition, site.edition_ids["press-review/draft"])
        assert row is not None
        return row


def approvals(site: Site) -> dict[str, LanguageApproval]:
    with site.app.session(readonly=True) as db:
        return {a.lang: a for a in db.scalars(select(LanguageApproval).where(
            LanguageApproval.edition_id == site.edition_ids["press-review/draft"]))}


def audit(site: Site, action: str) -> list[AuditEntry]:
    with site.app.session(readonly=True) as db:
        return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)
                               .order_by(AuditEntry.id)))


def texts_in(site: Site, lang: str) -> dict[int, str]:
    with site.app.session(readonly=True) as db:
        return {t.item_id: str(t.state) for t in db.scalars(
            select(ItemText).where(ItemText.lang == lang))}


def test_an_editor_sees_the_approval_page_without_its_buttons(site: Site) -> None:
    client = site.client()
    sign_in(client, "editor")
    page = client.get(f"/editions/{site.edition_ids['press-review/draft']}/approval").text
    assert "<h1>Approval</h1>" in page and "3 machine texts not reviewed" in page
    assert "/approval/fr\"" not in page and "Approve the edition" not in page


def test_a_language_is_refused_while_a_text_is_missing_even_when_accepting(
        site: Site, approver: tuple[TestClient, str]) -> None:
    client, token = approver
    edition_id = site.edition_ids["press-review/draft"]
    with site.app.session() as db:
        row = db.scalar(select(ItemText).where(ItemText.item_id == 105,
                                               ItemText.lang == "fr"))
        assert row is not None
        row.state = "needs_translation"
    before = site.snapshot()
    refused = client.post(f"/editions/{edition_id}/approval/fr",
                          data={"accept_machine": "yes", "csrf_token": token})
    assert refused.status_code == 409
    assert "FR cannot be approved: some texts have no translation at all." in \
        html.unescape(refused.text)
    assert f'href="/editions/{edition_id}/translations/105#lang-fr"' in refused.text
    assert site.snapshot() == before
    with site.app.session() as db:
        row = db.scalar(select(ItemText).where(ItemText.item_id == 105,
                                               ItemText.lang == "fr"))
        assert row is not None
        row.state = "machine"


def test_languages_then_the_edition_frozen_then_reopened_by_a_change(
        site: Site, approver: tuple[TestClient, str]) -> None:
    client, token = approver
    edition_id = site.edition_ids["press-review/draft"]
    page = client.get(f"/editions/{edition_id}/approval").text
    assert "3 machine texts not reviewed" in page

    # Refused while machine texts remain: the page lists them, each a link to its review.
    before = site.snapshot()
    refused = client.post(f"/editions/{edition_id}/approval/es", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "ES cannot be approved yet" in refused.text
    linked = set(re.findall(rf'href="/editions/{edition_id}/translations/(\d+)#lang-es"',
                            refused.text))
    unreviewed_es = {str(i) for i, state in texts_in(site, "es").items() if state == "machine"}
    assert linked == unreviewed_es and linked
    assert site.snapshot() == before

    # Accepted explicitly: audited item by item; reviewed texts become approved.
    reviewed_es = [i for i, state in texts_in(site, "es").items() if state == "reviewed"]
    done = client.post(f"/editions/{edition_id}/approval/es",
                       data={"accept_machine": "yes", "csrf_token": token})
    assert done.status_code == 303
    accepted = {e.target for e in audit(site, "translation.accepted")}
    assert accepted == {f"item:{i}:es" for i in unreviewed_es}
    assert all(e.actor == "approver" for e in audit(site, "translation.accepted"))
    es_now = texts_in(site, "es")
    assert all(es_now[i] == "approved" for i in reviewed_es)
    assert edition(site).status == "in_review"
    assert approvals(site)["es"].approved_by == "approver"

    # The edition waits for its three languages.
    waiting = client.post(f"/editions/{edition_id}/approval", data={"csrf_token": token})
    assert waiting.status_code == 409 and "Approve each language first." in waiting.text
    for lang in ("fr", "en"):
        assert client.post(f"/editions/{edition_id}/approval/{lang}", data={
            "accept_machine": "yes", "csrf_token": token}).status_code == 303
    approved = client.post(f"/editions/{edition_id}/approval", data={"csrf_token": token})
    assert approved.status_code == 303
    frozen = edition(site)
    with site.app.session(readonly=True) as db:
        plan = current_plan(db, frozen)
        assert check_frozen(db, frozen) == frozen.content_hash
    assert frozen.status == "approved" and frozen.approved_by == "approver"
    assert frozen.content_hash == edition_fingerprint(language_fingerprints(plan))
    page = client.get(f"/editions/{edition_id}/approval?done=edition").text
    assert frozen.content_hash in page and "The edition is approved." in page

    # An editor changes one Spanish text: Spanish and the edition go back to review.
    editor = site.client()
    editor_token = sign_in(editor, "editor")
    item = next(iter(reviewed_es))
    with site.app.session(readonly=True) as db:
        version = db.scalar(select(ItemText.version).where(ItemText.item_id == int(item),
                                                           ItemText.lang == "es"))
    saved = editor.post(f"/editions/{edition_id}/translations/{item}/es", data={
        "title": "Un título nuevo", "summary": "Un resumen nuevo.", "version": str(version),
        "csrf_token": editor_token})
    assert saved.status_code == 303
    reopened = edition(site)
    assert (reopened.status, reopened.content_hash, reopened.approved_by) == (
        "in_review", None, None)
    assert set(approvals(site)) == {"fr", "en"}
    revoked = audit(site, "language.approval_revoked")
    assert [(e.actor, e.target) for e in revoked] == [("editor", f"edition:{edition_id}:es")]
    moved = audit(site, "edition.in_review")[-1]
    assert moved.actor == "editor" and moved.details["reason"] == "text edited"
    with site.app.session(readonly=True) as db, pytest.raises(EditionError):
        check_frozen(db, edition(site))
    page = client.get(f"/editions/{edition_id}/approval").text
    assert "Not approved yet." in page  # Spanish, again

    # The command line approves every language at once and freezes the same way.
    marie = Actor("approver", Role.APPROVER)
    approve(site.app, marie, edition_id, accept_machine=True)
    again = edition(site)
    assert again.status == "approved" and again.content_hash
    assert set(approvals(site)) == {"fr", "en", "es"}
    with site.app.session(readonly=True) as db:
        assert check_frozen(db, again) == again.content_hash
