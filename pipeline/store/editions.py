"""The edition status machine, in one place, and the edition rows.

::

    draft ⇄ in_review ⇄ approved → sending ⇄ paused
      ↑                    │          │
      └────────────────────┘          ↓
       (back to draft to edit)       sent     (archived_at set by `pipeline archive`)

    approved → in_review also happens by itself when the approved content changes: the
    editing jobs (pipeline.jobs.editor.changing_edition) return it to review, and a text
    edit that changes the approved fingerprint (pipeline.jobs.approval.recheck_approvals)
    does too; the approval is undone, the hash cleared.

    and cancelled from draft, in_review, approved or paused.

=============  ==========================  ============  =============================
from           to                          action        roles (pipeline.permissions)
=============  ==========================  ============  =============================
draft          in_review                   edit          editor, approver, admin
draft          approved                    approve       approver, admin
draft          cancelled                   edit          editor, approver, admin
in_review      draft                       edit          editor, approver, admin
in_review      approved                    approve       approver, admin
in_review      cancelled                   edit          editor, approver, admin
approved       draft                       edit          editor, approver, admin
approved       in_review                   edit          editor, approver, admin
approved       sending                     send          approver, admin (and the sender)
approved       cancelled                   approve       approver, admin
sending        sent                        send          approver, admin (and the sender)
sending        paused                      send          approver, admin (and the sender)
paused         sending                     send          approver, admin
paused         cancelled                   send          approver, admin
sent           (nothing: final)
cancelled      (nothing: final)
=============  ==========================  ============  =============================

Once sending has started an edition never goes back to draft: what went out is what was
approved. The sender and the scheduler act as :data:`pipeline.permissions.SYSTEM` (admin).
:func:`move_edition` checks the actor's right (:func:`pipeline.permissions.require`) and
audits every change.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.errors import EditionError
from pipeline.permissions import Action, Actor, require
from pipeline.records import LanguageState
from pipeline.states import BlockKind, EditionStatus
from pipeline.store.audit import record_audit
from pipeline.store.blocks import NewText, add_block
from pipeline.store.models import Edition, EditionItem

S = EditionStatus
TRANSITIONS: dict[EditionStatus, dict[EditionStatus, Action]] = {
    S.DRAFT: {S.IN_REVIEW: Action.EDIT, S.APPROVED: Action.APPROVE, S.CANCELLED: Action.EDIT},
    S.IN_REVIEW: {S.DRAFT: Action.EDIT, S.APPROVED: Action.APPROVE, S.CANCELLED: Action.EDIT},
    S.APPROVED: {S.DRAFT: Action.EDIT, S.IN_REVIEW: Action.EDIT, S.SENDING: Action.SEND,
                 S.CANCELLED: Action.APPROVE},
    S.SENDING: {S.SENT: Action.SEND, S.PAUSED: Action.SEND},
    S.PAUSED: {S.SENDING: Action.SEND, S.CANCELLED: Action.SEND},
    S.SENT: {},
    S.CANCELLED: {},
}
"""From each status: the statuses it may become, and the action (hence the roles) needed."""


def get_edition(session: Session, edition_id: int) -> Edition:
    edition = session.get(Edition, edition_id)
    if edition is None:
        raise EditionError(f"no edition with id {edition_id}")
    return edition


def lock_edition(session: Session, edition_id: int) -> Edition:
    """The edition, locked until the transaction ends (PostgreSQL ``FOR NO KEY UPDATE``;
    SQLite's write transactions hold the write lock already): two senders deciding at once
    whether to start or finish a send take turns. (Not ``FOR UPDATE``: that would also block
    the foreign-key checks of other senders' deliveries, and deadlock with them.)"""
    edition = session.scalar(select(Edition).where(Edition.id == edition_id)
                             .with_for_update(key_share=True)
                             .execution_options(populate_existing=True))
    if edition is None:
        raise EditionError(f"no edition with id {edition_id}")
    return edition


def edition_status(session: Session, edition_id: int) -> EditionStatus:
    status = session.scalar(select(Edition.status).where(Edition.id == edition_id))
    if status is None:
        raise EditionError(f"no edition with id {edition_id}")
    return EditionStatus(status)


def move_edition(session: Session, edition: Edition, to: EditionStatus | str, *, actor: Actor,
                 **details: object) -> Edition:
    """Change the status if the machine allows it and the actor may; audit the change."""
    to = EditionStatus(to)
    allowed = TRANSITIONS[EditionStatus(edition.status)]
    if to not in allowed:
        raise EditionError(
            f"edition {edition.id} is {edition.status}: cannot become {to}"
            + (f" (allowed: {', '.join(sorted(allowed))})" if allowed else ""))
    require(actor, allowed[to])
    before = edition.status
    now_at = datetime.now(UTC)
    edition.status = to
    edition.updated_at = now_at
    if to is EditionStatus.APPROVED:
        edition.approved_by = actor.name
        edition.approved_at = now_at
    elif before == EditionStatus.APPROVED and to in (EditionStatus.DRAFT,
                                                      EditionStatus.IN_REVIEW):
        # back to work: the approval (kept in the audit log) no longer holds
        edition.approved_by, edition.approved_at, edition.content_hash = None, None, None
    if to is EditionStatus.SENT:
        edition.sent_at = now_at
    record_audit(session, actor.name, f"edition.{to}", f"edition:{edition.id}",
                 before=str(before), **details)
    return edition


@dataclass(frozen=True, slots=True)
class DraftedBlock:
    """A block drafted with the edition (an agenda entry of events.toml or of an item)."""

    kind: BlockKind
    texts: dict[str, NewText]
    ref: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PlannedEntry:
    """Where an item stands in a drafted edition."""

    item_id: int
    section: str
    position: int


def create_edition(session: Session, *, kind: str, period_start_at: datetime,
                   period_end_at: datetime, plan_json: str, warnings: Sequence[str],
                   language_state: dict[str, LanguageState], entries: Sequence[PlannedEntry],
                   actor: Actor, now_at: datetime, blocks: Sequence[DraftedBlock] = (),
                   schedule_key: str | None = None) -> Edition:
    """A new draft edition with its plan, the items it holds and the blocks drafted with it
    (agenda entries); audited. A scheduled draft carries its ``schedule_key``: a second one
    with the same key is refused."""
    if schedule_key is not None and find_scheduled_edition(session, schedule_key) is not None:
        raise EditionError(f"the scheduled draft {schedule_key} exists already")
    edition = Edition(kind=kind, period_start_at=period_start_at, period_end_at=period_end_at,
                      status=EditionStatus.DRAFT, plan=plan_json, warnings=list(warnings),
                      language_state=language_state, editorial={}, created_at=now_at,
                      updated_at=now_at, schedule_key=schedule_key)
    session.add(edition)
    session.flush()
    session.add_all([EditionItem(edition_id=edition.id, item_id=entry.item_id,
                                 section=entry.section, position=entry.position)
                     for entry in entries])
    for block in blocks:
        add_block(session, edition.id, block.kind, by=actor.name, texts=block.texts,
                  ref=block.ref, audit=False, **block.fields)
    record_audit(session, actor.name, "edition.drafted", f"edition:{edition.id}", kind=kind,
                 entries=len(entries))
    return edition


def find_scheduled_edition(session: Session, key: str) -> Edition | None:
    """The edition the scheduler drafted for ``key`` (any status: a cancelled one counts)."""
    return session.scalars(select(Edition).where(Edition.schedule_key == key)).first()


def planned_sends(session: Session, now_at: datetime) -> list[int]:
    """Approved editions whose planned send time has come, oldest plan first."""
    return list(session.scalars(
        select(Edition.id).where(Edition.status == EditionStatus.APPROVED,
                                 Edition.send_at.is_not(None), Edition.send_at <= now_at)
        .order_by(Edition.send_at, Edition.id)))


def plan_send(session: Session, edition: Edition, send_at: datetime | None, *,
              actor: Actor) -> Edition:
    """Plan (or, with None, unplan) when an approved edition is sent; audited."""
    require(actor, Action.SEND)
    if edition.status not in (EditionStatus.APPROVED, EditionStatus.DRAFT,
                              EditionStatus.IN_REVIEW):
        raise EditionError(f"edition {edition.id} is {edition.status}: its send cannot be "
                           "planned")
    edition.send_at = send_at
    edition.updated_at = datetime.now(UTC)
    record_audit(session, actor.name, "edition.send_planned", f"edition:{edition.id}",
                 send_at=send_at.isoformat() if send_at else None)
    return edition


def published_item_ids(session: Session) -> frozenset[int]:
    """Items already in a sent edition (a later edition does not repeat them)."""
    return frozenset(session.scalars(
        select(EditionItem.item_id).join(Edition, Edition.id == EditionItem.edition_id)
        .where(Edition.status == EditionStatus.SENT)))


def mark_archived(session: Session, edition_id: int, *, actor: Actor, files: int) -> Edition:
    edition = get_edition(session, edition_id)
    edition.archived_at = datetime.now(UTC)
    record_audit(session, actor.name, "edition.archived", f"edition:{edition_id}", files=files)
    return edition


def sending_editions(session: Session) -> list[int]:
    """Editions being sent (any sender may join: deliveries are claimed), oldest first."""
    return list(session.scalars(select(Edition.id).where(Edition.status == EditionStatus.SENDING)
                                .order_by(Edition.id)))


__all__ = ["TRANSITIONS", "DraftedBlock", "PlannedEntry", "create_edition", "edition_status",
           "find_scheduled_edition", "get_edition", "lock_edition", "mark_archived",
           "move_edition", "plan_send", "planned_sends", "published_item_ids", "sending_editions"]
