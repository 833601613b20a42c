"""The store functions of the translation review, the approvals and the audit log, on SQLite
and PostgreSQL (LIKE wildcards in filters, ordering, the approvals' unique rows)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from pipeline.states import EditionStatus, TextState
from pipeline.store.approvals import (
    approved_editions,
    load_approvals,
    revoke_approval,
    save_approval,
)
from pipeline.store.audit import AuditFilter, audit_facets, iter_audit, list_audit, record_audit
from pipeline.store.db import create_db_engine, make_sessionmaker, upgrade_db
from pipeline.store.memory import SqlTranslationMemory
from pipeline.store.models import AuditEntry, Edition, Item, ItemText
from pipeline.store.review import (
    find_memory_entries,
    load_item_facts,
    load_text_facts,
    recent_human_entries,
)

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine: Engine = create_db_engine(database_url)
    upgrade_db(engine)
    with make_sessionmaker(engine)() as session:
        item = Item(url="https://x.example/1", canonical_url="https://x.example/1",
                    content_hash="h1", title="Les sols", fetched_at=NOW, original_lang="fr",
                    publisher="Le Monde")
        session.add(item)
        session.flush()
        session.add_all([
            ItemText(item_id=item.id, lang="fr", title="Les sols", summary="Résumé.",
                     state=TextState.ORIGINAL, flags=[]),
            ItemText(item_id=item.id, lang="es", title="Los suelos", summary="Resumen.",
                     state=TextState.MACHINE, flags=["numbers_changed"], engine="apertium"),
        ])
        for status in (EditionStatus.DRAFT, EditionStatus.APPROVED, EditionStatus.SENT):
            session.add(Edition(kind="press-review", period_start_at=NOW,
                                period_end_at=NOW + timedelta(days=7), status=status))
        session.flush()
        session.info["item"] = item.id
        yield session
    engine.dispose()


def test_review_reads(session: Session) -> None:
    item_id = session.info["item"]
    facts = load_text_facts(session, [item_id, 999])
    assert set(facts) == {item_id}
    es = facts[item_id]["es"]
    assert (es.state, es.flags, es.version, es.engine) == ("machine", ("numbers_changed",), 1,
                                                           "apertium")
    item = load_item_facts(session, item_id)
    assert item is not None and (item.source_name, item.original_lang) == ("Le Monde", "fr")
    assert load_item_facts(session, 999) is None
    memory = SqlTranslationMemory(session)
    memory.remember("fr", "es", [("Les sols", "Los suelos (máquina)")], "machine", "apertium")
    memory.remember("fr", "es", [("Les sols vivants", "Los suelos vivos")], "reviewed", "ana")
    exact = find_memory_entries(session, "fr", "es", ["Les sols", "Rien", ""])
    assert [(e.target_text, e.origin) for e in exact] == [("Los suelos (máquina)", "machine")]
    human = recent_human_entries(session, "fr", "es")
    assert [(e.source_text, e.origin) for e in human] == [("Les sols vivants", "reviewed")]


def test_approvals_are_one_row_per_language_and_audited(session: Session) -> None:
    draft, approved, _sent = [e.id for e in session.scalars(select(Edition).order_by(Edition.id))]
    save_approval(session, draft, "fr", by="ana", content_hash="sha256:a", now_at=NOW)
    save_approval(session, draft, "fr", by="paul", content_hash="sha256:b", now_at=NOW)
    rows = load_approvals(session, draft)
    assert set(rows) == {"fr"} and (rows["fr"].approved_by, rows["fr"].content_hash) == (
        "paul", "sha256:b")
    assert [e.id for e in approved_editions(session)] == [draft, approved]
    revoke_approval(session, rows["fr"], by="eve", reason="content changed")
    assert load_approvals(session, draft) == {}
    assert [e.id for e in approved_editions(session)] == [approved]
    actions = [(a.actor, a.action, a.target) for a in session.scalars(
        select(AuditEntry).order_by(AuditEntry.id))]
    assert actions == [("ana", "language.approved", f"edition:{draft}:fr"),
                       ("paul", "language.approved", f"edition:{draft}:fr"),
                       ("eve", "language.approval_revoked", f"edition:{draft}:fr")]


def test_audit_filters_treat_wildcards_as_text(session: Session) -> None:
    for actor, action, target in (("ana", "text.edited", "item:1:es"),
                                  ("ana", "text_edited", "item_1"),
                                  ("paul", "edition.approved", "edition:100%"),
                                  ("paul", "text.approved", "item:10:fr")):
        record_audit(session, actor, action, target)
    session.flush()

    def targets(**wanted: str) -> list[str]:
        return [e.target for e in list_audit(session, AuditFilter(**wanted), limit=50)]

    assert targets(action="text.") == ["item:10:fr", "item:1:es"]
    assert targets(action="text_") == []  # "_" is a character, not any character
    assert targets(target="item:1") == ["item:10:fr", "item:1:es"]
    assert targets(target="item_") == ["item_1"]
    assert targets(target="edition:100%") == ["edition:100%"]
    assert targets(target="%") == []
    assert targets(actor="paul", action="text.") == ["item:10:fr"]
    page = list_audit(session, AuditFilter(), limit=2)
    older = list_audit(session, AuditFilter(), limit=10, before_id=page[-1].id)
    assert len(page) == 2 and len(older) == 2 and older[0].id < page[-1].id
    first = iter_audit(session, AuditFilter(), limit=3)
    rest = iter_audit(session, AuditFilter(), after_id=first[-1].id, limit=3)
    assert [e.id for e in first + rest] == sorted(e.id for e in first + rest)
    assert len(first + rest) == 4
    actors, actions = audit_facets(session)
    assert actors == ["ana", "paul"] and "text_edited" in actions
    since = list_audit(session, AuditFilter(since_at=NOW + timedelta(days=3650)), limit=5)
    assert since == []
