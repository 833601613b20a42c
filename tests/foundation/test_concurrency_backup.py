"""Two processes writing at once; online backups restored into a fresh database."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pipeline.store.backup import backup_db, restore_pg
from pipeline.store.db import create_db_engine, head_revision, make_sessionmaker, upgrade_db
from pipeline.store.models import Item

WRITER = r"""
import sys
from datetime import UTC, datetime
from pipeline.records import CollectedItem
from pipeline.store.db import create_db_engine, make_sessionmaker, session_scope
from pipeline.store.items import upsert_items

url, tag, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
factory = make_sessionmaker(create_db_engine(url))
now = datetime.now(UTC)
for r in range(rounds):
    items = [CollectedItem(source_id=None, url=f"https://x.org/{tag}/{r}/{i}",
             canonical_url=f"https://x.org/{tag}/{r}/{i}", title="t", fetched_at=now,
             content_hash=f"{tag}-{r}-{i}") for i in range(50)]
    # Both writers also upsert the same shared items: the database must keep one of each.
    items += [CollectedItem(source_id=None, url=f"https://x.org/shared/{i}",
              canonical_url=f"https://x.org/shared/{i}", title="shared", fetched_at=now,
              content_hash=f"shared-{i}") for i in range(r, r + 5)]
    with session_scope(factory) as session:
        upsert_items(session, items)
print("ok")
"""


def _spawn(url: str, tag: str, rounds: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", WRITER, url, tag, str(rounds)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_processes_writing_sqlite_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    upgrade_db(create_db_engine(url))
    writers = [_spawn(url, tag, 40) for tag in ("a", "b")]
    outputs = [w.communicate(timeout=240) for w in writers]
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert "database is locked" not in err
        assert out.strip() == "ok"
    factory = make_sessionmaker(create_db_engine(url))
    with factory() as session:
        total = session.scalar(select(func.count()).select_from(Item))
        shared = session.scalar(select(func.count()).select_from(Item)
                                .where(Item.title == "shared"))
    assert total == 2 * 40 * 50 + 44
    assert shared == 44


def _fill(url: str, n: int) -> None:
    writer = _spawn(url, "fill", n)
    _out, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err


def test_sqlite_backup_restores_and_migrates(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    engine = create_db_engine(url)
    upgrade_db(engine)
    _fill(url, 4)
    writer = _spawn(url, "during", 20)  # the backup runs while another process writes
    target = backup_db(engine, tmp_path / "copy.sqlite3")
    writer.communicate(timeout=120)
    restored = create_db_engine(f"sqlite:///{target}")
    assert upgrade_db(restored) == (head_revision(), head_revision())
    with make_sessionmaker(restored)() as session:
        count = session.scalar(select(func.count()).select_from(Item)
                               .where(Item.canonical_url.like("https://x.org/fill/%")))
    assert count == 4 * 50
    with pytest.raises(Exception, match="exists"):
        backup_db(engine, target)


def test_postgres_backup_restores_into_a_fresh_database(
        postgres_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    engine = create_db_engine(postgres_url)
    upgrade_db(engine)
    _fill(postgres_url, 3)
    dump = backup_db(engine, tmp_path / "pg.dump")
    engine.dispose()
    fresh_url = str(request.getfixturevalue("postgres_url_second"))
    restore_pg(dump, fresh_url)
    restored = create_db_engine(fresh_url)
    assert upgrade_db(restored) == (head_revision(), head_revision())
    with make_sessionmaker(restored)() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 3 * 50 + 7
    restored.dispose()


def test_backup_then_upgrade_keeps_the_old_schema_copy(tmp_path: Path) -> None:
    """The administrator's routine: back up, then upgrade. The copy stays at the old revision
    and the upgrade keeps the data."""
    from alembic import command

    from pipeline.store.db import alembic_config, current_revision
    from tests.conftest import run_pipeline

    live = tmp_path / "var" / "pipeline.sqlite3"
    engine = create_db_engine(f"sqlite:///{live}")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO items (url, canonical_url, content_hash, title, summary, body, "
            "fetched_at, status, warnings, updated_at) VALUES ('https://a.org/1', "
            "'https://a.org/1', 'h1', 'Kept', '', '', '2026-11-01 00:00:00', 'new', '[]', "
            "'2026-11-01 00:00:00')")
    engine.dispose()
    backup = run_pipeline(["db", "backup", str(tmp_path / "before.sqlite3")], cwd=tmp_path)
    assert backup.returncode == 0, backup.stderr
    upgraded = run_pipeline(["db", "upgrade"], cwd=tmp_path)
    assert f"migrated from 0001 to {head_revision()}" in upgraded.stdout
    copy = create_db_engine(f"sqlite:///{tmp_path / 'before.sqlite3'}")
    assert current_revision(copy) == "0001"
    copy.dispose()
    migrated = create_db_engine(f"sqlite:///{live}")
    with make_sessionmaker(migrated)() as session:
        assert session.scalar(select(Item.title)) == "Kept"
    migrated.dispose()


def test_sqlite_readers_do_not_wait_for_a_writer(tmp_path: Path) -> None:
    """While a writer holds the write lock, a read-only session still reads (WAL)."""
    import threading

    from sqlalchemy import text

    from pipeline.store.db import session_scope

    engine = create_db_engine(f"sqlite:///{tmp_path / 'rw.sqlite3'}")
    upgrade_db(engine)
    factory = make_sessionmaker(engine)
    locked, read_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def writer() -> None:
        with session_scope(factory) as session:
            session.execute(text("INSERT INTO runs (job, started_at, status, stats) "
                                 "VALUES ('collect', '2026-11-01 00:00:00', 'ok', '{}')"))
            locked.set()
            seen.append(read_done.wait(timeout=20))  # still holding the lock

    thread = threading.Thread(target=writer)
    thread.start()
    assert locked.wait(timeout=20)
    with session_scope(factory, readonly=True) as session:
        assert session.scalar(text("SELECT count(*) FROM runs")) == 0  # not yet committed
    read_done.set()
    thread.join()
    assert seen == [True]
    engine.dispose()
