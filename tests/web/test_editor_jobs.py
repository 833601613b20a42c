"""The inbox's and the edition editor's jobs on both databases: an edition's content lives in
rows and comes back the same through ``current_plan``; moves, removals, written entries and
blocks; texts and blocks refuse a change made on an older version; an approved edition goes
back to review and a sent one refuses changes; accepting a near miss and rejecting an item
store editor's labels that the relevance model's training reads; migration 0007 copies the
blocks of editions drafted before."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import func, select, text

from pipeline.app import App
from pipeline.errors import EditConflict, EditionError, PermissionDenied
from pipeline.jobs.editions import current_plan, render
from pipeline.jobs.editor import (
    BlockForm,
    add_block,
    move_entry,
    remove_entry,
    save_block,
    save_editorial,
    write_entry,
)
from pipeline.jobs.review import accept_items, comment_item, correct_labels, reject_items
from pipeline.jobs.texts import edit_text
from pipeline.permissions import Actor
from pipeline.records import Classification as Labels
from pipeline.settings import Settings
from pipeline.states import BlockKind, EditionStatus, ItemOrigin, ItemStatus, Role, TextState
from pipeline.store.blocks import load_blocks
from pipeline.store.comments import load_comments
from pipeline.store.db import alembic_config, create_db_engine
from pipeline.store.entries import load_placements
from pipeline.store.inbox import InboxQuery, count_inbox, list_inbox
from pipeline.store.models import AuditEntry, Edition, Item
from pipeline.store.processing import load_corrections, save_classification
from pipeline.store.texts import load_text
from tests.web.newsroom import store_week

EDITOR = Actor("edith", Role.EDITOR)
APPROVER = Actor("amal", Role.APPROVER)
AMBASSADOR = Actor("kofi", Role.AMBASSADOR, region="africa")
SINCE_AT = datetime(2026, 11, 1, tzinfo=UTC)
UNTIL_AT = datetime(2026, 11, 28, tzinfo=UTC)


@pytest.fixture
def app(database_url: str) -> Iterator[App]:
    made = App(Settings(database_url=database_url))
    with made.session() as db:
        made.ids = store_week(db, "A plain title")  # type: ignore[attr-defined]
    yield made
    made.close()


def ids(app: App) -> dict[str, int]:
    return app.ids  # type: ignore[attr-defined, no-any-return]


def sections(app: App, edition_id: int) -> dict[str, list[int]]:
    with app.session(readonly=True) as db:
        found: dict[str, list[int]] = {}
        for placement in load_placements(db, edition_id):
            found.setdefault(placement.section, []).append(placement.item_id)
        return found


def edition(app: App, edition_id: int) -> Edition:
    with app.session(readonly=True) as db:
        found = db.get(Edition, edition_id)
        assert found is not None
        return found


def audited(app: App, action: str) -> int:
    with app.session(readonly=True) as db:
        return db.scalar(select(func.count()).select_from(AuditEntry)
                         .where(AuditEntry.action == action)) or 0


def test_the_editor_arranges_entries_and_the_plan_follows(app: App) -> None:
    review = ids(app)["press-review/draft"]
    before = sections(app, review)
    with app.session(readonly=True) as db:
        plan = current_plan(db, edition(app, review))
    assert {s.id: [int(e.item_id) for e in s.entries] for s in plan.sections} == before
    carbon = before["theme-soil-carbon"]
    first = carbon[0]
    move_entry(app, EDITOR, review, first, step="down")
    assert sections(app, review)["theme-soil-carbon"][:2] == [carbon[1], first]
    move_entry(app, EDITOR, review, first, step="bottom")
    assert sections(app, review)["theme-soil-carbon"][-1] == first
    move_entry(app, EDITOR, review, first, step="top")
    assert sections(app, review)["theme-soil-carbon"][0] == first
    target = before["theme-practices"]
    move_entry(app, EDITOR, review, first, section="theme-practices", before=target[1])
    after = sections(app, review)
    assert after["theme-practices"] == [target[0], first, *target[1:]]
    assert first not in after["theme-soil-carbon"]
    with app.session(readonly=True) as db:
        plan = current_plan(db, edition(app, review))
    practices = next(s for s in plan.sections if s.id == "theme-practices")
    assert [int(e.item_id) for e in practices.entries] == after["theme-practices"]
    assert [e.rank for e in plan.entries] == list(range(1, len(plan.entries) + 1))
    with pytest.raises(EditionError):
        move_entry(app, EDITOR, review, first, section="agenda")
    with pytest.raises(PermissionDenied):
        move_entry(app, AMBASSADOR, review, first, step="up")
    assert remove_entry(app, EDITOR, review, first) is True
    assert remove_entry(app, EDITOR, review, first) is False
    assert first not in [i for items in sections(app, review).values() for i in items]
    assert audited(app, "entry.moved") == 4 and audited(app, "entry.removed") == 1


def test_texts_refuse_a_stale_version_and_approved_editions_go_back_to_review(app: App) -> None:
    newsletter = ids(app)["newsletter/approved"]
    item_id = sections(app, newsletter)["initiative"][0]
    with app.session(readonly=True) as db:
        stored = load_text(db, item_id, "es")
        assert stored is not None
        seen = stored.version
    edit_text(app, APPROVER, item_id, "es", title="Almacenar carbono en los suelos",
                    summary="Resumen corregido.", version=seen)
    with pytest.raises(EditConflict):
        edit_text(app, EDITOR, item_id, "es", title="Otra versión", summary="Pisada.",
                        version=seen)
    with app.session(readonly=True) as db:
        stored = load_text(db, item_id, "es")
        assert stored is not None
        assert (stored.summary, stored.state, stored.edited_by) == (
            "Resumen corregido.", TextState.REVIEWED, "amal")
        plan = current_plan(db, edition(app, newsletter))
    entry = next(e for e in plan.entries if e.item_id == str(item_id))
    assert entry.texts["es"].summary == "Resumen corregido."
    changed = edition(app, newsletter)
    assert changed.status == EditionStatus.IN_REVIEW and changed.approved_by is None
    assert audited(app, "edition.in_review") == 1


def test_blocks_are_written_per_language_with_versions(app: App, tmp_path: object) -> None:
    newsletter = ids(app)["newsletter/approved"]
    with app.session(readonly=True) as db:
        blocks = load_blocks(db, newsletter)
    editorial = next(b for b in blocks if b.kind is BlockKind.EDITORIAL)
    figure = next(b for b in blocks if b.kind is BlockKind.KEY_FIGURE)
    fr = editorial.texts["fr"]
    save_editorial(app, EDITOR, newsletter, "fr", title="Édito", body="Premier paragraphe.",
                   version=fr.version)
    with pytest.raises(EditConflict):
        save_editorial(app, APPROVER, newsletter, "fr", title="Autre", body="Écrasé ?",
                       version=fr.version)
    form = BlockForm("es", "% del PIB", "depende del suelo.", {
        "value": 18.0, "source_name": figure.source_name, "url": figure.url},
        text_version=figure.texts["es"].version, block_version=figure.version)
    assert save_block(app, EDITOR, newsletter, figure.id, form) is True
    with pytest.raises(EditConflict):  # the number changed since this form was read
        save_block(app, APPROVER, newsletter, figure.id, BlockForm(
            "en", "% of GDP", "x", {"value": 19.0}, text_version=figure.texts["en"].version,
            block_version=figure.version))
    event_id = add_block(app, EDITOR, newsletter, BlockKind.EVENT, BlockForm(
        "fr", "Journée des sols <script>", "Atelier", {
            "starts_at": datetime(2027, 3, 2, 9, 30, tzinfo=UTC), "ends_at": None,
            "place": "Dakar; Sénégal", "url": "https://4p1000.org/"}))
    with pytest.raises(EditionError):
        add_block(app, EDITOR, ids(app)["press-review/draft"], BlockKind.KEY_FIGURE,
                  BlockForm("fr", "t", "", {"value": 1.0}))
    with app.session(readonly=True) as db:
        plan = current_plan(db, edition(app, newsletter))
    sections_by_id = {s.id: s for s in plan.sections}
    assert sections_by_id["editorial"].editorial["fr"].summary == "Premier paragraphe."
    assert [f.value for f in sections_by_id["key-figures"].figures][:1] == [18.0]
    assert f"block-{event_id}" in [e.event_id for e in sections_by_id["agenda"].events]
    written = render(app, EDITOR, newsletter, tmp_path)  # type: ignore[arg-type]
    assert "Premier paragraphe." in written["fr"].html
    ics = (tmp_path / "fr.ics").read_text(encoding="utf-8")  # type: ignore[operator]
    assert "SUMMARY;LANGUAGE=fr:Journée des sols <script>" in ics
    assert "LOCATION:Dakar\\; Sénégal" in ics


def test_written_entries_and_closed_editions(app: App) -> None:
    newsletter = ids(app)["newsletter/approved"]
    item_id = write_entry(app, EDITOR, newsletter, "success-stories", lang="es",
                          title="Suelos vivos en Chiapas", summary="Una cooperativa.",
                          url="https://example.org/chiapas", source_name="Cooperativa")
    assert sections(app, newsletter)["success-stories"][-1] == item_id
    with app.session(readonly=True) as db:
        item = db.get(Item, item_id)
        assert item is not None
        assert (item.origin, item.status) == (ItemOrigin.WRITTEN, ItemStatus.NEW)
        stored = load_text(db, item_id, "es")
        assert stored is not None and stored.state == TextState.REVIEWED
    sent = ids(app)["press-review/sent"]
    before = sections(app, sent)
    with pytest.raises(EditionError, match="can no longer change"):
        move_entry(app, EDITOR, sent, before["theme-practices"][0], step="down")
    with pytest.raises(EditionError):
        write_entry(app, EDITOR, sent, "theme-practices", lang="fr", title="x", summary="")
    assert sections(app, sent) == before


def query(app: App, tab: str = "pending", **filters: str) -> InboxQuery:
    return InboxQuery(SINCE_AT, UNTIL_AT, edition_id=ids(app)["press-review/draft"], tab=tab,
                      **filters)  # type: ignore[arg-type]


def test_inbox_tabs_filters_and_labels_that_train_the_classifier(app: App) -> None:
    review = ids(app)["press-review/draft"]
    with app.session(readonly=True) as db:
        counts = count_inbox(db, query(app))
        near = list_inbox(db, query(app, "near", sort="score"))
        spanish = list_inbox(db, query(app, lang="es"))
        hostile = list_inbox(db, query(app, text="' OR 1=1 --"))
        percent = list_inbox(db, query(app, "accepted", text="%"))
        africa = list_inbox(db, query(app, "accepted", region="africa"))
    assert counts == {"pending": 3, "accepted": 13, "near": 4, "rejected": 0}
    assert [r.score for r in near] == sorted((r.score for r in near), reverse=True)
    assert all(r.evidence["relevance"]["to_check"] for r in near)
    assert [r.lang for r in spanish] == ["es"]
    assert hostile == [] and percent == []
    assert africa and all("africa" in r.regions for r in africa)
    pulled = near[0].item_id
    report = accept_items(app, EDITOR, review, [pulled])
    assert report.labelled == [pulled] and pulled in report.placed
    assert pulled in sections(app, review)[report.placed[pulled]]
    rejected, policy = spanish[0].item_id, sections(app, review)["theme-policy"][0]
    reject_items(app, EDITOR, [rejected, policy])
    correct_labels(app, EDITOR, 121, relevant=True, themes=["science", "policy"],
                   regions=["asia"])
    with pytest.raises(EditionError):
        correct_labels(app, EDITOR, 121, relevant=True, themes=["x'; DROP TABLE items"],
                       regions=[])
    with app.session() as db:
        counts = count_inbox(db, query(app))
        corrections = {c.id: c.relevant for c in load_corrections(db)}
        assert not save_classification(db, pulled, Labels("fr", False, (), ()))
    assert counts["rejected"] == 2 and counts["near"] == 3
    assert corrections == {pulled: True, rejected: False, policy: False, 121: True}
    assert policy not in [i for items in sections(app, review).values() for i in items]
    assert audited(app, "classification.corrected") == 4
    comment_item(app, EDITOR, pulled, "À vérifier avec l'auteur.", edition_id=review)
    with pytest.raises(EditionError):
        comment_item(app, EDITOR, pulled, "   ")
    with app.session(readonly=True) as db:
        [comment] = load_comments(db, [pulled])[pulled]
    assert (comment.author, comment.edition_id) == ("edith", review)


def test_migration_0007_keeps_the_blocks_of_editions_drafted_before(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        command.upgrade(alembic_config(engine), "0006")
        plan = {"kind": "newsletter", "period_start_at": "2026-11-01T00:00:00+00:00",
                "period_end_at": "2026-12-01T00:00:00+00:00", "warnings": [], "sections": [
                    {"id": "editorial", "kind": "editorial", "entries": [], "events": [],
                     "figures": [], "editorial": {"fr": {"title": "Édito", "summary": "Bonjour",
                                                         "origin": "edited"}}},
                    {"id": "key-figures", "kind": "key-figures", "entries": [], "events": [],
                     "editorial": {}, "figures": [{"figure_id": "kf", "value": 17,
                                                   "source_name": "W", "source_url": "",
                                                   "texts": {"en": {"title": "%",
                                                                    "summary": "GDP",
                                                                    "origin": "original"}}}]},
                    {"id": "agenda", "kind": "agenda", "entries": [], "figures": [],
                     "editorial": {}, "events": [{"event_id": "soil-day", "place": "Rome",
                                                  "url": "", "starts_at": "2026-12-05",
                                                  "ends_at": None, "texts": {
                                                      "es": {"title": "Día del suelo",
                                                             "summary": ""}}}]}]}
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO editions (kind, period_start_at, period_end_at, status, "
                "language_state, editorial, plan, warnings, created_at, updated_at) VALUES "
                "('newsletter', :start, :end, 'draft', '{}', '{}', :plan, '[]', :now, :now)"),
                {"start": SINCE_AT, "end": UNTIL_AT, "plan": json.dumps(plan),
                 "now": datetime.now(UTC)})
        command.upgrade(alembic_config(engine), "head")
        app = App(Settings(database_url=database_url))
        try:
            with app.session(readonly=True) as db:
                blocks = load_blocks(db, 1)
        finally:
            app.close()
    finally:
        engine.dispose()
    assert [(b.kind, b.record_id) for b in blocks] == [
        (BlockKind.EDITORIAL, "editorial"), (BlockKind.EVENT, "soil-day"),
        (BlockKind.KEY_FIGURE, f"block-{blocks[2].id}")]
    assert blocks[0].texts["fr"].state == TextState.REVIEWED
    assert blocks[1].starts_at == datetime(2026, 12, 5, tzinfo=UTC)
    assert blocks[2].value == 17.0 and blocks[2].texts["en"].summary == "GDP"
