"""Ambassadors' submissions in the store: receiving them (with the per-account rate limit
counted under a lock on the account), claiming them for collection with a lease, the item a
submission becomes or names, an editor's return, and what the ambassador and the team read.

A submission's stored ``status`` says how far the submission itself went; the status shown
is derived here from its item and the editions holding it (:func:`shown_status`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.records import CollectedItem
from pipeline.states import (
    EditionStatus,
    ItemOrigin,
    ItemStatus,
    SubmissionKind,
    SubmissionStatus,
)
from pipeline.store import leases
from pipeline.store.items import fit
from pipeline.store.models import Edition, EditionItem, Item, Submission, User
from pipeline.store.processing import PendingItem

PROCESSED = (ItemStatus.PROCESSED, ItemStatus.PUBLISHED)


def lock_account(session: Session, user_id: int) -> User | None:
    """The account's row, locked until the transaction ends (PostgreSQL ``FOR UPDATE``;
    SQLite's write transaction already serialises writers): two requests of one account
    count its recent submissions one after the other."""
    return session.scalar(select(User).where(User.id == user_id).with_for_update())


def count_submissions_since(session: Session, user_id: int, since_at: datetime) -> int:
    return int(session.scalar(select(func.count()).select_from(Submission).where(
        Submission.user_id == user_id, Submission.created_at >= since_at)) or 0)


def add_submission(session: Session, **values: Any) -> Submission:
    now_at = values.pop("now_at", None) or datetime.now(UTC)
    row = Submission(created_at=now_at, updated_at=now_at, **values)
    session.add(row)
    session.flush()
    return row


def find_item_id(session: Session, *, canonical_url: str | None = None,
                 content_hash: str | None = None) -> int | None:
    """An item already stored under this address (or with this content)."""
    clauses = []
    if canonical_url:
        clauses.append(Item.canonical_url == canonical_url[:2048])
    if content_hash:
        clauses.append(Item.content_hash == content_hash)
    if not clauses:
        return None
    return session.scalar(select(Item.id).where(or_(*clauses)).order_by(Item.id).limit(1))


@dataclass(frozen=True, slots=True)
class SubmissionWork:
    """A received submission, claimed for collection."""

    id: int
    user_id: int | None
    kind: SubmissionKind
    url: str | None
    title: str
    summary: str
    lang: str | None
    region: str | None
    theme: str | None


def claim_submissions(session: Session, *, owner: str, lease_seconds: float, limit: int,
                      now_at: datetime | None = None) -> list[SubmissionWork]:
    """Received submissions not yet collected, for ``owner`` (oldest first)."""
    ids = leases.claim(session, Submission, owner=owner, lease_seconds=lease_seconds,
                       limit=limit, where=Submission.status == SubmissionStatus.RECEIVED,
                       now_at=now_at)
    if not ids:
        return []
    rows = session.scalars(select(Submission).where(Submission.id.in_(ids))
                           .order_by(Submission.id))
    return [SubmissionWork(row.id, row.user_id, SubmissionKind(row.kind), row.url, row.title,
                           row.text, row.lang, row.region, row.theme) for row in rows]


def insert_submitted_item(session: Session, item: CollectedItem, submission_id: int
                          ) -> tuple[int, bool]:
    """The item a submission names: the one already stored under its address or content
    (then True: the ambassador is a second source), else a new item to process."""
    existing = find_item_id(session, canonical_url=item.canonical_url,
                            content_hash=item.content_hash)
    if existing is not None:
        return existing, True
    row = Item(
        source_id=None, submission_id=submission_id, url=item.url,
        canonical_url=fit(item.canonical_url, 2048), content_hash=item.content_hash,
        title=item.title, summary=item.summary, body=item.body,
        author=fit(item.author, 500), publisher=fit(item.publisher, 300),
        lang_hint=fit(item.lang_hint, 16), published_at=item.published_at,
        fetched_at=item.fetched_at, status=ItemStatus.NEW, origin=ItemOrigin.SUBMISSION,
        warnings=list(item.warnings), categories=[], updated_at=datetime.now(UTC))
    try:
        with session.begin_nested():  # a collector may store the same address meanwhile
            session.add(row)
    except IntegrityError:
        existing = find_item_id(session, canonical_url=item.canonical_url)
        if existing is None:
            raise
        return existing, True
    return row.id, False


def attach_item(session: Session, submission_id: int, item_id: int, *, duplicate: bool,
                owner: str) -> None:
    leases.release(session, Submission, owner=owner, ids=[submission_id], values={
        "item_id": item_id, "duplicate": duplicate, "status": SubmissionStatus.IN_INBOX,
        "error": None, "updated_at": datetime.now(UTC)})


def fail_submission(session: Session, submission_id: int, error: str, *, owner: str) -> None:
    leases.release(session, Submission, owner=owner, ids=[submission_id], values={
        "status": SubmissionStatus.FAILED, "error": error[:1000],
        "updated_at": datetime.now(UTC)})


def claim_items(session: Session, item_ids: Sequence[int], *, owner: str,
                lease_seconds: float) -> list[int]:
    """Claim these new items for processing now (another processor may have them)."""
    return leases.claim(session, Item, owner=owner, lease_seconds=lease_seconds,
                        limit=len(item_ids),
                        where=Item.id.in_(list(item_ids)) & Item.status.in_(
                            (ItemStatus.NEW, ItemStatus.PROCESSING)),
                        values={"status": ItemStatus.PROCESSING})


def load_pending_items(session: Session, item_ids: Sequence[int]) -> list[PendingItem]:
    """The claimed items of submissions, as processing reads them."""
    rows = session.execute(
        select(Item.id, Item.source_id, Item.title, Item.summary, Item.body, Item.lang_hint)
        .where(Item.id.in_(list(item_ids))).order_by(Item.id))
    return [PendingItem(*row, source_lang=None) for row in rows]


def get_submission(session: Session, submission_id: int) -> Submission | None:
    return session.get(Submission, submission_id)


def return_submission(session: Session, submission_id: int, *, by: str, comment: str,
                      now_at: datetime) -> Submission | None:
    row = session.get(Submission, submission_id)
    if row is None:
        return None
    row.returned_by, row.returned_at, row.return_comment = by, now_at, comment
    row.status = SubmissionStatus.RETURNED
    row.updated_at = now_at
    return row


@dataclass(frozen=True, slots=True)
class EditionRef:
    id: int
    kind: str
    status: EditionStatus
    period_end_at: datetime
    sent_at: datetime | None
    archived_at: datetime | None


@dataclass(frozen=True, slots=True)
class SubmissionRow:
    """A submission as the portal and the team's list show it."""

    id: int
    user_id: int | None
    user_name: str
    region: str | None
    kind: SubmissionKind
    url: str | None
    title: str
    summary: str
    lang: str | None
    theme: str | None
    image_url: str | None
    image_credit: str | None
    status: SubmissionStatus
    error: str | None
    duplicate: bool
    item_id: int | None
    item_title: str
    returned_by: str | None
    returned_at: datetime | None
    return_comment: str | None
    created_at: datetime
    edition: EditionRef | None


def shown_status(stored: SubmissionStatus, item_status: str | None,
                 edition: EditionRef | None) -> SubmissionStatus:
    """What the ambassador sees: returned and failed as stored; otherwise published once an
    edition holding the item is sent, in an edition while one holds it, in the inbox once
    the item is processed, received until then."""
    if stored in (SubmissionStatus.RETURNED, SubmissionStatus.FAILED):
        return stored
    if edition is not None:
        return (SubmissionStatus.PUBLISHED if edition.status == EditionStatus.SENT
                else SubmissionStatus.IN_EDITION)
    if item_status in PROCESSED:
        return SubmissionStatus.IN_INBOX
    return SubmissionStatus.RECEIVED


def editions_of_items(session: Session, item_ids: Sequence[int]) -> dict[int, EditionRef]:
    """For each item, the edition that says most about it: a sent one (the first sent),
    else the newest one holding it that is not cancelled."""
    found: dict[int, EditionRef] = {}
    if not item_ids:
        return found
    rows = session.execute(
        select(EditionItem.item_id, Edition.id, Edition.kind, Edition.status,
               Edition.period_end_at, Edition.sent_at, Edition.archived_at)
        .join(Edition, Edition.id == EditionItem.edition_id)
        .where(EditionItem.item_id.in_(list(item_ids)),
               Edition.status != EditionStatus.CANCELLED)
        .order_by(Edition.id))
    for row in rows:
        item_id = row[0]
        ref = EditionRef(row[1], row[2], EditionStatus(row[3]), row[4], row[5], row[6])
        kept = found.get(item_id)
        if kept is None or (kept.status != EditionStatus.SENT):
            found[item_id] = ref
    return found


def list_submissions(session: Session, *, user_id: int | None = None,
                     region: str | None = None, status: SubmissionStatus | None = None,
                     since_at: datetime | None = None, ids: Sequence[int] | None = None,
                     limit: int = 100, offset: int = 0) -> list[SubmissionRow]:
    """Submissions newest first, of one account (``user_id``) or region, with the status
    shown (a ``status`` filter applies to it)."""
    query = (select(Submission, User.name, Item.status, Item.title)
             .outerjoin(User, User.id == Submission.user_id)
             .outerjoin(Item, Item.id == Submission.item_id)
             .order_by(Submission.created_at.desc(), Submission.id.desc()))
    if user_id is not None:
        query = query.where(Submission.user_id == user_id)
    if region is not None:
        query = query.where(Submission.region == region)
    if since_at is not None:
        query = query.where(Submission.created_at >= since_at)
    if ids is not None:
        query = query.where(Submission.id.in_(list(ids)))
    if status is None:
        query = query.limit(limit).offset(offset)
    rows = session.execute(query).all()
    editions = editions_of_items(session, [r[0].item_id for r in rows if r[0].item_id])
    shown = []
    for row, user_name, item_status, item_title in rows:
        edition = editions.get(row.item_id) if row.item_id else None
        shown.append(SubmissionRow(
            id=row.id, user_id=row.user_id, user_name=user_name or "", region=row.region,
            kind=SubmissionKind(row.kind), url=row.url, title=row.title, summary=row.text,
            lang=row.lang, theme=row.theme, image_url=row.image_url,
            image_credit=row.image_credit,
            status=shown_status(SubmissionStatus(row.status), item_status, edition),
            error=row.error, duplicate=row.duplicate, item_id=row.item_id,
            item_title=item_title or "", returned_by=row.returned_by,
            returned_at=row.returned_at, return_comment=row.return_comment,
            created_at=row.created_at, edition=edition))
    if status is not None:
        shown = [r for r in shown if r.status == status][offset:offset + limit]
    return shown


@dataclass(frozen=True, slots=True)
class SubmissionMark:
    """What the inbox shows on an item an ambassador sent."""

    submission_id: int
    user_name: str
    region: str | None
    theme: str | None
    returned: bool


def submission_marks(session: Session, item_ids: Sequence[int]
                     ) -> dict[int, list[SubmissionMark]]:
    """The submissions naming each of these items (several when ambassadors sent the same
    link), oldest first."""
    marks: dict[int, list[SubmissionMark]] = {}
    if not item_ids:
        return marks
    for item_id, sub_id, name, region, theme, returned_at in session.execute(
            select(Submission.item_id, Submission.id, User.name, Submission.region,
                   Submission.theme, Submission.returned_at)
            .outerjoin(User, User.id == Submission.user_id)
            .where(Submission.item_id.in_(list(item_ids))).order_by(Submission.id)):
        marks.setdefault(item_id or 0, []).append(SubmissionMark(
            sub_id, name or "", region, theme, returned_at is not None))
    return marks


def submitted_item_ids() -> Any:
    """A subquery of the items some submission names (the inbox's "submission" mark and
    ordering)."""
    return select(Submission.item_id).where(Submission.item_id.is_not(None),
                                            Submission.returned_at.is_(None))


__all__ = ["EditionRef", "SubmissionMark", "SubmissionRow", "SubmissionWork", "add_submission",
           "attach_item", "claim_items", "claim_submissions", "count_submissions_since",
           "editions_of_items", "fail_submission", "find_item_id", "get_submission",
           "insert_submitted_item", "list_submissions", "load_pending_items", "lock_account",
           "return_submission",           "shown_status", "submission_marks", "submitted_item_ids"]
