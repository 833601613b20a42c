"""The edition status machine, in one place.

    draft → in_review → approved → sending → sent → (archived_at set by `pipeline archive`)
      ↑         │            │
      └─────────┴────────────┘   (back to draft to edit again; never after sending started)
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from pipeline.errors import EditionError
from pipeline.store.audit import record_audit
from pipeline.store.models import Edition

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"in_review", "approved"}),
    "in_review": frozenset({"draft", "approved"}),
    "approved": frozenset({"draft", "sending"}),
    "sending": frozenset({"sent"}),
    "sent": frozenset(),
}


def get_edition(session: Session, edition_id: int) -> Edition:
    edition = session.get(Edition, edition_id)
    if edition is None:
        raise EditionError(f"no edition with id {edition_id}")
    return edition


def move_edition(session: Session, edition: Edition, to: str, *, actor: str,
                 **details: object) -> Edition:
    """Change the status if the machine allows it; audit the change."""
    allowed = TRANSITIONS.get(edition.status, frozenset())
    if to not in allowed:
        raise EditionError(
            f"edition {edition.id} is {edition.status}: cannot become {to}"
            + (f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""))
    before = edition.status
    now_at = datetime.now(UTC)
    edition.status = to
    edition.updated_at = now_at
    if to == "approved":
        edition.approved_by = actor
        edition.approved_at = now_at
    if to == "sent":
        edition.sent_at = now_at
    record_audit(session, actor, f"edition.{to}", f"edition:{edition.id}", before=before,
                 **details)
    return edition
