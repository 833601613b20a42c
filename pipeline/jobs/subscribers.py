"""Jobs on subscribers in bulk: CSV import and export (the people themselves use
:mod:`pipeline.jobs.subscriptions`)."""

from __future__ import annotations

import csv
from typing import TextIO

from pipeline.app import App
from pipeline.permissions import Action, Actor, require
from pipeline.store.audit import record_audit
from pipeline.store.subscribers import FORMULA_STARTS, ImportStats, iter_subscribers
from pipeline.store.subscribers import import_subscribers as store_subscribers

EXPORT_COLUMNS = ("email", "language", "publications", "status", "consent_at",
                  "consent_source", "created_at")


def import_subscribers(app: App, actor: Actor, text: str, *, source: str) -> ImportStats:
    """Add or update subscribers from CSV text (audited)."""
    require(actor, Action.MANAGE_SUBSCRIBERS)
    with app.session() as session:
        stats = store_subscribers(session, text, source=source)
        record_audit(session, actor.name, "subscribers.import", source, added=stats.added,
                     updated=stats.updated, rejected=len(stats.errors))
    return stats


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: one starting like a formula (``=``, ``+``, ``-``,
    ``@``, tab, carriage return) gets a leading apostrophe (OWASP's advice for CSV
    injection); the import drops it again."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def export_subscribers(app: App, actor: Actor, out: TextIO) -> int:
    """Write every subscriber as CSV (the import's columns first), streamed; audited.
    Returns how many rows were written."""
    require(actor, Action.EXPORT)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    with app.session(readonly=True) as session:
        for row in iter_subscribers(session):
            writer.writerow([safe_cell(cell) for cell in (
                row.email, row.language, ";".join(row.publications), row.status,
                row.consent_at.isoformat() if row.consent_at else "",
                row.consent_source or "", row.created_at.isoformat())])
            count += 1
    with app.session() as session:
        record_audit(session, actor.name, "subscribers.export", "subscribers", rows=count)
    return count


__all__ = ["EXPORT_COLUMNS", "export_subscribers", "import_subscribers", "safe_cell"]
