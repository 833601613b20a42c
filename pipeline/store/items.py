"""Storing collected items once, in bulk.

An item is the same item when its canonical URL matches, or its GUID matches (the same GUID in
two feeds), or its content hash matches. New items are inserted and changed items updated with
one multi-row statement per chunk (``INSERT … ON CONFLICT (canonical_url) DO UPDATE``), which
is safe when two collectors run at once.
"""

from __future__ import annotations

import functools
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    String,
    Table,
    any_,
    bindparam,
    func,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session

from pipeline.records import CollectedItem
from pipeline.states import ItemOrigin, ItemStatus
from pipeline.store.models import Item

CHUNK = 2000
_UPDATABLE = ("title", "summary", "body", "author", "publisher", "published_at",
              "content_hash", "url", "lang_hint", "warnings", "fallback", "categories",
              "updated_at", "status")
"""Columns a changed item rewrites; ``status`` goes back to ``new`` so that the changed text is
classified and translated again (a person's texts are kept: see store.texts)."""
_RELEASED = {"claimed_by": None, "lease_expires_at": None}
"""A changed item's lease ends too: a processor working on the old text stores nothing."""


@dataclass(slots=True)
class UpsertStats:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    sources: dict[str, UpsertStats] = field(default_factory=dict)
    """The same counts per source (``CollectedItem.source_id``), when several sources' items
    are stored at once."""


def _stats_of(tally: Counter[tuple[str, str]]) -> UpsertStats:
    """Totals and per-source counts from ``(source_id, outcome)`` tallies."""
    stats = UpsertStats()
    for (source_id, outcome), count in tally.items():
        per = stats.sources.setdefault(source_id, UpsertStats())
        setattr(per, outcome, getattr(per, outcome) + count)
        setattr(stats, outcome, getattr(stats, outcome) + count)
    return stats


def _chunks(items: Sequence[CollectedItem], size: int) -> Iterable[Sequence[CollectedItem]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def fit(value: str | None, length: int) -> str | None:
    """Cut a value to its column's length: PostgreSQL refuses longer strings (SQLite does
    not), and one overlong header or name must not stop a whole collect run."""
    return value if value is None or len(value) <= length else value[:length]


_NEW = str(ItemStatus.NEW.value)
"""The status of a stored item, as a plain string (an enum member's ``.value`` costs more
than the rest of building a row)."""


def _row(item: CollectedItem, now_at: datetime, origin: str) -> dict[str, Any]:
    return {
        "source_id": item.source_id,
        "url": item.url,
        "canonical_url": fit(item.canonical_url, 2048),
        "guid": fit(item.guid, 2048),
        "content_hash": fit(item.content_hash, 80),
        "title": item.title,
        "summary": item.summary,
        "body": item.body,
        "author": fit(item.author, 500),
        "publisher": fit(item.publisher, 300),
        "lang_hint": fit(item.lang_hint, 16),
        "published_at": item.published_at,
        "fetched_at": item.fetched_at,
        "status": _NEW,
        "origin": origin,
        "warnings": list(item.warnings),
        "fallback": item.fallback,
        "categories": list(item.categories),
        "updated_at": now_at,
    }


def _find_existing(session: Session, chunk: Sequence[CollectedItem]) -> dict[str, tuple[int, str]]:
    """Existing items matching the chunk: canonical URL → (id, content hash), and for items
    whose URL is new, the same mapping keyed by their URL when their GUID or content hash is
    already stored under another address (the oldest such item).

    Index look-ups only: one query by canonical URL, then, for the items whose URL is new, one
    query by content hash and GUID written as a ``UNION ALL`` of two look-ups so that each uses
    its own index (one ``OR`` over the three keys made PostgreSQL scan the whole table)."""
    urls = list({i.canonical_url for i in chunk})
    with _index_lookups(session):
        found: dict[str, tuple[int, str]] = {
            url: (item_id, content_hash) for item_id, url, content_hash in session.execute(
                select(Item.id, Item.canonical_url, Item.content_hash)
                .where(_among(session, Item.canonical_url, urls)))}
        missing = [i for i in chunk if i.canonical_url not in found]
        if not missing:
            return found
        guids = list({i.guid for i in missing if i.guid})
        hashes = list({i.content_hash for i in missing})
        columns = (Item.id, Item.guid, Item.content_hash)
        lookups = [select(*columns).where(_among(session, Item.content_hash, hashes))]
        if guids:
            lookups.append(select(*columns).where(_among(session, Item.guid, guids)))
        rows = sorted(cast(tuple[int, str | None, str], tuple(row))
                      for row in session.execute(union_all(*lookups)))
    by_guid: dict[str, tuple[int, str]] = {}
    by_hash: dict[str, tuple[int, str]] = {}
    wanted_guids, wanted_hashes = set(guids), set(hashes)
    for item_id, guid, content_hash in rows:
        if guid in wanted_guids:
            by_guid.setdefault(guid, (item_id, content_hash))
        if content_hash in wanted_hashes:
            by_hash.setdefault(content_hash, (item_id, content_hash))
    for item in missing:
        match = (by_guid.get(item.guid) if item.guid else None) or by_hash.get(item.content_hash)
        if match:
            found[item.canonical_url] = match
    return found


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _among(session: Session, column: Any, values: list[str]) -> Any:
    """``column IN values`` with the values as one parameter, not thousands of bind parameters
    (rendering 2,000 of them cost SQLAlchemy more than SQLite's look-up): an array on PostgreSQL
    (``= ANY(%s)``), a JSON array read by ``json_each`` on SQLite (both use the column's
    index)."""
    if _is_postgres(session):
        return column == any_(bindparam(None, values, type_=ARRAY(String)))
    if sqlite3.sqlite_version_info < (3, 38):  # JSON functions optional before 3.38
        return column.in_(values)
    each = func.json_each(bindparam(None, json.dumps(values), type_=String)).table_valued("value")
    return column.in_(select(each.c.value))


@contextmanager
def _index_lookups(session: Session) -> Iterator[None]:
    """On PostgreSQL, plan the look-ups as index scans whatever the table's statistics say.

    A table filled in one transaction (a first collect, a bulk import) still has the
    statistics of an empty one, and psycopg's prepared statements keep the plan made then: a
    sequential scan comparing every row with every key, for every chunk (7 minutes for 100,000
    new items). These queries look up at most ``CHUNK`` keys, which an index always serves
    well, so sequential scans are off while they run (``set_config(…, true)``: this transaction
    only, restored after)."""
    if not _is_postgres(session):
        yield
        return
    previous = session.scalar(text("SELECT current_setting('enable_seqscan')"))
    session.execute(text("SELECT set_config('enable_seqscan', 'off', true)"))
    try:
        yield
    finally:
        session.execute(text("SELECT set_config('enable_seqscan', :v, true)"), {"v": previous})


def _collapse_batch(chunk: Sequence[CollectedItem]) -> list[CollectedItem]:
    """Within one batch, keep the last of items sharing a canonical URL, GUID or content hash."""
    keep: dict[str, CollectedItem] = {}
    alias: dict[str, str] = {}
    for item in chunk:
        key = (alias.get(item.canonical_url) or (alias.get("g:" + item.guid) if item.guid else None)
               or alias.get("h:" + item.content_hash) or item.canonical_url)
        keep[key] = item
        alias[item.canonical_url] = key
        alias["h:" + item.content_hash] = key
        if item.guid:
            alias["g:" + item.guid] = key
    return list(keep.values())


_COLUMNS = ("source_id", "url", "canonical_url", "guid", "content_hash", "title", "summary",
            "body", "author", "publisher", "lang_hint", "published_at", "fetched_at", "status",
            "origin", "warnings", "fallback", "categories", "updated_at")

_JSON_COLUMNS = frozenset({"warnings", "categories"})
_DATE_COLUMNS = frozenset({"published_at", "fetched_at", "updated_at"})


def _insert_rows(session: Session, rows: list[dict[str, Any]]) -> None:
    """``INSERT … ON CONFLICT (canonical_url) DO UPDATE`` for many rows at once.

    SQLite runs one prepared statement with ``executemany`` (fast in-process). PostgreSQL
    streams the rows with COPY into a temporary table and upserts from it in one statement:
    a round trip or a bind-parameter conversion per row is what costs there.
    """
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy_upsert_postgres(connection, rows)
        return
    sql, columns = _sqlite_upsert(connection.dialect)
    converters = [(name, _quick(name, convert)) for name, convert in columns]
    connection.exec_driver_sql(sql, [tuple([row[name] if convert is None else convert(row[name])
                                            for name, convert in converters]) for row in rows])


def _quick(name: str, convert: Any) -> Any:
    """A column type's conversion, for one batch: an empty JSON list (most items have no
    warnings or categories) and a date already seen (a batch's rows share their fetch and
    update times) are converted once."""
    if convert is None:
        return None
    if name in _JSON_COLUMNS:
        empty = convert([])
        return lambda value: empty if value == [] else convert(value)
    if name not in _DATE_COLUMNS:
        return convert
    seen: dict[datetime | None, Any] = {}

    def remembered(value: datetime | None) -> Any:
        if value in seen:
            return seen[value]
        result = seen[value] = convert(value)
        return result
    return remembered


@functools.cache
def _sqlite_upsert(dialect: Dialect) -> tuple[str, tuple[tuple[str, Any], ...]]:
    """The upsert's SQL, compiled once per process, and its parameters in order, each with the
    column type's own conversion (the one SQLAlchemy applies, so that values are stored exactly
    as an ORM write stores them). Converting them here, not through ``Connection.execute``,
    skips SQLAlchemy's per-row parameter building: two thirds of the time of storing a feed's
    items."""
    table = cast(Table, Item.__table__)
    insert = sqlite.insert(table).values({name: bindparam(name) for name in _COLUMNS})
    statement = insert.on_conflict_do_update(
        index_elements=["canonical_url"],
        set_={**{name: insert.excluded[name] for name in _UPDATABLE},
              **{name: null() for name in _RELEASED}},
        where=insert.table.c.content_hash != insert.excluded.content_hash,
    )
    compiled = statement.compile(dialect=dialect)
    order = compiled.positiontup or []
    if sorted(order) != sorted(_COLUMNS):  # the statement binds each column once, nothing else
        raise RuntimeError(f"unexpected parameters of the item upsert: {order}")
    # the dialect's own type (SQLite's DATETIME writes its text format; the generic type would
    # leave a datetime to sqlite3's adapter, whose format sorts differently)
    return str(compiled), tuple(
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
        for name in order)


def _copy_upsert_postgres(connection: Connection, rows: list[dict[str, Any]]) -> None:
    from psycopg.types.json import Json

    raw = connection.connection.driver_connection
    columns = ", ".join(_COLUMNS)
    updates = ", ".join([*(f"{name} = excluded.{name}" for name in _UPDATABLE),
                         *(f"{name} = NULL" for name in _RELEASED)])
    with raw.cursor() as cursor:  # type: ignore[union-attr]
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS items_incoming "
                       "(LIKE items INCLUDING DEFAULTS) ON COMMIT DELETE ROWS")
        with cursor.copy(f"COPY items_incoming ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([Json(row[c]) if c in _JSON_COLUMNS else row[c]
                                for c in _COLUMNS])
        cursor.execute(
            f"INSERT INTO items ({columns}) SELECT {columns} FROM items_incoming "
            f"ON CONFLICT (canonical_url) DO UPDATE SET {updates} "
            "WHERE items.content_hash IS DISTINCT FROM excluded.content_hash")
        cursor.execute("DELETE FROM items_incoming")


def upsert_items(session: Session, items: Sequence[CollectedItem],
                 origin: ItemOrigin = ItemOrigin.FEED) -> UpsertStats:
    """Insert new items and update changed ones; duplicates within the batch collapse to one.
    ``origin`` is how new items came in (a feed, a page source, a submission)."""
    tally: Counter[tuple[str, str]] = Counter()
    now_at = datetime.now(UTC)
    origin_value = str(origin.value)
    for chunk in _chunks(items, CHUNK):
        unique = _collapse_batch(chunk)
        kept = {id(item) for item in unique}
        tally.update((item.source_id, "unchanged") for item in chunk if id(item) not in kept)
        existing = _find_existing(session, unique)
        fresh: list[dict[str, Any]] = []
        changed: list[dict[str, Any]] = []
        for item in unique:
            match = existing.get(item.canonical_url)
            if match is None:
                fresh.append(_row(item, now_at, origin_value))
                tally[item.source_id, "new"] += 1
            elif match[1] != item.content_hash:
                row = _row(item, now_at, origin_value)
                changed.append({"id": match[0], **{n: row[n] for n in _UPDATABLE},
                                **_RELEASED})
                tally[item.source_id, "updated"] += 1
            else:
                tally[item.source_id, "unchanged"] += 1
        if fresh:
            _insert_rows(session, fresh)
        if changed:
            session.execute(update(Item), changed)  # ORM bulk UPDATE by primary key
    return _stats_of(tally)


def count_fallback_items(session: Session) -> int:
    """Items that kept their feed summary because their article page could not be used."""
    return session.scalar(select(func.count()).select_from(Item)
                          .where(Item.fallback.is_not(None))) or 0
