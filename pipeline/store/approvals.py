"""Approvals: each language of an edition approved by a person with the fingerprint of what
they approved, and the editions a change of content concerns.

A language approval is a row of ``language_approvals`` (one per edition and language); it is
deleted when the content of that language changes (the audit log keeps both events). The
edition's own approval is its status (``approved``, by whom and when, in
:mod:`pipeline.store.editions`) and ``editions.content_hash``. Rights are checked by the jobs
(:mod:`pipeline.jobs.approval`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pipeline.states import EditionStatus
from pipeline.store.audit import record_audit
from pipeline.store.models import Edition, LanguageApproval

OPEN_STATUSES = frozenset({EditionStatus.DRAFT, EditionStatus.IN_REVIEW,
                           EditionStatus.APPROVED})
"""Editions whose approvals a change of content can undo (once sending has started, what
goes out is what was approved: the sender checks the hash)."""


def load_approvals(session: Session, edition_id: int) -> dict[str, LanguageApproval]:
    """The languages of an edition approved so far, by language."""
    rows = session.scalars(select(LanguageApproval)
                           .where(LanguageApproval.edition_id == edition_id))
    return {row.lang: row for row in rows}


def save_approval(session: Session, edition_id: int, lang: str, *, by: str,
                  content_hash: str, now_at: datetime, **details: object) -> LanguageApproval:
    """Record (or renew) the approval of one language; audited."""
    row = session.scalar(select(LanguageApproval).where(
        LanguageApproval.edition_id == edition_id, LanguageApproval.lang == lang))
    if row is None:
        row = LanguageApproval(edition_id=edition_id, lang=lang, approved_by=by,
                               approved_at=now_at, content_hash=content_hash)
        session.add(row)
    else:
        row.approved_by, row.approved_at, row.content_hash = by, now_at, content_hash
    session.flush()
    record_audit(session, by, "language.approved", f"edition:{edition_id}:{lang}",
                 content_hash=content_hash, **details)
    return row


def revoke_approval(session: Session, row: LanguageApproval, *, by: str, reason: str) -> None:
    """Withdraw a language's approval (its content changed, or a person took it back)."""
    session.execute(delete(LanguageApproval).where(LanguageApproval.id == row.id)
                    .execution_options(synchronize_session=False))
    record_audit(session, by, "language.approval_revoked",
                 f"edition:{row.edition_id}:{row.lang}", reason=reason,
                 approved_by=row.approved_by, content_hash=row.content_hash)


def set_content_hash(edition: Edition, content_hash: str | None) -> None:
    edition.content_hash = content_hash


def approved_editions(session: Session) -> list[Edition]:
    """The open editions (not yet sending) that are approved or have an approved language:
    the ones a change of content may send back to review. A handful at any time."""
    with_approval = select(LanguageApproval.edition_id)
    return list(session.scalars(
        select(Edition).where(Edition.status.in_(list(OPEN_STATUSES)),
                              (Edition.status == EditionStatus.APPROVED)
                              | Edition.id.in_(with_approval))
        .order_by(Edition.id)))


__all__ = ["OPEN_STATUSES", "approved_editions", "load_approvals", "revoke_approval",
           "save_approval", "set_content_hash"]
