"""Processing results in the store: corrections win, people's texts win, memory ranks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.jobs import process
from pipeline.records import Classification as Labels
from pipeline.records import CollectedItem, SourceSpec
from pipeline.records import ItemText as Text
from pipeline.states import TextState
from pipeline.store.db import create_db_engine, make_sessionmaker, upgrade_db
from pipeline.store.items import upsert_items
from pipeline.store.memory import SqlTranslationMemory
from pipeline.store.models import AuditEntry, Classification, ItemText
from pipeline.store.processing import claim_pending, correct_classification, save_classification
from pipeline.store.texts import edit_item_text, save_item_text

NOW = datetime(2026, 11, 2, tzinfo=UTC)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = create_db_engine(database_url)
    upgrade_db(engine)
    with make_sessionmaker(engine)() as session:
        upsert_items(session, [CollectedItem(
            source_id=None, url="https://a.org/1", canonical_url="https://a.org/1",
            title="Les sols du Sahel", fetched_at=NOW, content_hash="h1")])
        session.commit()
        yield session
    engine.dispose()


def test_corrected_item_is_never_relabelled(session: Session) -> None:
    item_id = claim_pending(session, 10, owner="run:1", lease_seconds=60, now_at=NOW)[0].id
    machine = Labels(lang="fr", relevant=True, themes=("policy",), regions=("europe",))
    assert save_classification(session, item_id, machine)
    correct_classification(session, item_id, by="editor1", relevant=True,
                           themes=("land-restoration",), regions=("africa",))
    assert not save_classification(session, item_id, machine)
    row = session.get(Classification, item_id)
    assert row is not None
    assert (row.themes, row.regions, row.corrected_by) == (["land-restoration"], ["africa"],
                                                          "editor1")
    audit = session.scalars(select(AuditEntry.action)).all()
    assert audit == ["classification.corrected"]


def test_machine_text_never_replaces_an_edit(session: Session) -> None:
    item_id = claim_pending(session, 10, owner="run:1", lease_seconds=60, now_at=NOW)[0].id
    assert save_item_text(session, item_id, Text(lang="en", title="Sahel soils", summary="",
                                                 origin=TextState.MACHINE, engine="apertium"))
    edit_item_text(session, item_id, "en", by="editor1", title="The soils of the Sahel",
                   summary="Better.")
    assert not save_item_text(session, item_id, Text(lang="en", title="Soils Sahel", summary="",
                                                     origin=TextState.MACHINE, engine="apertium"))
    row = session.scalar(select(ItemText).where(ItemText.lang == "en"))
    assert row is not None
    assert (row.title, row.state, row.edited_by, row.reviewed_by) == (
        "The soils of the Sahel", TextState.REVIEWED, "editor1", "editor1")


def test_sql_translation_memory_ranks_origins(session: Session) -> None:
    memory = SqlTranslationMemory(session)
    memory.remember("fr", "en", [("Les sols vivants.", "The living soils."), ("", "x")],
                    "machine", "apertium")
    memory.remember("fr", "en", [("Les sols vivants.", "Living soils.")], "approved", None)
    memory.remember("fr", "en", [("Les sols vivants.", "Soils alive.")], "machine", "apertium")
    found = memory.lookup("fr", "en", ["Les sols vivants.", "Inconnu."])
    assert found == {"Les sols vivants.": "Living soils."}
    assert memory.lookup("fr", "es", ["Les sols vivants."]) == {}
    assert memory.export_entries() == [("fr", "en", "Les sols vivants.", "Living soils.")]


def test_overlapping_story_groups_merge() -> None:
    from pipeline.grouping import merge_groups

    near_duplicates = [["4", "9"]]          # the same agency story in two outlets
    across_languages = [["9", "12"], ["20"], ["30", "31"]]  # and its translation in a third
    assert merge_groups([*near_duplicates, *across_languages]) == [["4", "9", "12"],
                                                                    ["30", "31"]]


def test_feed_categories_are_stored_and_reach_the_classifier(
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    upsert_items(session, [CollectedItem(
        source_id=None, url="https://a.org/2", canonical_url="https://a.org/2",
        title="Drought", fetched_at=NOW, content_hash="h2",
        categories=("Environment", "Farming"))])
    session.commit()
    pending = {p.title: p for p in claim_pending(session, 10, owner="run:1", lease_seconds=60,
                                                  now_at=NOW)}
    assert list(pending["Drought"].categories) == ["Environment", "Farming"]
    assert list(pending["Les sols du Sahel"].categories) == []
    seen: dict[str, object] = {}
    monkeypatch.setattr(process, "classify_item", lambda *a, **kw: seen.update(kw))
    spec = SourceSpec(id="s", name="s", url="https://a.org/feed", kind="feed", lang="es",
                      country="ES")
    process.classify_pending(pending["Drought"], spec)
    assert seen["categories"] == ["Environment", "Farming"]
    assert seen["source_country"] == "ES"
