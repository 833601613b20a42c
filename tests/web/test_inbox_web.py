"""The inbox through HTTP as an editor uses it: candidates with why they are there and their
texts' states, tabs, filters and orders from allowlists only (ADVERSARIAL 16), accept and
reject one by one (htmx or a plain form) or ticked together, near misses pulled in, labels
corrected, comments; hostile text shown literally (ADVERSARIAL 14, 15)."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from pipeline.store.models import Classification, Comment, EditionItem
from tests.web.conftest import Site, sign_in

HOSTILE = "<script>alert(1)</script> {{ config }} </mj-text><mj-raw> \u202eevil\u202c"


@pytest.fixture(scope="module")
def editor(site: Site) -> tuple[TestClient, str]:
    client = site.client()
    return client, sign_in(client, "editor")


def in_edition(site: Site, item_id: int) -> str | None:
    with site.app.session(readonly=True) as db:
        return db.scalar(select(EditionItem.section).where(
            EditionItem.item_id == item_id,
            EditionItem.edition_id == site.edition_ids["press-review/draft"]))


def labels(site: Site, item_id: int) -> tuple[bool, str | None, list[str]]:
    with site.app.session(readonly=True) as db:
        row = db.get(Classification, item_id)
        assert row is not None
        return row.relevant, row.corrected_by, list(row.themes)


def row_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-nav-item id="item-(\d+)"', page)]


def test_the_inbox_shows_why_each_item_is_there(editor: tuple[TestClient, str]) -> None:
    client, _token = editor
    page = client.get("/inbox").text
    assert row_ids(page) == [122, 121, 120]  # newest first
    assert re.search(r"To decide <span class=\"count\">3</span>", page)
    assert re.search(r"Near misses <span class=\"count\">4</span>", page)
    assert "Why is this here?" in page and 'hx-get="/inbox/items/120?part=why"' in page
    assert "<span class=\"code\">ES</span> not translated yet" in page
    assert "<bdi>désertification</bdi>, <bdi>changement climatique</bdi>" in page  # rules' terms
    assert 'data-key="a"' in page and 'data-key="r"' in page and 'data-key="e"' in page
    near = client.get("/inbox?tab=near&sort=score").text
    assert len(row_ids(near)) == 4 and "Pull in" in near and "to check" in near
    accepted = client.get("/inbox?tab=accepted").text
    assert "feed summary only" in accepted and "robots.txt disallows" in accepted
    why = client.get("/inbox/items/130?part=why").text
    assert "<html" not in why and "Relevance decided by the relevance model" in why
    assert "Probability" in why and "Against" in why


@pytest.mark.parametrize("query", [
    "theme=soil-carbon%27%20OR%20%271%27%3D%271", "sort=title%3B%20DROP%20TABLE%20items",
    "sort=published_at", "region=..%2Fetc", "lang=xx", "source=nope%27--", "page=0",
    "page=1%20OR%201%3D1", "tab=all", "publication=%3Cscript%3E",
])
def test_filters_and_orders_outside_the_allowlists_are_refused(
        site: Site, editor: tuple[TestClient, str], query: str) -> None:
    client, _token = editor
    before = site.snapshot()
    answer = client.get(f"/inbox?{query}")
    assert answer.status_code == 400
    assert "This filter or order is not one the inbox offers." in answer.text
    assert site.snapshot() == before


def test_filters_orders_and_a_literal_search(editor: tuple[TestClient, str]) -> None:
    client, _token = editor
    food = client.get("/inbox?theme=food-security").text
    assert row_ids(food) == [121, 120]
    assert row_ids(client.get("/inbox?sort=title").text) == [122, 120, 121]
    assert row_ids(client.get("/inbox?sort=oldest").text) == [120, 121, 122]
    assert row_ids(client.get("/inbox?lang=es").text) == [122]
    source = re.search(r'<option value="([^"]+)">CIMMYT \(Centro', food)
    assert source is not None
    assert row_ids(client.get("/inbox", params={"source": source.group(1)}).text) == [122]
    for text in ("' OR 1=1 --", "%", "_"):
        page = client.get("/inbox", params={"q": text}).text
        assert row_ids(page) == [] and "Nothing here with these filters." in page
        shown = re.search(r'<input type="search" name="q" value="([^"]*)"', page)
        assert shown is not None and html.unescape(shown.group(1)) == text
    assert row_ids(client.get("/inbox", params={"q": "Puebla"}).text) == [122]


def test_accept_and_reject_one_by_one_or_ticked_together(
        site: Site, editor: tuple[TestClient, str]) -> None:
    client, token = editor
    fragment = client.post("/inbox/items/120/accept", headers={"HX-Request": "true"},
                           data={"csrf_token": token, "publication": "press-review"})
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith("<tr")
    assert "Accepted into “Food security”." in fragment.text
    assert in_edition(site, 120) == "theme-food-security"
    again = client.post("/inbox/items/120/accept", headers={"HX-Request": "true"},
                        data={"csrf_token": token})
    assert "Already in the edition." in again.text
    plain = client.post("/inbox/items/121/reject", data={
        "csrf_token": token, "next": "/inbox?tab=pending&theme=food-security"})
    assert plain.status_code == 303
    assert plain.headers["location"] == "/inbox?tab=pending&theme=food-security"
    assert labels(site, 121)[:2] == (False, "editor")
    off_site = client.post("/inbox/items/122/reject", data={"csrf_token": token,
                                                             "next": "//evil.example/x"})
    assert off_site.headers["location"] == "/inbox"
    ticked = client.post("/inbox/bulk", data={"csrf_token": token, "action": "accept",
                                              "item": ["130", "131"], "next": "/inbox?tab=near"})
    assert ticked.status_code == 303
    assert labels(site, 130)[:2] == (True, "editor") and in_edition(site, 130)
    assert in_edition(site, 131)
    before = site.snapshot()
    for bad in ({"action": "accept", "item": "1 OR 1=1"}, {"action": "drop", "item": "132"},
                {"action": "reject", "item": ["132", "x'--"]}):
        assert client.post("/inbox/bulk", data={"csrf_token": token, **bad}).status_code == 400
    assert site.snapshot() == before
    page = client.get("/inbox?tab=rejected").text
    assert 121 in row_ids(page) and "labelled by editor" in page


def test_labels_and_comments_with_hostile_text(site: Site,
                                               editor: tuple[TestClient, str]) -> None:
    client, token = editor
    done = client.post("/inbox/items/132/labels", data={
        "csrf_token": token, "relevant": "yes", "primary": "policy",
        "theme": ["policy", "finance"], "region": ["europe", "africa"]})
    assert done.status_code == 303
    assert labels(site, 132) == (True, "editor", ["policy", "finance"])
    page = client.get("/inbox/items/132?done=labels").text
    assert "The classifier will never relabel this item." in page
    assert "Corrected by editor" in page
    before = site.snapshot()
    for bad in ({"relevant": "maybe"}, {"relevant": "yes", "primary": "' OR 1=1"},
                {"relevant": "no", "region": "mars"}):
        refused = client.post("/inbox/items/132/labels", data={"csrf_token": token, **bad})
        assert refused.status_code == 400
    assert site.snapshot() == before
    said = client.post("/items/132/comments", data={"csrf_token": token, "body": HOSTILE,
                                                    "next": "/inbox/items/132#comments"})
    assert said.status_code == 303 and said.headers["location"] == "/inbox/items/132#comments"
    page = client.get("/inbox/items/132").text
    assert "<script>alert(1)</script>" not in page and "<mj-raw>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ config }} &lt;/mj-text&gt;" in page
    with site.app.session(readonly=True) as db:
        assert db.scalar(select(Comment.body).where(Comment.item_id == 132)) == HOSTILE
    empty = client.post("/items/132/comments", data={"csrf_token": token, "body": "  "})
    assert empty.status_code == 400


def test_hostile_titles_are_isolated_and_escaped(editor: tuple[TestClient, str]) -> None:
    client, _token = editor
    page = client.get("/inbox/items/100").text
    assert "<bdi>&lt;script&gt;alert(1)&lt;/script&gt; {{ config }}" in page
    assert "<script>alert(1)</script>" not in page
