"""The store against real databases: SQLite file and PostgreSQL (each test runs on both)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from pipeline.collect import PAUSE_AFTER_ERRORS, plan_next_check
from pipeline.errors import EditionError, StoreError
from pipeline.records import CollectedItem, FetchState, SourceResult, SourceSpec
from pipeline.store.audit import record_audit
from pipeline.store.db import (
    create_db_engine,
    ensure_db,
    head_revision,
    make_sessionmaker,
    upgrade_db,
)
from pipeline.store.editions import move_edition
from pipeline.store.items import upsert_items
from pipeline.store.models import (
    AuditEntry,
    Base,
    Delivery,
    Edition,
    Item,
    Source,
    Subscriber,
)
from pipeline.store.sources import failure_count_after, record_fetch_result, sync_sources

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
SPEC = SourceSpec(id="carbon-brief", name="Carbon Brief", url="https://www.carbonbrief.org/feed/",
                  kind="feed", lang="en", interval_minutes=60)


@pytest.fixture
def engine(database_url: str) -> Engine:
    engine = create_db_engine(database_url)
    upgrade_db(engine)
    yield engine
    engine.dispose()


def make_item(n: int, **changes: object) -> CollectedItem:
    values: dict[str, object] = dict(
        source_id="carbon-brief", url=f"https://example.org/a/{n}?utm_source=x",
        canonical_url=f"https://example.org/a/{n}", title=f"Soil carbon story {n}",
        fetched_at=NOW, content_hash=f"{n:064x}", guid=f"guid-{n}", summary="Summary",
        published_at=NOW - timedelta(hours=n))
    values.update(changes)
    return CollectedItem(**values)  # type: ignore[arg-type]


def test_migrations_create_every_table_and_match_the_models(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    expected = {"sources", "items", "item_texts", "classifications", "submissions", "editions",
                "edition_items", "subscribers", "deliveries", "users", "audit_log", "stories",
                "translation_memory", "events", "runs", "alembic_version"}
    assert expected <= names
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_upgrade_is_idempotent(engine: Engine) -> None:
    assert upgrade_db(engine) == (head_revision(), head_revision())


def test_items_are_stored_once_by_url_guid_and_hash(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        session.add(Source(id="carbon-brief", name="CB", url=SPEC.url, kind="feed", lang="en"))
    with factory.begin() as session:
        first = upsert_items(session, [make_item(i) for i in range(5)])
    assert (first.new, first.updated, first.unchanged) == (5, 0, 0)
    again = [
        make_item(0),                                                   # same URL, same hash
        make_item(1, canonical_url="https://example.org/amp/1"),        # same GUID elsewhere
        make_item(2, canonical_url="https://mirror.example/2", guid=None),  # same content hash
        make_item(3, title="Corrected title", content_hash="f" * 64),   # changed content
        make_item(9), make_item(9, url="https://example.org/a/9/"),     # twice in one batch
    ]
    with factory.begin() as session:
        second = upsert_items(session, again)
    assert (second.new, second.updated) == (1, 1)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 6
        assert session.scalar(select(Item.title).where(
            Item.canonical_url == "https://example.org/a/3")) == "Corrected title"
        published = session.scalar(select(Item.published_at).where(Item.guid == "guid-4"))
        assert published == NOW - timedelta(hours=4) and published.tzinfo is not None


def record(session: Session, result: SourceResult, now_at: datetime, new: int = 0) -> Source:
    """Record a fetch the way the collect job does: back-off policy from the collect stage."""
    errors = failure_count_after(session, SPEC.id, result)
    next_at, paused = plan_next_check(errors, result.retry_after_at,
                                      timedelta(minutes=SPEC.interval_minutes), now_at)
    return record_fetch_result(session, SPEC, result, now_at, new, next_check_at=next_at,
                               paused=paused)


def test_real_sized_values_fit_on_both_databases(engine: Engine) -> None:
    """What the collect stage really produces: sha256-prefixed hashes, long authors, language
    tags with a region; PostgreSQL enforces column lengths where SQLite does not."""
    factory = make_sessionmaker(engine)
    item = make_item(1, source_id=None, content_hash="sha256:" + "ab" * 32, author="A" * 900,
                     publisher="P" * 400, lang_hint="zh-Hant-TW", guid="g" * 3000)
    with factory.begin() as session:
        assert upsert_items(session, [item]).new == 1
    with factory() as session:
        stored = session.scalars(select(Item)).one()
    assert stored.content_hash == "sha256:" + "ab" * 32 and stored.lang_hint == "zh-Hant-TW"
    assert len(stored.author or "") == 500


def test_changed_item_is_processed_again(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        upsert_items(session, [make_item(1, source_id=None)])
        session.execute(update(Item).values(status="processed"))
    with factory.begin() as session:
        stats = upsert_items(session, [make_item(1, source_id=None, title="Corrected",
                                                 content_hash="c" * 64)])
    assert stats.updated == 1
    with factory() as session:
        assert session.execute(select(Item.title, Item.status)).one() == ("Corrected", "new")


def test_fetch_errors_back_off_then_pause_and_success_resets(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        sync_sources(session, [SPEC])
    failed = SourceResult(source_id=SPEC.id, outcome="failed", error="HTTP 503")
    with factory.begin() as session:
        row = record(session, failed, NOW)
        assert row.error_count == 1 and row.last_error == "HTTP 503"
        assert NOW + timedelta(hours=1) < row.next_check_at <= NOW + timedelta(days=1)
    later = NOW + timedelta(seconds=7200)
    with factory.begin() as session:
        retry = SourceResult(source_id=SPEC.id, outcome="failed", error="HTTP 429",
                             retry_after_at=later + timedelta(hours=10))
        row = record(session, retry, later)
        assert row.next_check_at >= later + timedelta(hours=10)
        while not row.paused:
            row = record(session, failed, later)
        assert row.error_count == PAUSE_AFTER_ERRORS
    with factory.begin() as session:
        ok = SourceResult(source_id=SPEC.id, outcome="new",
                          state=FetchState(etag='"abc"', last_modified="Mon, 02 Nov 2026"))
        row = record(session, ok, later, 3)
        assert (row.error_count, row.last_error, row.etag) == (0, None, '"abc"')
        assert not row.paused  # fetched again by name and it worked: running again


def test_audit_log_is_append_only(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        record_audit(session, "alice", "edition.approved", "edition:1", languages=["fr"])
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises((IntegrityError, DBAPIError), match="append-only"), \
                engine.begin() as connection:
            connection.execute(text(statement))
    with factory() as session:
        assert session.scalars(select(AuditEntry.actor)).all() == ["alice"]


def test_one_delivery_per_edition_and_subscriber(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        edition = Edition(kind="newsletter", period_start_at=NOW, period_end_at=NOW)
        subscriber = Subscriber(email="ana@example.org", language="es",
                                publications=["newsletter"])
        session.add_all([edition, subscriber])
        session.flush()
        session.add(Delivery(edition_id=edition.id, subscriber_id=subscriber.id, language="es"))
    with pytest.raises(IntegrityError), factory.begin() as session:
        session.add(Delivery(edition_id=edition.id, subscriber_id=subscriber.id, language="es"))


def test_edition_status_machine_refuses_skipping_and_audits(engine: Engine) -> None:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        edition = Edition(kind="press-review", period_start_at=NOW, period_end_at=NOW)
        session.add(edition)
        session.flush()
        with pytest.raises(EditionError, match="is draft: cannot become sent"):
            move_edition(session, edition, "sent", actor="bob")
        move_edition(session, edition, "in_review", actor="bob")
        move_edition(session, edition, "approved", actor="carla")
        assert edition.approved_by == "carla"
    with factory() as session:
        actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["edition.in_review", "edition.approved"]


def test_unreachable_database_gives_one_clear_error(tmp_path: object) -> None:
    engine = create_db_engine("postgresql://nobody:pw@127.0.0.1:1/none")
    with pytest.raises(StoreError) as caught:
        ensure_db(engine)
    message = str(caught.value)
    assert message.startswith("cannot open postgresql+psycopg://nobody:***@127.0.0.1:1/none")
    assert "\n" not in message and "pw@" not in message
