"""The ambassador portal through the web app: a text and a link reach the team translated,
the statuses an ambassador sees, returns with a comment; and the bad input of issue 16:
hostile HTML and template syntax in every field (ADVERSARIAL 14-15), links to private
addresses or other schemes refused before any request, a 5 MB summary, a flood of
submissions from one account, another region's submission reached by changing an id."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from pipeline.jobs.editions import draft
from pipeline.jobs.submissions import process_submissions
from pipeline.permissions import SYSTEM
from pipeline.states import EditionStatus, ItemOrigin, TextState
from pipeline.store.editions import get_edition, mark_archived, move_edition
from pipeline.store.models import AuditEntry, Classification, Item, ItemText, Submission
from pipeline.store.users import add_user
from tests.collect.server import LocalServer, start_server, stop_server
from tests.translate.conftest import require_apertium
from tests.web.conftest import PASSWORD, Site, make_site, sign_in

pytestmark = pytest.mark.apertium
ARTICLE = (Path(__file__).resolve().parents[1] / "data" / "collect" / "articles"
           / "es__ladiaria.com.uy-productor.html").read_bytes()
HOSTILE = ('<script>alert(1)</script><img src=x onerror=alert(2)> {{ config }} {% for x in y %}'
           '</mj-text><mj-include path="https://evil.example/x"/><mj-raw>'
           '<a href="javascript:alert(3)">x</a> <iframe srcdoc="<b>">')
SPANISH_TITLE = "Agricultores de Kenia mejoran la salud del suelo con agroforestería"
SPANISH_SUMMARY = ("Un proyecto de agroforestería en el oeste de Kenia ha aumentado el carbono "
                   "orgánico del suelo y los rendimientos de maíz de mil agricultores.")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    require_apertium()
    made = make_site(tmp_path_factory.mktemp("portal"), translation_engines=("apertium",))
    with made.app.session() as db:
        add_user(db, "amb-asia", "ambassador", PASSWORD, "asia")
        add_user(db, "amb-africa-2", "ambassador", PASSWORD, "africa")
    try:
        yield made
    finally:
        made.app.close()


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    local = start_server()
    local.add("/robots.txt", b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"})
    local.add("/nota", ARTICLE, headers={"Content-Type": "text/html; charset=utf-8"})
    try:
        yield local
    finally:
        stop_server(local)


def submit(client: TestClient, token: str, **fields: str) -> object:
    form = {"kind": "text", "lang": "es", "csrf_token": token, **fields}
    return client.post("/portal/submissions", data=form)


def newest_submission(site: Site, user: str) -> Submission:
    from pipeline.store.models import User

    with site.app.session(readonly=True) as db:
        user_id = db.scalar(select(User.id).where(User.name == user))
        row = db.scalar(select(Submission).where(Submission.user_id == user_id)
                        .order_by(Submission.id.desc()).limit(1))
        assert row is not None
        db.expunge(row)
        return row


def texts_of(site: Site, item_id: int) -> dict[str, ItemText]:
    with site.app.session(readonly=True) as db:
        rows = db.scalars(select(ItemText).where(ItemText.item_id == item_id)).all()
        for row in rows:
            db.expunge(row)
        return {row.lang: row for row in rows}


def badges(page: str) -> list[str]:
    return re.findall(r'<span class="badge badge-(\w+)">', page)


def test_a_spanish_text_reaches_the_team_translated_with_the_ambassadors_hints(
        site: Site) -> None:
    client = site.client()
    token = sign_in(client, "ambassador")
    done = submit(client, token, title=SPANISH_TITLE, summary=SPANISH_SUMMARY,
                  theme="practices", region="europe")  # the account's region wins
    assert done.status_code == 303 and done.headers["location"] == "/portal?done=received"
    row = newest_submission(site, "ambassador")
    assert row.region == "africa" and row.item_id is not None
    texts = texts_of(site, row.item_id)
    assert texts["es"].state == TextState.ORIGINAL and texts["es"].title == SPANISH_TITLE
    for lang in ("fr", "en"):
        assert texts[lang].state == TextState.MACHINE
        assert (texts[lang].engine or "").startswith("apertium")
    assert "agroforesterie" in texts["fr"].summary and "agroforestry" in texts["en"].summary
    with site.app.session(readonly=True) as db:
        item = db.get(Item, row.item_id)
        labels = db.get(Classification, row.item_id)
        assert item is not None and labels is not None
        assert item.origin == ItemOrigin.SUBMISSION and item.source_id is None
        assert labels.relevant and labels.regions[0] == "africa"
        assert labels.themes[0] == "practices"
    page = client.get("/portal?done=received").text
    assert "Received, thank you." in page
    assert badges(page)[0] == "in_inbox"
    team = site.client()
    sign_in(team, "editor")
    detail = team.get(f"/submissions/{row.id}").text
    assert 'data-lang="fr"' in detail and html.escape(texts["fr"].title) in detail


def test_hostile_html_and_template_syntax_stay_text_everywhere(site: Site) -> None:
    client = site.client()
    token = sign_in(client, "ambassador")
    answer = submit(client, token, title=HOSTILE[:300], summary=HOSTILE * 3,
                    image_url="https://images.example.org/a.jpg?<script>",
                    image_credit=HOSTILE[:300])
    assert answer.status_code == 303
    row = newest_submission(site, "ambassador")
    assert row.title == HOSTILE[:300]  # stored as typed: it is text, not markup
    team = site.client()
    sign_in(team, "editor")
    pages = [client.get("/portal").text, client.get(f"/portal/submissions/{row.id}").text,
             team.get("/submissions").text, team.get(f"/submissions/{row.id}").text]
    for page in pages:
        assert "<script>alert(1)" not in page and "<img src=x" not in page
        assert "<mj-include" not in page and "<iframe" not in page
        assert 'href="javascript:' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "{{ config }} {% for x in y %}" in html.unescape(page)


def test_a_link_is_collected_once_and_a_second_ambassador_is_a_second_source(
        site: Site, server: LocalServer) -> None:
    client = site.client()
    token = sign_in(client, "ambassador")
    url = server.url("/nota")
    assert submit(client, token, kind="link", url=url).status_code == 303
    first = newest_submission(site, "ambassador")
    assert first.item_id is not None and not first.duplicate
    with site.app.session(readonly=True) as db:
        item = db.get(Item, first.item_id)
        assert item is not None
        assert item.title.startswith("Productor fumigó con glifosato")
        assert "Paso Centurión" in item.body
    assert set(texts_of(site, first.item_id)) == {"fr", "en", "es"}
    other = site.client()
    other_token = sign_in(other, "amb-africa-2")
    again = submit(other, other_token, kind="link", url=url + "?utm_source=whatsapp")
    assert again.headers["location"] == "/portal?done=duplicate"
    second = newest_submission(site, "amb-africa-2")
    assert second.item_id == first.item_id and second.duplicate
    assert "you are added as a second source" in other.get("/portal?done=duplicate").text
    with site.app.session(readonly=True) as db:
        assert db.scalar(select(func.count()).select_from(Item)
                         .where(Item.canonical_url.like("%/nota"))) == 1
    assert server.paths().count("/nota") == 1  # the second submission fetched nothing


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, TestClient, str]]:
    """A site fetching as production does: public addresses only."""
    made = make_site(tmp_path_factory.mktemp("strict"), loopback_only=False,
                     allow_private_addresses=False)
    client = made.client()
    token = sign_in(client, "ambassador")
    try:
        yield made, client, token
    finally:
        made.app.close()


@pytest.mark.parametrize("link", [
    "http://127.0.0.1:{port}/nota", "http://localhost:{port}/nota", "http://[::1]:{port}/nota",
    "http://2130706433:{port}/nota", "http://0x7f.0.0.1:{port}/nota",
    "http://127.1:{port}/nota", "http://[::ffff:127.0.0.1]:{port}/nota",
    "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/", "http://[fd00::1]/",
    "http://100.64.0.1/", "file:///etc/passwd", "ftp://127.0.0.1:{port}/nota",
    "gopher://127.0.0.1:{port}/", "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "http://user:secret@127.0.0.1:{port}/nota",
])
def test_private_addresses_and_other_schemes_are_refused_before_any_request(
        strict: tuple[Site, TestClient, str], server: LocalServer, link: str) -> None:
    site, client, token = strict
    seen = len(server.requests)
    before = site.snapshot()["submissions"]
    for kind, field in (("link", "url"), ("text", "image_url")):
        answer = submit(client, token, kind=kind, title="T", summary="S",
                        **{field: link.format(port=server.port)})
        assert answer.status_code == 400
        assert "only public http and https" in answer.text or \
            "public http or https address" in answer.text
    assert len(server.requests) == seen
    assert site.snapshot()["submissions"] == before


def test_a_huge_summary_is_refused_and_nothing_is_stored(site: Site) -> None:
    client = site.client()
    token = sign_in(client, "amb-asia")
    before = site.snapshot()["submissions"]
    answer = submit(client, token, title="Big", summary="x" * (5 * 1024 * 1024))
    assert answer.status_code == 413
    answer = submit(client, token, title="Long", summary="y" * 5_001)
    assert answer.status_code == 400
    assert "The summary is too long (at most 5000 characters)." in answer.text
    assert 'value="Long"' in answer.text  # what was typed is kept in the form
    assert site.snapshot()["submissions"] == before


def test_an_ambassador_never_reaches_another_ambassadors_submission(site: Site) -> None:
    mine = site.client()
    token = sign_in(mine, "amb-asia")
    assert submit(mine, token, title="Rice terraces", summary="News from Asia.").status_code \
        == 303
    own = newest_submission(site, "amb-asia")
    assert mine.get(f"/portal/submissions/{own.id}").status_code == 200
    other_region = newest_submission(site, "ambassador")
    same_region = newest_submission(site, "amb-africa-2")
    for submission_id in (other_region.id, 1):
        assert mine.get(f"/portal/submissions/{submission_id}").status_code == 403
    neighbour = site.client()
    sign_in(neighbour, "amb-africa-2")
    assert neighbour.get(f"/portal/submissions/{other_region.id}").status_code == 403
    assert neighbour.get(f"/portal/submissions/{same_region.id}").status_code == 200
    assert neighbour.get("/portal/submissions/999999").status_code == 404
    listed = mine.get("/portal").text
    assert "Rice terraces" in listed and "Productor fumigó" not in listed
    for team_page in ("/submissions", f"/submissions/{own.id}", "/", "/admin/users"):
        assert mine.get(team_page).status_code == 403


def test_the_ambassador_sees_each_outcome_in_their_language(site: Site) -> None:
    ambassador = site.client()
    token = sign_in(ambassador, "ambassador")
    ambassador.post("/account/language", data={"language": "es", "csrf_token": token})
    assert submit(ambassador, token, title="Segunda noticia de Kenia",
                  summary="Un vivero de árboles en Kisumu.").status_code == 303
    returned = newest_submission(site, "ambassador")
    editor = site.client()
    editor_token = sign_in(editor, "editor")
    refused = editor.post(f"/submissions/{returned.id}/return",
                          data={"comment": "  ", "csrf_token": editor_token})
    assert refused.status_code == 400
    done = editor.post(f"/submissions/{returned.id}/return", data={
        "comment": "¿Qué pueblo? <b>Añada</b> la fuente.", "next": f"/submissions/{returned.id}",
        "csrf_token": editor_token})
    assert done.headers["location"] == f"/submissions/{returned.id}?done=returned"
    # The first text goes into an edition (drafted as the scheduler would), which is sent
    # and archived: its status becomes "published" with the archive page.
    edition = draft(site.app, SYSTEM, "press-review")
    first = next(r for r in ambassador_rows(site) if r.title == SPANISH_TITLE)
    page = ambassador.get("/portal").text
    assert "En una edición" in page
    with site.app.session() as db:
        row = get_edition(db, edition.id)
        for status in (EditionStatus.IN_REVIEW, EditionStatus.APPROVED, EditionStatus.SENDING,
                       EditionStatus.SENT):
            move_edition(db, row, status, actor=SYSTEM)
        mark_archived(db, edition.id, actor=SYSTEM, files=3)
    page = ambassador.get("/portal").text
    assert '<html lang="es">' in page
    assert "Publicado" in page and "Devuelto" in page
    assert "¿Qué pueblo? &lt;b&gt;Añada&lt;/b&gt; la fuente." in page
    assert re.search(rf'href="http://127.0.0.1:8000/archive/press-review/es/[0-9-]+-'
                     rf'{edition.id}.html"', page)
    assert first.item_id is not None
    with site.app.session(readonly=True) as db:
        actions = db.scalars(select(AuditEntry.action)
                             .where(AuditEntry.target == f"submission:{returned.id}")).all()
    assert list(actions) == ["submission.received", "submission.returned"]


def ambassador_rows(site: Site) -> list[Submission]:
    from pipeline.store.models import User

    with site.app.session(readonly=True) as db:
        user_id = db.scalar(select(User.id).where(User.name == "ambassador"))
        rows = list(db.scalars(select(Submission).where(Submission.user_id == user_id)))
        for row in rows:
            db.expunge(row)
        return rows


def test_a_flood_is_rate_limited_and_nothing_accepted_is_lost(tmp_path: Path) -> None:
    """1,000 submissions in a row from one account: the hourly limit's worth is accepted and
    every one of those reaches the inbox; the rest are refused (429) and stored nowhere."""
    flooded = make_site(tmp_path, submissions_in_web=False, translation_engines=("apertium",))
    try:
        client = flooded.client()
        token = sign_in(client, "ambassador")
        statuses = [submit(client, token, title=f"Noticia {n}",
                           summary=f"Los agricultores de la aldea {n} plantan árboles.").status_code
                    for n in range(1000)]
        limit = flooded.app.settings.submissions_per_hour
        accepted = limit - 1  # the site's own submission of the ambassador counts too
        assert statuses[:accepted] == [303] * accepted
        assert set(statuses[accepted:]) == {429}
        report = process_submissions(flooded.app)
        assert (report.collected, report.failed, report.processed) == (limit, 0, limit)
        with flooded.app.session(readonly=True) as db:
            assert db.scalar(select(func.count()).select_from(Submission)) == limit
            assert db.scalar(select(func.count()).select_from(Item)
                             .where(Item.origin == ItemOrigin.SUBMISSION)) == limit
        page = client.get("/portal").text
        assert badges(page).count("in_inbox") == limit
    finally:
        flooded.app.close()
