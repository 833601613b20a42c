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
from pipeline.errors import EditionError, PermissionDenied, StoreError
from pipeline.permissions import Actor
from pipeline.records import (
    CollectedItem,
    FetchState,
    LanguageState,
    SourceResult,
    SourceSpec,
)
from pipeline.states import (
    DeliveryStatus,
    EditionStatus,
    ItemOrigin,
    ItemStatus,
    Role,
    TextState,
)
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
    Classification,
    Delivery,
    Edition,
    Item,
    ItemText,
    Source,
    Subscriber,
    TranslationMemory,
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


def schema_of(engine: Engine) -> dict[str, object]:
    """Tables, CHECK constraints and triggers, as the database reports them."""
    inspector = inspect(engine)
    tables = sorted(inspector.get_table_names())
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            triggers = connection.execute(text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")).all()
        else:
            triggers = connection.execute(text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname")).all()
    return {"tables": tables, "triggers": [t[0] for t in triggers],
            "checks": {t: sorted(c["name"] for c in inspector.get_check_constraints(t))
                       for t in tables}}


def test_migrations_create_every_table_and_match_the_models(database_url: str) -> None:
    """A fresh database is made from the models at once (upgrade_db); an existing one is
    migrated: both give the same schema."""
    from alembic import command

    from pipeline.store.db import alembic_config

    migrated = create_db_engine(database_url)
    command.upgrade(alembic_config(migrated), "head")
    names = set(inspect(migrated).get_table_names())
    expected = {"sources", "items", "item_texts", "classifications", "submissions", "editions",
                "edition_items", "subscribers", "deliveries", "users", "audit_log", "stories",
                "translation_memory", "events", "runs", "leases", "alembic_version"}
    assert expected <= names
    with migrated.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    from_migrations = schema_of(migrated)
    with migrated.begin() as connection:  # empty it, then make it from the models
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE alembic_version"))
        if migrated.dialect.name == "postgresql":
            connection.execute(text("DROP FUNCTION audit_log_refuse()"))
    assert upgrade_db(migrated) == (None, head_revision())
    assert schema_of(migrated) == from_migrations
    assert from_migrations["checks"]["items"] == ["ck_items_origin", "ck_items_status"]  # type: ignore[index]
    migrated.dispose()


def test_upgrade_is_idempotent(engine: Engine) -> None:
    assert upgrade_db(engine) == (head_revision(), head_revision())


def test_the_models_revision_is_the_migrations_head(database_url: str) -> None:
    """The revision a database is opened at without alembic is alembic's head, and a fresh
    database records it as alembic would: same table, key and revision."""
    from alembic import command

    from pipeline.store.db import SCHEMA_REVISION, alembic_config

    assert head_revision() == SCHEMA_REVISION
    fresh = create_db_engine(database_url)
    assert upgrade_db(fresh) == (None, SCHEMA_REVISION)
    with fresh.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == SCHEMA_REVISION
    made = inspect(fresh)
    ours = (made.get_columns("alembic_version"), made.get_pk_constraint("alembic_version"))
    with fresh.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))
    command.stamp(alembic_config(fresh), "head")  # alembic's own table
    made = inspect(fresh)
    alembics = (made.get_columns("alembic_version"), made.get_pk_constraint("alembic_version"))
    assert repr(ours) == repr(alembics)
    fresh.dispose()


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


def test_collected_items_store_dates_and_lists_as_the_orm_does(engine: Engine) -> None:
    """The bulk insert writes each value as SQLAlchemy would: on SQLite dates are text that
    the queries compare, so an item published exactly at a bound must be found by it."""
    factory = make_sessionmaker(engine)
    on_the_hour = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    with factory.begin() as session:
        session.add(Source(id="carbon-brief", name="CB", url=SPEC.url, kind="feed", lang="en"))
    with factory.begin() as session:
        upsert_items(session, [make_item(1, published_at=on_the_hour, categories=("Soil",))])
        session.add(Item(url="https://example.org/orm", canonical_url="https://example.org/orm",
                         title="Written by the ORM", content_hash="e" * 64, fetched_at=NOW,
                         published_at=on_the_hour, updated_at=NOW, categories=["Soil"]))
    with factory() as session:
        found = session.scalars(select(Item.title).where(Item.published_at >= on_the_hour)
                                .order_by(Item.title)).all()
        assert found == ["Soil carbon story 1", "Written by the ORM"]
        raw = session.execute(text(
            "SELECT published_at, fetched_at, updated_at, warnings, categories FROM items "
            "ORDER BY title")).all()
    collected, orm = (tuple(str(value) for value in row) for row in raw)
    assert collected[:2] == orm[:2] and collected[3:] == orm[3:]


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
        bob = Actor("bob", Role.EDITOR, user_id=1)
        carla = Actor("carla", Role.APPROVER, user_id=2)
        with pytest.raises(EditionError, match="is draft: cannot become sent"):
            move_edition(session, edition, EditionStatus.SENT, actor=bob)
        move_edition(session, edition, EditionStatus.IN_REVIEW, actor=bob)
        with pytest.raises(PermissionDenied, match=r"bob \(editor\) may not approve"):
            move_edition(session, edition, EditionStatus.APPROVED, actor=bob)
        move_edition(session, edition, EditionStatus.APPROVED, actor=carla)
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


def test_migration_0005_types_the_states_of_existing_rows(database_url: str) -> None:
    """A database at 0002 with rows in the old states: after the upgrade every value is a
    state of pipeline.states, nothing is lost (SQLite copies tables with foreign keys off),
    and the CHECK constraints refuse unknown values."""
    from alembic import command

    from pipeline.store.db import alembic_config

    engine = create_db_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0002")
    day = "'2026-01-01 00:00:00+00'"
    with engine.begin() as c:
        for statement in [
            "INSERT INTO sources (id, name, url, kind, lang, enabled, error_count, paused, "
            f"item_count, updated_at) VALUES ('p', 'P', 'https://p.org', 'page', 'fr', true, 0, "
            f"false, 0, {day})",
            "INSERT INTO items (id, source_id, url, canonical_url, content_hash, title, summary, "
            "body, fetched_at, status, warnings, updated_at) VALUES "
            f"(1, 'p', 'u', 'u', 'h', 't', '', '', {day}, 'processed', '[]', {day}), "
            f"(2, NULL, 'v', 'v', 'h2', 't', '', '', {day}, 'odd', '[]', {day})",
            "INSERT INTO item_texts (item_id, lang, title, summary, body, origin, flags, "
            "edited_by, edited_at, created_at) VALUES "
            f"(1, 'en', 't', '', '', 'edited', '[]', 'ed', {day}, {day}), "
            f"(1, 'fr', 't', '', '', 'original', '[]', NULL, NULL, {day})",
            "INSERT INTO classifications (item_id, lang, relevant, relevance_score, themes, "
            f"regions, evidence, classified_at) VALUES (1, 'fr', true, 0, '[]', '[]', '{{}}', "
            f"{day})",
            "INSERT INTO editions (id, kind, period_start_at, period_end_at, status, "
            "language_state, editorial, created_at, updated_at, warnings) VALUES (1, "
            f"'newsletter', {day}, {day}, 'draft', "
            '\'{"fr": {"complete": false, "missing": ["3"], "unreviewed": []}}\', '
            f"'{{}}', {day}, {day}, '[]')",
            "INSERT INTO subscribers (id, email, language, publications, status, created_at, "
            f"updated_at) VALUES (1, 'a@b.org', 'fr', '[]', 'confirmed', {day}, {day})",
            "INSERT INTO deliveries (edition_id, subscriber_id, language, status, attempts) "
            "VALUES (1, 1, 'fr', 'retry', 1)",
            "INSERT INTO translation_memory (source_lang, target_lang, source_hash, source_text, "
            f"target_text, origin, created_at) VALUES ('fr', 'en', 'x', 'a', 'b', 'edited', {day})",
        ]:
            c.execute(text(statement))
    upgrade_db(engine)
    with make_sessionmaker(engine)() as session:
        texts = {t.lang: t for t in session.scalars(select(ItemText))}
        assert (texts["en"].state, texts["en"].reviewed_by, texts["en"].version) == (
            TextState.REVIEWED, "ed", 1)
        assert texts["fr"].state == TextState.ORIGINAL
        items = {i.id: i for i in session.scalars(select(Item))}
        assert (items[1].status, items[1].origin) == (ItemStatus.PROCESSED, ItemOrigin.PAGE)
        assert (items[2].status, items[2].origin) == (ItemStatus.NEW, ItemOrigin.FEED)
        assert session.scalar(select(Delivery.status)) == DeliveryStatus.DEFERRED
        assert session.scalar(select(TranslationMemory.origin)) == TextState.REVIEWED
        assert session.scalar(select(func.count()).select_from(Classification)) == 1
        edition = session.get(Edition, 1)
        assert edition is not None
        assert edition.language_state == {"fr": LanguageState(missing=("3",))}
    with pytest.raises(IntegrityError), engine.begin() as c:
        c.execute(text("UPDATE deliveries SET status = 'queued'"))
    engine.dispose()
