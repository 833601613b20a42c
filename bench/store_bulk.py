"""Bulk insert and upsert of N items by canonical URL vs row-at-a-time ORM inserts.

    .venv/bin/python bench/store_bulk.py [--n 100000] [--postgres URL]

Prints, per database, the wall time of: the baseline (row at a time: look the item up by
canonical URL, then add one ORM object and flush, or update the stored one), the project's
bulk path (``upsert_items``) for the same N new items, and both again for a second pass where
10 % of the items changed and the rest are identical (the upsert path). Ratios are against
the baseline doing the same work in the same run.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select

from pipeline.records import CollectedItem
from pipeline.store.db import create_db_engine, make_sessionmaker, upgrade_db
from pipeline.store.items import UpsertStats, upsert_items
from pipeline.store.models import Item

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def make_items(n: int, prefix: str, changed_every: int = 0) -> list[CollectedItem]:
    items = []
    for i in range(n):
        changed = changed_every and i % changed_every == 0
        items.append(CollectedItem(
            source_id=None, url=f"https://news.example.org/{prefix}/{i}?utm_source=rss",
            canonical_url=f"https://news.example.org/{prefix}/{i}",
            title=f"Soil organic carbon item {i}" + (" (updated)" if changed else ""),
            summary="Farmers in the region adopted cover crops and agroforestry. " * 3,
            fetched_at=NOW, published_at=NOW, guid=f"{prefix}-{i}",
            content_hash=f"{prefix}-{i}-{'v2' if changed else 'v1'}"))
    return items


def row_at_a_time(engine: Engine, items: list[CollectedItem]) -> float:
    """The naive collector: for each item, look it up by canonical URL, then insert one ORM
    object (flushed) or update the stored one; one transaction for the whole batch."""
    factory = make_sessionmaker(engine)
    started = time.perf_counter()
    with factory.begin() as session:
        for it in items:
            stored = session.scalar(select(Item).where(Item.canonical_url == it.canonical_url))
            if stored is not None:
                if stored.content_hash != it.content_hash:
                    stored.title, stored.content_hash = it.title, it.content_hash
                    session.flush()
                continue
            session.add(Item(source_id=None, url=it.url, canonical_url=it.canonical_url,
                             guid=it.guid, content_hash=it.content_hash, title=it.title,
                             summary=it.summary, body="", fetched_at=it.fetched_at,
                             published_at=it.published_at, status="new", warnings=[],
                             updated_at=NOW))
            session.flush()
    return time.perf_counter() - started


def bulk(engine: Engine, items: list[CollectedItem]) -> tuple[float, UpsertStats]:
    factory = make_sessionmaker(engine)
    started = time.perf_counter()
    with factory.begin() as session:
        stats = upsert_items(session, items)
    return time.perf_counter() - started, stats


def run(label: str, engine: Engine, n: int) -> list[str]:
    upgrade_db(engine)
    base_insert = row_at_a_time(engine, make_items(n, "orm"))
    base_upsert = row_at_a_time(engine, make_items(n, "orm", changed_every=10))
    insert_s, insert_stats = bulk(engine, make_items(n, "bulk"))
    upsert_s, upsert_stats = bulk(engine, make_items(n, "bulk", changed_every=10))
    with make_sessionmaker(engine)() as session:
        total = session.scalar(select(func.count()).select_from(Item))
    assert total == 2 * n, total
    return [
        f"| {label} | insert {n:,} new | {base_insert:.2f} s | {insert_s:.2f} s | "
        f"{base_insert / insert_s:.1f}× |",
        f"| {label} | upsert {n:,} (10 % changed) | {base_upsert:.2f} s | {upsert_s:.2f} s | "
        f"{base_upsert / upsert_s:.1f}× |",
        f"<!-- {label}: insert new={insert_stats.new}; upsert updated={upsert_stats.updated} "
        f"unchanged={upsert_stats.unchanged} -->",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--postgres", default=os.environ.get("PIPELINE_TEST_POSTGRES_URL"),
                        help="superuser URL of a throwaway PostgreSQL (a database is created)")
    args = parser.parse_args()
    lines = ["| database | work | row at a time (baseline) | `upsert_items` | speed-up |",
             "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        lines += run("SQLite", create_db_engine(f"sqlite:///{Path(tmp) / 'b.sqlite3'}"), args.n)
    if args.postgres:
        import psycopg

        with psycopg.connect(args.postgres, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS bench_store WITH (FORCE)")
            conn.execute("CREATE DATABASE bench_store")
        url = args.postgres.rpartition("/")[0] + "/bench_store"
        engine = create_db_engine(url)
        try:
            lines += run("PostgreSQL", engine, args.n)
        finally:
            engine.dispose()
            with psycopg.connect(args.postgres, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS bench_store WITH (FORCE)")
    else:
        lines.append("(PostgreSQL skipped: pass --postgres URL or set PIPELINE_TEST_POSTGRES_URL)")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
