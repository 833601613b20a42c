"""The append-only audit log (database triggers refuse UPDATE and DELETE)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from pipeline.store.models import AuditEntry


def record_audit(
    session: Session, actor: str, action: str, target: str = "", **details: Any
) -> AuditEntry:
    entry = AuditEntry(at=datetime.now(UTC), actor=actor, action=action, target=target,
                       details=details)
    session.add(entry)
    return entry
