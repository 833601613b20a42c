"""The audit log for people: filtered pages, and a CSV export a spreadsheet opens safely.

Every edit, approval, label correction and account change is in the log (the jobs record
them; the table refuses UPDATE and DELETE). The export neutralises spreadsheet formulas: a
cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their full-width
forms) gets a leading apostrophe, so that a title like ``=HYPERLINK(…)`` stays text
(OWASP, "CSV injection").
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pipeline.app import App
from pipeline.collect.cleaning import strip_invalid_chars
from pipeline.errors import ConfigError
from pipeline.permissions import Action, Actor, require
from pipeline.store.audit import AuditFilter, audit_facets, iter_audit, list_audit
from pipeline.store.models import AuditEntry

PAGE_SIZE = 100
EXPORT_CHUNK = 1000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
COLUMNS = ("id", "at", "actor", "action", "target", "details")


def neutralise(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def parse_day(value: str, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise ConfigError(f"expected a date YYYY-MM-DD, got {value[:40]!r}", path=name) from None


def make_filter(*, actor: str = "", action: str = "", target: str = "", since: str = "",
                until: str = "") -> AuditFilter:
    """A filter from the page's fields (``until`` is a day, included; NULs and other control
    characters, which no stored value holds and PostgreSQL refuses, are dropped)."""
    until_day = parse_day(until, "until")
    actor, action, target = (strip_invalid_chars(v).strip() for v in (actor, action, target))
    return AuditFilter(actor=actor, action=action, target=target,
                       since_at=parse_day(since, "since"),
                       until_at=until_day + timedelta(days=1) if until_day else None)


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]
    next_before: int | None
    """The ``before`` of the next (older) page; None on the last one."""
    actors: list[str]
    actions: list[str]


def load_audit_page(app: App, actor: Actor, wanted: AuditFilter, *,
                    before_id: int | None = None) -> AuditPage:
    require(actor, Action.READ)
    with app.session(readonly=True) as session:
        entries = list_audit(session, wanted, limit=PAGE_SIZE + 1, before_id=before_id)
        actors, actions = audit_facets(session)
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    return AuditPage(entries, entries[-1].id if more else None, actors, actions)


def csv_row(entry: AuditEntry) -> list[str]:
    details = json.dumps(entry.details or {}, ensure_ascii=False, sort_keys=True)
    return [neutralise(cell) for cell in (str(entry.id), entry.at.isoformat(), entry.actor,
                                          entry.action, entry.target, details)]


def export_audit_csv(app: App, actor: Actor, wanted: AuditFilter) -> Iterator[str]:
    """The matching entries, oldest first, as CSV text in pieces (short reads, so a large
    log streams without holding the database)."""
    require(actor, Action.EXPORT)

    def pieces() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        buffer.write("\ufeff")  # a UTF-8 mark, so that spreadsheets read the accents
        writer.writerow(COLUMNS)
        after_id = 0
        while True:
            with app.session(readonly=True) as session:
                entries = iter_audit(session, wanted, after_id=after_id, limit=EXPORT_CHUNK)
            for entry in entries:
                writer.writerow(csv_row(entry))
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            if len(entries) < EXPORT_CHUNK:
                return
            after_id = entries[-1].id

    return pieces()


__all__ = ["AuditPage", "export_audit_csv", "load_audit_page", "make_filter", "neutralise"]
