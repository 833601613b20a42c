"""Storing N collected items, SQLite and PostgreSQL: ``upsert_items`` against what a user would
otherwise write, measured in the same run.

    .venv/bin/python bench/store_bulk.py [--n 20000] [--pairs 5] [--scale-n 100000]
                                         [--postgres URL]

Two kinds of work, each from the same starting state (rebuilt before every run, untimed, then
analysed as a long-lived table is): *insert* N new items into a table holding N others, and
*upsert* N items into a table holding them, 10 % of them changed. Our side, ``upsert_items``,
also recognises an item by GUID or content hash under another address. The baselines, each
paired with ours (median of ``--pairs`` pairs, alternating which runs first, CPU time beside wall
time):

- row at a time (the naive collector): look the item up by canonical URL, add one ORM object
  and flush, or update the stored one; one transaction for the batch. Target ≥ 10× (aim 20×);
- the bulk statement a user would write, without the GUID/hash look-ups: one ``executemany`` of
  ``INSERT … ON CONFLICT (canonical_url) DO UPDATE … WHERE the hash changed`` (SQLAlchemy
  Core), and on PostgreSQL also ``COPY`` into a temporary table followed by one
  ``INSERT … SELECT … ON CONFLICT``. The ratio says what the extra look-ups cost.

Autovacuum is off for the PostgreSQL table so that every run sees the same planner statistics.
``--scale-n`` runs ``upsert_items`` alone into an empty table, never analysed (a first collect
into a new database): N and a larger N, insert then upsert; its time per item must not grow with
the table (a look-up that scans the table would).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from harness import measure, note_load, report, run_pairs
from sqlalchemy import Engine, Table, func, select, text
from sqlalchemy.dialects import postgresql, sqlite

from pipeline.records import CollectedItem
from pipeline.store.db import create_db_engine, make_sessionmaker, upgrade_db
from pipeline.store.items import upsert_items
from pipeline.store.models import Item

NOW = datetime(2026, 11, 1, tzinfo=UTC)
UPDATABLE = ("title", "summary", "content_hash", "url", "published_at", "updated_at", "status")


def make_items(n: int, changed_every: int = 0, prefix: str = "a") -> list[CollectedItem]:
    items = []
    for i in range(n):
        changed = changed_every and i % changed_every == 0
        items.append(CollectedItem(
            source_id=None, url=f"https://news.example.org/{prefix}/{i}?utm_source=rss",
            canonical_url=f"https://news.example.org/{prefix}/{i}",
            title=f"Soil organic carbon item {i}" + (" (updated)" if changed else ""),
            summary="Farmers in the region adopted cover crops and agroforestry. " * 3,
            fetched_at=NOW, published_at=NOW, guid=f"guid-{prefix}-{i}",
            content_hash=f"sha256:{prefix}{i:062x}" + ("2" if changed else "1")))
    return items


def as_row(it: CollectedItem) -> dict[str, Any]:
    return {"source_id": None, "url": it.url, "canonical_url": it.canonical_url,
            "guid": it.guid, "content_hash": it.content_hash, "title": it.title,
            "summary": it.summary, "body": "", "fetched_at": it.fetched_at,
            "published_at": it.published_at, "status": "new", "origin": "feed",
            "warnings": [], "categories": [], "updated_at": NOW}


def row_at_a_time(engine: Engine, items: list[CollectedItem]) -> None:
    """The naive collector: for each item, look it up by canonical URL, then insert one ORM
    object (flushed) or update the stored one; one transaction for the whole batch."""
    with make_sessionmaker(engine).begin() as session:
        for it in items:
            stored = session.scalar(select(Item).where(Item.canonical_url == it.canonical_url))
            if stored is not None:
                if stored.content_hash != it.content_hash:
                    stored.title, stored.content_hash = it.title, it.content_hash
                    session.flush()
                continue
            session.add(Item(**as_row(it)))
            session.flush()


def ours(engine: Engine, items: list[CollectedItem]) -> None:
    with make_sessionmaker(engine).begin() as session:
        upsert_items(session, items)


def executemany_upsert(engine: Engine, items: list[CollectedItem]) -> None:
    """SQLAlchemy Core: one INSERT … ON CONFLICT DO UPDATE executed with every row (executemany;
    on PostgreSQL SQLAlchemy batches the rows into multi-row VALUES)."""
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(cast(Table, Item.__table__))
    statement = insert.on_conflict_do_update(
        index_elements=["canonical_url"],
        set_={name: insert.excluded[name] for name in UPDATABLE},
        where=insert.table.c.content_hash != insert.excluded.content_hash)
    with engine.begin() as connection:
        connection.execute(statement, [as_row(it) for it in items])


def copy_upsert(engine: Engine, items: list[CollectedItem]) -> None:
    """psycopg COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT."""
    from psycopg.types.json import Json

    columns = list(as_row(items[0]))
    names = ", ".join(columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in UPDATABLE)
    with engine.begin() as connection:
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor:
            cursor.execute("CREATE TEMP TABLE incoming (LIKE items INCLUDING DEFAULTS) "
                           "ON COMMIT DROP")
            with cursor.copy(f"COPY incoming ({names}) FROM STDIN") as copy:
                for it in items:
                    row = as_row(it)
                    copy.write_row([Json(row[c]) if c in ("warnings", "categories") else row[c]
                                    for c in columns])
            cursor.execute(f"INSERT INTO items ({names}) SELECT {names} FROM incoming "
                           f"ON CONFLICT (canonical_url) DO UPDATE SET {updates} "
                           "WHERE items.content_hash IS DISTINCT FROM excluded.content_hash")


def empty(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("TRUNCATE items RESTART IDENTITY CASCADE"))
        else:
            connection.execute(text("DELETE FROM items"))


def check(engine: Engine, total_rows: int, changed: int) -> Callable[[str, Any], None]:
    def verify(_side: str, _result: Any) -> None:
        with engine.connect() as connection:
            total = connection.scalar(select(func.count()).select_from(Item))
            updated = connection.scalar(select(func.count()).select_from(Item)
                                        .where(Item.title.like("%(updated)")))
        assert (total, updated) == (total_rows, changed), (total, updated)
    return verify


def run(label: str, engine: Engine, n: int, pairs: int) -> None:
    upgrade_db(engine)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE items SET (autovacuum_enabled = false)"))
    stored, new = make_items(n), make_items(n, prefix="b")
    changed = make_items(n, changed_every=10)
    baselines: list[tuple[str, Callable[[Engine, list[CollectedItem]], None], str, float]] = [
        ("row at a time", row_at_a_time, "≥ 10× (aim 20×)", 10.0),
        ("executemany upsert", executemany_upsert, "—", 0.0)]
    if engine.dialect.name == "postgresql":
        baselines.append(("COPY upsert", copy_upsert, "—", 0.0))

    def fill() -> None:
        empty(engine)
        ours(engine, stored)
        with engine.begin() as connection:
            connection.execute(text("ANALYZE items"))

    for work, items, total, expect in (("insert", new, 2 * n, 0),
                                       ("upsert", changed, n, n // 10)):
        for name, baseline, target, floor in baselines:
            result = run_pairs(lambda items=items: ours(engine, items),
                               lambda b=baseline, items=items: b(engine, items),  # type: ignore[misc]
                               pairs, before=fill, check=check(engine, total, expect))
            print(f"{label}, {work} {n:,} ({'10 % changed' if expect else 'new'}) vs {name}: "
                  + result.describe("upsert_items", name), flush=True)
            report(f"{label} {work} {n:,}: upsert_items vs {name}",
                   f"{result.speedup:.1f}× wall, {result.cpu_speedup:.1f}× CPU "
                   f"({result.ours_median().wall:.2f} s vs {result.base_median().wall:.2f} s)",
                   target, result.speedup >= floor if floor else None, result.speedup)


def run_scale(label: str, engine: Engine, n: int, big: int, runs: int) -> None:
    """Our upsert of ``big`` items against ``n``: time per item must stay flat."""
    per_item: dict[int, list[float]] = {n: [], big: []}
    for _ in range(runs):
        for size in (n, big):
            empty(engine)
            sample, _ = measure(lambda size=size: ours(engine, make_items(size)))  # type: ignore[misc]
            upsert, _ = measure(lambda size=size: ours(engine, make_items(size, 10)))  # type: ignore[misc]
            per_item[size].append((sample.wall + upsert.wall) / size)
    ratio = statistics.median(per_item[big]) / statistics.median(per_item[n])
    print(f"{label}: upsert_items insert+upsert per item: {n:,} → "
          f"{statistics.median(per_item[n]) * 1e6:.1f} µs, {big:,} → "
          f"{statistics.median(per_item[big]) * 1e6:.1f} µs (median of {runs})", flush=True)
    report(f"{label}: upsert_items time per item, {big:,} vs {n:,} items",
           f"{ratio:.2f}", "≤ 1.5 (linear)", ratio <= 1.5, ratio)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--scale-n", type=int, default=100_000,
                        help="also time upsert_items alone on this many items (0: skip)")
    parser.add_argument("--postgres", default=os.environ.get("PIPELINE_TEST_POSTGRES_URL"),
                        help="superuser URL of a throwaway PostgreSQL (a database is created)")
    args = parser.parse_args()
    note_load("start")
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_db_engine(f"sqlite:///{Path(tmp) / 'b.sqlite3'}")
        run("SQLite", engine, args.n, args.pairs)
        if args.scale_n:
            run_scale("SQLite", engine, args.n, args.scale_n, args.pairs)
        engine.dispose()
    if args.postgres:
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_store WITH (FORCE)")
            conn.execute("CREATE DATABASE bench_store")
        engine = create_db_engine(args.postgres.rpartition("/")[0] + "/bench_store")
        try:
            run("PostgreSQL", engine, args.n, args.pairs)
            if args.scale_n:
                run_scale("PostgreSQL", engine, args.n, args.scale_n, args.pairs)
        finally:
            engine.dispose()
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS bench_store WITH (FORCE)")
    else:
        print("PostgreSQL skipped: pass --postgres URL or set PIPELINE_TEST_POSTGRES_URL")
        report("PostgreSQL upsert", "not measured (no server)", "≥ 10×", False)
    note_load("end")


if __name__ == "__main__":
    main()
