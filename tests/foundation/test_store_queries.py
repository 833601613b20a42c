"""The store functions the jobs (and the web app) call instead of writing queries, on SQLite
and PostgreSQL: drafting's reads, editions, stories, text states, accounts, status."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pipeline.errors import EditConflict, EditionError, PermissionDenied
from pipeline.permissions import SYSTEM, Actor
from pipeline.records import Classification as Labels
from pipeline.records import CollectedItem, LanguageState, SourceSpec
from pipeline.records import ItemText as Text
from pipeline.states import EditionStatus, ItemStatus, Role, TextState
from pipeline.store.accounts import load_actor
from pipeline.store.audit import record_audit
from pipeline.store.candidates import load_candidates
from pipeline.store.db import create_db_engine, make_sessionmaker, upgrade_db
from pipeline.store.editions import (
    PlannedEntry,
    create_edition,
    get_edition,
    move_edition,
    published_item_ids,
)
from pipeline.store.items import upsert_items
from pipeline.store.models import AuditEntry, Item, Story
from pipeline.store.processing import claim_pending, finish_items, save_classification
from pipeline.store.sources import sync_sources
from pipeline.store.status import load_status
from pipeline.store.stories import count_orphan_stories, link_story_groups, load_story_items
from pipeline.store.texts import edit_item_text, load_texts, save_item_text, set_text_state
from pipeline.store.users import add_user

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SPEC = SourceSpec(id="wire", name="The Wire", url="https://wire.example/feed", kind="feed",
                  lang="en")


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    """Five processed items (1-5) and one new (6): 1 and 2 tell one story in two languages,
    3 has no publication date, 4 is older than the period, 5 comes from another outlet."""
    engine: Engine = create_db_engine(database_url)
    upgrade_db(engine)
    dates = [NOW - timedelta(days=1), NOW - timedelta(days=2), None, NOW - timedelta(days=30),
             NOW - timedelta(days=3), NOW]
    with make_sessionmaker(engine)() as session:
        sync_sources(session, [SPEC])
        upsert_items(session, [CollectedItem(
            source_id="wire", url=f"https://wire.example/{n}", title=f"Item {n}",
            canonical_url=f"https://wire.example/{n}", content_hash=f"h{n}",
            fetched_at=NOW - timedelta(days=1), published_at=published,
            publisher="Le Monde" if n == 5 else None)
            for n, published in enumerate(dates, start=1)])
        # ids as PostgreSQL's sequence gives them (not 1 to 6): n → id
        session.info["ids"] = {int(url.rsplit("/", 1)[1]): item_id for item_id, url in
                               session.execute(select(Item.id, Item.canonical_url))}
        i = session.info["ids"]
        claimed = [c.id for c in claim_pending(session, 5, owner="run:1", lease_seconds=60)]
        for n in range(1, 6):
            lang = "fr" if n == 2 else "en"
            save_classification(session, i[n], Labels(lang=lang, relevant=n != 3,
                                                      themes=("policy",), regions=("africa",)))
            save_item_text(session, i[n], Text(lang=lang, title=f"T{n} {lang}", summary="S",
                                               origin=TextState.ORIGINAL))
        finish_items(session, claimed, owner="run:1")
        session.commit()
        yield session
    engine.dispose()


def test_candidates_of_a_period_with_texts_and_story_siblings(session: Session) -> None:
    i = session.info["ids"]
    link_story_groups(session, [[i[1], i[2]]])
    rows = load_candidates(session, NOW - timedelta(days=7), NOW)
    assert [r.item_id for r in rows] == [i[1], i[2], i[3], i[5]]  # 4: too old, 6: not done
    one, two, three, five = rows
    assert (one.original_lang, one.source_name, one.relevant) == ("en", "The Wire", True)
    assert [(s.item_id, s.lang) for s in one.siblings] == [(i[2], "fr")]
    assert [s.item_id for s in two.siblings] == [i[1]] and three.siblings == ()
    assert three.published_at is None and not three.relevant  # dated by its collection
    assert five.source_name == "Le Monde"
    assert one.texts["en"].title == "T1 en" and one.texts["en"].origin == TextState.ORIGINAL


def test_editions_hold_their_items_and_typed_language_state(session: Session) -> None:
    state = {"fr": LanguageState(missing=("3",), unreviewed=()),
             "en": LanguageState(unreviewed=("2",))}
    edition = create_edition(
        session, kind="press-review", period_start_at=NOW - timedelta(days=7),
        period_end_at=NOW, plan_json="{}", warnings=["w"], language_state=state,
        entries=[PlannedEntry(session.info["ids"][1], "policy", 0),
                 PlannedEntry(session.info["ids"][3], "policy", 1)], actor=SYSTEM, now_at=NOW)
    session.commit()
    session.expire_all()
    stored = get_edition(session, edition.id)
    assert stored.language_state == state and not stored.language_state["fr"].complete
    assert stored.status is EditionStatus.DRAFT
    assert published_item_ids(session) == frozenset()
    for status in (EditionStatus.APPROVED, EditionStatus.SENDING, EditionStatus.SENT):
        move_edition(session, stored, status, actor=SYSTEM)
    assert published_item_ids(session) == {session.info["ids"][1], session.info["ids"][3]}
    actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["edition.drafted", "edition.approved", "edition.sending", "edition.sent"]
    with pytest.raises(EditionError, match="is sent: cannot become draft"):
        move_edition(session, stored, EditionStatus.DRAFT, actor=SYSTEM)


def test_story_links_merge_and_leave_no_orphan(session: Session) -> None:
    i = session.info["ids"]
    items = load_story_items(session, NOW - timedelta(days=10))
    assert [item.id for item in items] == [str(i[n]) for n in range(1, 6)]
    assert items[1].lang == "fr" and items[1].translated_titles == {"fr": "T2 fr"}
    assert link_story_groups(session, [[i[1], i[2]], [i[3], i[4]]]) == 4
    # 2 and 3 are the same story: their two stories become one, 4 (with 3) included
    assert link_story_groups(session, [[i[2], i[3], i[5]]]) == 3
    stories = dict(session.execute(select(Item.id, Item.story_id)).all())
    assert len({stories[i[n]] for n in range(1, 6)}) == 1
    assert session.scalars(select(Story.id)).all() == [stories[i[1]]]
    assert count_orphan_stories(session) == 0


def test_text_states_record_who_and_refuse_stale_edits(session: Session) -> None:
    one = session.info["ids"][1]
    assert save_item_text(session, one, Text(lang="fr", title="Machine", summary="",
                                             origin=TextState.MACHINE, engine="apertium"))
    row = edit_item_text(session, one, "fr", by="eve", title="Édité", summary="",
                         expected_version=1)
    assert (row.state, row.version, row.reviewed_by) == (TextState.REVIEWED, 2, "eve")
    assert not save_item_text(session, one, Text(lang="fr", title="Machine again", summary="",
                                                 origin=TextState.MACHINE))
    with pytest.raises(EditConflict, match="changed by someone else"):
        edit_item_text(session, one, "fr", by="bob", title="Late", summary="",
                       expected_version=1)
    row = set_text_state(session, one, "fr", TextState.APPROVED, by="carla",
                         expected_version=2)
    assert (row.state, row.approved_by, row.version) == (TextState.APPROVED, "carla", 3)
    with pytest.raises(EditionError, match="is approved: cannot become reviewed"):
        set_text_state(session, one, "fr", TextState.REVIEWED, by="carla")
    assert load_texts(session, [one])[one]["fr"].title == "Édité"
    audit = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert audit == ["text.edited", "text.approved"]


def test_accounts_become_actors(session: Session) -> None:
    add_user(session, "amina", Role.AMBASSADOR, "a long enough password", region="africa")
    session.flush()
    amina = load_actor(session, "amina")
    assert (amina.name, amina.role, amina.region) == ("amina", Role.AMBASSADOR, "africa")
    assert isinstance(amina, Actor) and amina.user_id is not None
    with pytest.raises(PermissionDenied, match="no user named 'ghost'"):
        load_actor(session, "ghost")


def test_status_counts(session: Session) -> None:
    record_audit(session, "x", "y")
    status = load_status(session)
    assert [s.id for s in status.sources] == ["wire"]
    assert status.items == {ItemStatus.PROCESSED: 5, ItemStatus.NEW: 1}
    assert status.editions == {} and status.deliveries_waiting == 0 and status.last_runs == []
