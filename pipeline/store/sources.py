"""Sources in the database: kept in step with ``sources.toml``, carrying their fetch state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pipeline.records import FetchState, SourceResult, SourceSpec
from pipeline.store import leases
from pipeline.store.models import Source


def sync_sources(session: Session, specs: Sequence[SourceSpec]) -> None:
    """Create or update a row per configured source; sources gone from the file are disabled."""
    rows = {row.id: row for row in session.scalars(select(Source))}
    now_at = datetime.now(UTC)
    missing = [spec.id for spec in specs if spec.id not in rows]
    if missing:  # several workers may sync at once: the first insert wins, quietly
        by_id = {spec.id: spec for spec in specs}
        dialect = session.get_bind().dialect.name
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Source)
        session.execute(insert.on_conflict_do_nothing(index_elements=["id"]), [
            {"id": source_id, "name": by_id[source_id].name, "url": by_id[source_id].url,
             "kind": by_id[source_id].kind, "lang": by_id[source_id].lang,
             "enabled": by_id[source_id].enabled, "error_count": 0, "paused": False,
             "item_count": 0, "warnings": [], "updated_at": now_at}
            for source_id in missing])  # executemany: a 500-row VALUES costs 50 ms to compile
        rows.update({row.id: row for row in session.scalars(
            select(Source).where(Source.id.in_(missing)))})
    for spec in specs:
        row = rows.pop(spec.id)
        wanted = (spec.name, spec.url, spec.kind, spec.lang, spec.enabled)
        if (row.name, row.url, row.kind, row.lang, row.enabled) == wanted:
            continue  # unchanged rows are not written: workers on several hosts sync too
        if row.url != spec.url:
            row.etag = None
            row.last_modified = None
        row.name, row.url, row.kind, row.lang, row.enabled = wanted
        row.updated_at = now_at
    for row in rows.values():
        if row.enabled:
            row.enabled = False
            row.updated_at = now_at


def due_condition(now_at: datetime) -> ColumnElement[bool]:
    """Enabled, not paused, its next check time come, its host not asking to wait."""
    return and_(Source.enabled.is_(True), Source.paused.is_(False),
                or_(Source.next_check_at.is_(None), Source.next_check_at <= now_at),
                or_(Source.retry_after_at.is_(None), Source.retry_after_at <= now_at))


def claim_due_sources(session: Session, ids: Sequence[str], *, owner: str,
                      lease_seconds: float, limit: int, now_at: datetime) -> list[str]:
    """Claim up to ``limit`` of the due sources among ``ids`` for ``owner`` (a lease, so
    that collectors on several hosts fetch each source once per interval; released when
    its result is recorded)."""
    return [str(i) for i in leases.claim(
        session, Source, owner=owner, lease_seconds=lease_seconds, limit=limit,
        where=and_(Source.id.in_(list(ids)), due_condition(now_at)), now_at=now_at)]


def make_sources_due(session: Session, now_at: datetime) -> None:
    """Every enabled source due now (the demo's scheduler starts with a collection)."""
    session.execute(update(Source).where(Source.enabled.is_(True))
                    .values(next_check_at=now_at).execution_options(synchronize_session=False))


def count_due_sources(session: Session, now_at: datetime) -> int:
    """Due sources nobody is collecting now."""
    return session.scalar(select(func.count()).select_from(Source).where(
        due_condition(now_at), leases.lease_is_free(Source, now_at))) or 0


def load_source_rows(session: Session, ids: Sequence[str]) -> dict[str, Source]:
    """The rows of these sources, loaded in one query (later ``session.get`` calls in the same
    session are then answered from memory)."""
    return {row.id: row for row in session.scalars(select(Source).where(Source.id.in_(ids)))}


def load_fetch_states(session: Session, ids: Sequence[str]) -> dict[str, FetchState]:
    return {source_id: FetchState(etag=row.etag, last_modified=row.last_modified)
            for source_id, row in load_source_rows(session, ids).items()}


def waiting_source_ids(session: Session, ids: Sequence[str], now_at: datetime
                       ) -> dict[str, datetime]:
    """Sources whose host asked (429/503 Retry-After) not to be fetched before a time still to
    come, with that time."""
    return {row.id: row.retry_after_at for row in load_source_rows(session, ids).values()
            if row.retry_after_at is not None and row.retry_after_at > now_at}


def paused_source_ids(session: Session) -> set[str]:
    return set(session.scalars(select(Source.id).where(Source.paused.is_(True))))


def record_fetch_result(
    session: Session, spec: SourceSpec, result: SourceResult, now_at: datetime, new_items: int,
    *, next_check_at: datetime, paused: bool,
) -> Source:
    """Store what one fetch gave: state for the next conditional GET, or the error; the next
    check time and the pause decision come from the collect stage's back-off policy."""
    row = session.get(Source, spec.id)
    if row is None:
        raise KeyError(spec.id)
    row.last_fetched_at = now_at
    row.warnings = list(result.warnings)[:50]
    row.retry_after_at = result.retry_after_at
    if result.outcome == "failed":
        row.error_count += 1
        row.last_error = result.error or "unknown error"
        row.last_error_at = now_at
    else:
        row.error_count = 0
        row.last_error = None
        row.last_success_at = now_at
        row.etag = result.state.etag
        # A Last-Modified longer than any real date is not worth sending back.
        last_modified = result.state.last_modified
        row.last_modified = last_modified if last_modified and len(last_modified) <= 100 else None
        row.item_count += new_items
    row.next_check_at = next_check_at
    row.paused = paused if result.outcome == "failed" else False
    row.updated_at = now_at
    if result.outcome == "failed":
        row.failing_since_at = row.failing_since_at or now_at
    else:
        row.failing_since_at = None
    row.claimed_by = row.lease_expires_at = None  # fetched: its claim, if any, ends here
    return row


def failure_count_after(session: Session, source_id: str, result: SourceResult) -> int:
    """The consecutive-failure count the source will have once ``result`` is recorded."""
    row = session.get(Source, source_id)
    current = row.error_count if row is not None else 0
    return current + 1 if result.outcome == "failed" else 0
