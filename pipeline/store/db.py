"""Database engine, sessions and migrations.

SQLite (the default) runs in WAL mode with foreign keys on, a busy timeout, and write
transactions that take the write lock at BEGIN (``BEGIN IMMEDIATE``) so that two processes
writing at once wait for each other instead of failing with "database is locked".
PostgreSQL is used when the database URL says so (``postgresql://`` maps to psycopg 3).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    create_engine,
    event,
    inspect,
    make_url,
    select,
)
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from pipeline.errors import StoreError
from pipeline.resources import bundled_path

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = bundled_path("pipeline.store", "migrations")
SCHEMA_REVISION = "0011"
"""The migration the models are at (the migrations' head: a test checks it). A database at
this revision is opened without loading alembic, which only migrating needs (it costs a
command about 0.1 s to import and to unload)."""
VERSION_TABLE = Table(
    "alembic_version", MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"))
"""Alembic's record of the revision, as alembic itself creates it (a test compares them)."""
SQLITE_BUSY_TIMEOUT_MS = 60_000


def normalise_url(url: str) -> URL:
    """Parse a database URL; ``postgres://`` and ``postgresql://`` use psycopg 3."""
    try:
        parsed = make_url(url)
        parsed.port  # noqa: B018 - a non-numeric port raises here, not later
    except (ArgumentError, ValueError):
        raise StoreError("database URL is not valid (expected sqlite:///PATH or "
                         "postgresql://USER@HOST:PORT/NAME)") from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreError(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or "
                         "postgresql")
    return parsed


def describe_url(url: str | URL) -> str:
    """The URL with its password hidden, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # Let SQLAlchemy's begin event decide how transactions start.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        # Writers take the write lock at BEGIN (and wait for it), so a transaction never
        # fails half-way upgrading a read lock; read-only sessions do not block writers.
        readonly = connection.get_execution_options().get("pipeline_readonly", False)
        connection.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; the SQLite file's folder is created when missing."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).expanduser().parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create {folder}: {exc.strerror or exc}") from None
        engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": 10})


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database; None when it has none (empty or not ours)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(VERSION_TABLE.name):
            return None
        return connection.execute(select(VERSION_TABLE.c.version_num)).scalar()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def create_schema(engine: Engine) -> None:
    """Make the newest schema in an empty database at once, from the models (the same schema
    the migrations give: a test compares them), and record it at the newest revision:
    replaying every migration on first use costs more as they accumulate."""
    from pipeline.store.models import Base

    with engine.begin() as connection:
        Base.metadata.create_all(connection)
        VERSION_TABLE.create(connection)
        connection.execute(VERSION_TABLE.insert().values(version_num=SCHEMA_REVISION))


MIGRATION_LOCK = 4_1000_17
"""The PostgreSQL advisory lock held while migrating: processes starting at once on several
hosts (workers, the scheduler, the web app) migrate one after the other."""


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name != "postgresql":
        yield  # SQLite: BEGIN IMMEDIATE serialises the writers already
        return
    with engine.connect() as connection:
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK})")
        try:
            yield
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK})")
            connection.commit()


def upgrade_db(engine: Engine) -> tuple[str | None, str | None]:
    """Create or migrate the schema to the newest revision; returns (before, after)."""
    try:
        with migration_lock(engine):
            return _upgrade(engine)
    except (OperationalError, DBAPIError) as exc:
        raise StoreError(f"cannot migrate {describe_url(engine.url)}: {_first_line(exc)}") from None


def _upgrade(engine: Engine) -> tuple[str | None, str | None]:
    try:
        before = current_revision(engine)
        if before is not None and before not in known_revisions():
            raise StoreError(f"{describe_url(engine.url)} is at revision {before}, which this "
                             "version does not know: it was migrated by a newer release")
        if before is None and not inspect(engine).get_table_names():
            create_schema(engine)
        elif before != SCHEMA_REVISION:
            from alembic import command

            command.upgrade(alembic_config(engine), "head")
        return before, current_revision(engine)
    except (OperationalError, DBAPIError) as exc:
        raise StoreError(f"cannot migrate {describe_url(engine.url)}: {_first_line(exc)}") from None


def ensure_db(engine: Engine) -> None:
    """Run migrations when the database is not at the newest revision (first use)."""
    try:
        if current_revision(engine) == SCHEMA_REVISION:
            return
    except (OperationalError, DBAPIError, OSError) as exc:
        raise StoreError(f"cannot open {describe_url(engine.url)}: {_first_line(exc)}") from None
    upgrade_db(engine)


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, readonly: bool = False
                  ) -> Iterator[Session]:
    """A unit of work: commit on success, roll back on error, always close. A ``readonly``
    session on SQLite starts a plain (deferred) transaction that does not wait for writers."""
    session = factory()
    try:
        if readonly:  # inside: a database that is away is a StoreError here too
            session.connection(execution_options={"pipeline_readonly": True})
        yield session
        session.commit()
    except (OperationalError, DBAPIError) as exc:
        session.rollback()
        raise StoreError(f"database error: {_first_line(exc)}") from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
