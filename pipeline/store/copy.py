"""``pipeline db copy --to URL``: every row of the current database into another one (the
move from SQLite to PostgreSQL), in one command.

The source is migrated to the newest schema first; the target is created at the same
revision (it must hold no rows: a copy never merges). Tables are copied parent first, in
batches, inside one transaction on the target: an error leaves it as empty as it was. On
PostgreSQL the id sequences are then set past the largest id copied, so that new rows do
not collide with copied ones. The counts are compared table by table at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from pipeline.errors import StoreError
from pipeline.store.db import describe_url, ensure_db, upgrade_db
from pipeline.store.models import Base

BATCH = 1000


def count_rows(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables}


def same_database(one: Engine, other: Engine) -> bool:
    if one.dialect.name == other.dialect.name == "sqlite":
        return Path(one.url.database or "").resolve() == Path(other.url.database or "").resolve()
    return one.url == other.url


def copy_database(source: Engine, target: Engine,
                  progress: Callable[[str, int], None] | None = None) -> dict[str, int]:
    """Copy every table of ``source`` into the empty ``target``; returns the rows copied
    per table."""
    if same_database(source, target):
        raise StoreError("the target is the database itself: name another one with --to")
    ensure_db(source)
    upgrade_db(target)
    busy = {name: n for name, n in count_rows(target).items() if n}
    if busy:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(busy.items()))
        raise StoreError(f"{describe_url(target.url)} already holds rows ({listed}): a copy "
                         "goes into an empty database only")
    copied: dict[str, int] = {}
    try:
        with source.connect().execution_options(pipeline_readonly=True) as reading, \
                target.begin() as writing:
            reading.begin()  # one snapshot of the source for every table
            for table in Base.metadata.sorted_tables:
                copied[table.name] = _copy_table(reading, writing, table)
                if progress is not None:
                    progress(table.name, copied[table.name])
            if writing.dialect.name == "postgresql":
                for table in Base.metadata.sorted_tables:
                    _fix_sequence(writing, table)
    except DBAPIError as exc:
        detail = str(getattr(exc, "orig", exc)).strip().splitlines()[:1]
        raise StoreError(f"copy to {describe_url(target.url)} failed, nothing was kept: "
                         f"{detail[0] if detail else type(exc).__name__}") from None
    after = count_rows(target)
    wrong = {name: (n, after.get(name)) for name, n in copied.items() if after.get(name) != n}
    if wrong:
        raise StoreError(f"row counts differ after the copy: {wrong}")
    return copied


def _copy_table(reading: object, writing: object, table: Table) -> int:
    result = reading.execution_options(yield_per=BATCH).execute(  # type: ignore[attr-defined]
        select(table))
    count = 0
    for batch in result.partitions(BATCH):
        writing.execute(insert(table), [dict(row._mapping) for row in batch])  # type: ignore[attr-defined]
        count += len(batch)
    return count


def _fix_sequence(writing: object, table: Table) -> None:
    """Set the sequence behind an integer ``id`` past the largest id copied."""
    column = table.c.get("id")
    if column is None or not column.primary_key or column.type.python_type is not int:
        return
    writing.execute(text(  # type: ignore[attr-defined]
        f"SELECT setval(pg_get_serial_sequence(:table, 'id'), "
        f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 1), "
        f"(SELECT MAX(id) IS NOT NULL FROM \"{table.name}\"))"), {"table": table.name})


__all__ = ["copy_database", "count_rows"]
