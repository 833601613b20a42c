"""Jobs on subscribers (the sender adds its own)."""

from __future__ import annotations

from pipeline.app import App
from pipeline.permissions import Action, Actor, require
from pipeline.store.audit import record_audit
from pipeline.store.subscribers import ImportStats
from pipeline.store.subscribers import import_subscribers as store_subscribers


def import_subscribers(app: App, actor: Actor, text: str, *, source: str) -> ImportStats:
    """Add or update subscribers from CSV text (audited)."""
    require(actor, Action.MANAGE_SUBSCRIBERS)
    with app.session() as session:
        stats = store_subscribers(session, text, source=source)
        record_audit(session, actor.name, "subscribers.import", source, added=stats.added,
                     updated=stats.updated, rejected=len(stats.errors))
    return stats


__all__ = ["import_subscribers"]
