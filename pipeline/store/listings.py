"""Read-only lists that the web app's pages show."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.models import Edition


def list_editions(db: Session, *, limit: int = 200) -> list[Edition]:
    """The latest editions, newest period first."""
    return list(db.scalars(select(Edition)
                           .order_by(Edition.period_start_at.desc(), Edition.id.desc())
                           .limit(limit)))


def find_edition(db: Session, edition_id: int) -> Edition | None:
    return db.get(Edition, edition_id)
