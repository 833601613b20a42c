"""Comments on items, for colleagues: who, when, what; shown on the item's entry in the edition
editor and on its inbox page. Written once (audited), never edited."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.store.audit import record_audit
from pipeline.store.models import Comment

MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class CommentView:
    id: int
    item_id: int
    edition_id: int | None
    author: str
    body: str
    created_at: datetime


def add_comment(session: Session, item_id: int, *, by: str, body: str,
                edition_id: int | None = None) -> Comment:
    row = Comment(item_id=item_id, edition_id=edition_id, author=by, body=body[:MAX_COMMENT],
                  created_at=datetime.now(UTC))
    session.add(row)
    session.flush()
    record_audit(session, by, "comment.added", f"item:{item_id}", comment=row.id,
                 edition=edition_id, length=len(row.body))
    return row


def load_comments(session: Session, item_ids: Sequence[int]) -> dict[int, list[CommentView]]:
    """The comments on these items, oldest first, by item id."""
    found: dict[int, list[CommentView]] = defaultdict(list)
    if not item_ids:
        return found
    for row in session.scalars(select(Comment).where(Comment.item_id.in_(list(item_ids)))
                               .order_by(Comment.created_at, Comment.id)):
        found[row.item_id].append(CommentView(row.id, row.item_id, row.edition_id, row.author,
                                              row.body, row.created_at))
    return found


__all__ = ["MAX_COMMENT", "CommentView", "add_comment", "load_comments"]
