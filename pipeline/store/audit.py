"""The append-only audit log (database triggers refuse UPDATE and DELETE): recording an
entry, and reading them back with filters (the audit log page and its CSV export)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from pipeline.store.models import AuditEntry


def record_audit(
    session: Session, actor: str, action: str, target: str = "", **details: Any
) -> AuditEntry:
    entry = AuditEntry(at=datetime.now(UTC), actor=actor, action=action, target=target,
                       details=details)
    session.add(entry)
    return entry


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """What the audit log page filters on; empty values filter nothing."""

    actor: str = ""
    action: str = ""
    """An exact action (``text.edited``) or a family (``text.``: every action it starts)."""
    target: str = ""
    """Targets starting with this (``item:12`` finds ``item:12:es``, ``edition:3`` …)."""
    since_at: datetime | None = None
    until_at: datetime | None = None
    """Exclusive."""


def _filtered(query: Select[Any], wanted: AuditFilter) -> Select[Any]:
    if wanted.actor:
        query = query.where(AuditEntry.actor == wanted.actor)
    if wanted.action.endswith("."):
        query = query.where(AuditEntry.action.startswith(wanted.action, autoescape=True))
    elif wanted.action:
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.target:
        query = query.where(AuditEntry.target.startswith(wanted.target, autoescape=True))
    if wanted.since_at is not None:
        query = query.where(AuditEntry.at >= wanted.since_at)
    if wanted.until_at is not None:
        query = query.where(AuditEntry.at < wanted.until_at)
    return query


def list_audit(session: Session, wanted: AuditFilter, *, limit: int,
               before_id: int | None = None) -> list[AuditEntry]:
    """The newest entries matching ``wanted`` (older than ``before_id``: the next page)."""
    query = _filtered(select(AuditEntry), wanted)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def iter_audit(session: Session, wanted: AuditFilter, *, after_id: int = 0,
               limit: int = 1000) -> list[AuditEntry]:
    """Entries matching ``wanted`` oldest first, ``limit`` at a time (an export's pages)."""
    query = _filtered(select(AuditEntry), wanted).where(AuditEntry.id > after_id)
    return list(session.scalars(query.order_by(AuditEntry.id).limit(limit)))


def audit_facets(session: Session) -> tuple[list[str], list[str]]:
    """The actors and the actions the log holds (the filters' choices)."""
    actors = session.scalars(select(AuditEntry.actor).distinct().order_by(AuditEntry.actor))
    actions = session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    return list(actors), list(actions)
