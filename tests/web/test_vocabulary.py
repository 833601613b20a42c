"""The taxonomy and glossary pages: an edit previewed on recent items, saved to the team's
copy (the bundled file untouched, its comments kept in the copy), read by processing and
translation from then on, refused when invalid or when the file changed meanwhile,
audited."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.classify.taxonomy import DEFAULT_TAXONOMY_PATH
from pipeline.config import load_sources
from pipeline.jobs.process import classify_pending
from pipeline.records import CollectedItem, ItemText
from pipeline.states import ItemOrigin, TextState
from pipeline.store.items import upsert_items
from pipeline.store.models import AuditEntry
from pipeline.store.processing import PendingItem
from pipeline.store.sources import sync_sources
from pipeline.teamfiles import bundled_glossary_path, glossary_path, taxonomy_path, team_taxonomy
from pipeline.translate import build_translator
from tests.translate.conftest import require_apertium
from tests.web.conftest import Site, make_site, sign_in

SEED_BANKS = ("Les agriculteurs du Sahel créent des banques de semences paysannes",
              "Dans les exploitations agricoles du Sénégal et du Mali, les agriculteurs gardent "
              "leurs semences dans des banques de semences paysannes gérées par les villages.")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("vocabulary"))
    now_at = datetime.now(UTC)
    items = [CollectedItem(source_id="local-feed", url=f"https://example.org/{n}",
                           canonical_url=f"https://example.org/{n}", title=title,
                           fetched_at=now_at, content_hash=f"sha256:{n:064d}", summary=text,
                           body=text, lang_hint="fr")
             for n, (title, text) in enumerate([SEED_BANKS, (
                 "Le prix du blé", "Le prix du blé monte à Chicago.")])]
    with made.app.session() as db:
        sync_sources(db, load_sources(made.app.settings.sources_path))
        upsert_items(db, items, ItemOrigin.FEED)
    try:
        yield made
    finally:
        made.app.close()


@pytest.fixture(scope="module")
def editor(site: Site) -> tuple[TestClient, str]:
    client = site.client()
    return client, sign_in(client, "editor")


def form_of(page: str) -> dict[str, str]:
    fields = dict(re.findall(r'<textarea id="[a-z_]+" name="([a-z_]+)"[^>]*>([^<]*)</textarea>',
                             page))
    digest = re.search(r'name="digest" value="([^"]+)"', page)
    assert digest
    return {**{k: html.unescape(v) for k, v in fields.items()}, "digest": digest.group(1)}


def audit(site: Site, action: str) -> list[AuditEntry]:
    with site.app.session(readonly=True) as db:
        rows = list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))
        for row in rows:
            db.expunge(row)
        return rows


def seed_item() -> PendingItem:
    return PendingItem(id=1, source_id=None, title=SEED_BANKS[0], summary=SEED_BANKS[1],
                       body=SEED_BANKS[1], lang_hint="fr", source_lang="fr")


def test_a_taxonomy_edit_is_previewed_saved_and_used_by_processing(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    bundled = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    copy = site.app.settings.resolved_data_dir / "taxonomy.toml"
    assert "finance" not in classify_pending(seed_item(), None,
                                             team_taxonomy(site.app.settings)).themes
    form = form_of(client.get("/taxonomy/finance").text)
    assert form["exclude_fr"] == "banque de semences\nbanque de gènes"
    form["strong_fr"] += "\nbanques de semences paysannes"
    form["exclude_fr"] = "banque de gènes"  # seed banks are finance news after all
    preview = client.post("/taxonomy/finance/preview", data={**form, "csrf_token": token})
    assert preview.status_code == 200, preview.text
    assert re.search(r"\d+ recent items checked:", preview.text)
    assert "1 would change." in preview.text
    assert SEED_BANKS[0] in preview.text and "Le prix du blé" not in preview.text
    assert not copy.exists()  # a preview writes nothing
    saved = client.post("/taxonomy/finance", data={**form, "csrf_token": token})
    assert saved.headers["location"] == "/taxonomy/finance?done=saved"
    assert DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8") == bundled
    assert taxonomy_path(site.app.settings) == copy
    edited = copy.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(bundled.splitlines(), edited.splitlines(), strict=True)
               if a != b]
    assert len(changed) == 2
    assert changed[0][1].endswith('"banques de semences paysannes"]')
    assert changed[1][1] == 'exclude.fr = ["banque de gènes"]'
    assert "# Taxonomy of the press review" in edited
    assert "finance" in classify_pending(seed_item(), None,
                                         team_taxonomy(site.app.settings)).themes
    [entry] = audit(site, "taxonomy.edited")
    assert entry.actor == "editor" and entry.target == "taxonomy:finance"
    assert entry.details["added"] == {"strong.fr": ["banques de semences paysannes"]}
    assert entry.details["removed"] == {"exclude.fr": ["banque de semences"]}
    assert "Saved." in client.get("/taxonomy/finance?done=saved").text


def test_an_invalid_or_stale_taxonomy_edit_writes_nothing(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    form = form_of(client.get("/taxonomy/policy").text)
    before = taxonomy_path(site.app.settings).read_bytes()
    bad = client.post("/taxonomy/policy", data={**form, "strong_en": "the\nof",
                                                "csrf_token": token})
    assert bad.status_code == 400
    assert "themes.policy.strong.en[0]: has only stop words" in bad.text
    long = client.post("/taxonomy/policy", data={**form, "keywords_es": "x" * 200,
                                                 "csrf_token": token})
    assert long.status_code == 400 and "One term a line" in long.text
    other = site.client()
    other_token = sign_in(other, "approver")
    first = form_of(other.get("/taxonomy/policy").text)
    assert other.post("/taxonomy/policy", data={**first, "keywords_en": "parliament",
                                                "csrf_token": other_token}).status_code == 303
    after_first = taxonomy_path(site.app.settings).read_bytes()
    assert after_first != before
    stale = client.post("/taxonomy/policy", data={**form, "csrf_token": token})
    assert stale.status_code == 409 and "nothing was written" in stale.text
    assert taxonomy_path(site.app.settings).read_bytes() == after_first
    assert client.get("/taxonomy/nothing").status_code == 404


@pytest.mark.apertium
def test_a_glossary_term_is_previewed_saved_and_translation_keeps_it(
        site: Site, editor: tuple[TestClient, str]) -> None:
    require_apertium()
    client, token = editor
    bundled = bundled_glossary_path().read_text(encoding="utf-8")
    page = client.get("/glossary/new").text
    digest = form_of(page)["digest"]
    term = {"en": "farmers' seed banks", "fr": "banques de semences paysannes",
            "es": "bancos de semillas campesinas"}
    preview = client.post("/glossary/new", data={**term, "preview": "1", "digest": digest,
                                                 "csrf_token": token})
    assert re.search(r"\d+ recent items checked:", preview.text)
    assert "2 would change." in preview.text  # the seed-bank item, into English and Spanish
    assert "banques de semences paysannes → farmers' seed banks" in html.unescape(preview.text)
    refused = client.post("/glossary/new", data={"en": "only one", "digest": digest,
                                                 "csrf_token": token})
    assert refused.status_code == 400 and "at least two languages" in refused.text
    saved = client.post("/glossary/new", data={**term, "digest": digest, "csrf_token": token})
    assert saved.headers["location"] == "/glossary?done=saved"
    copy = glossary_path(site.app.settings)
    assert copy == site.app.settings.resolved_data_dir / "glossary.toml"
    text = copy.read_text(encoding="utf-8")
    assert text.startswith(bundled)
    assert text[len(bundled):] == ('\n[[terms]]\nen = "farmers\' seed banks"\n'
                                   'fr = "banques de semences paysannes"\n'
                                   'es = "bancos de semillas campesinas"\n')
    assert bundled_glossary_path().read_text(encoding="utf-8") == bundled
    translator = build_translator(("apertium",), glossary_path=glossary_path(site.app.settings))
    [english] = translator.translate_items([ItemText(lang="fr", title=SEED_BANKS[0],
                                                     summary=SEED_BANKS[1],
                                                     origin=TextState.ORIGINAL)], "en")
    assert "farmers' seed banks" in english.summary.lower()
    [entry] = audit(site, "glossary.term_added")
    assert entry.details["term"]["fr"] == "banques de semences paysannes"
    listing = client.get("/glossary").text
    index = listing.count('<tr data-nav-item>') - 1
    removed = client.post(f"/glossary/{index}/delete",
                          data={"digest": form_of(client.get(f"/glossary/{index}").text)[
                              "digest"], "csrf_token": token})
    assert removed.headers["location"] == "/glossary?done=deleted"
    assert copy.read_text(encoding="utf-8").rstrip("\n") == bundled.rstrip("\n")
    assert client.get("/glossary/9999").status_code == 404


def test_the_names_kept_are_edited_too(site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    page = client.get("/glossary").text
    keep = html.unescape(re.search(r'<textarea id="keep" name="keep"[^>]*>([^<]*)</textarea>',
                                   page).group(1))  # type: ignore[union-attr]
    done = client.post("/glossary/keep", data={"keep": keep + "\nCIRAD\nICARDA",
                                               "digest": form_of(page)["digest"],
                                               "csrf_token": token})
    assert done.status_code == 303
    text = glossary_path(site.app.settings).read_text(encoding="utf-8")
    assert '"ICARDA"' in text and text.count('"CIRAD"') == 1
    [entry] = audit(site, "glossary.keep_edited")
    assert entry.details["added"] == ["ICARDA"]
