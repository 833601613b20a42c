"""Every state a stored row can be in, as ``StrEnum``s used end to end.

The values are what the database holds (CHECK constraints list them) and what the command
line and the web app print; a ``StrEnum`` compares equal to its value, so ``row.status ==
EditionStatus.DRAFT`` and ``row.status == "draft"`` agree.

Which transitions are allowed, and who may make them, lives with the machine that owns the
state: :mod:`pipeline.store.editions` for editions, :mod:`pipeline.store.deliveries` for
deliveries. Who may do what in general is :mod:`pipeline.permissions`.
"""

from __future__ import annotations

from enum import StrEnum


class EditionStatus(StrEnum):
    """An edition's place in the publication workflow (the machine: pipeline.store.editions)."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SENDING = "sending"
    PAUSED = "paused"
    """Sending stopped by an approver (or by the sender after repeated SMTP failures);
    resumable."""
    SENT = "sent"
    CANCELLED = "cancelled"


class DeliveryStatus(StrEnum):
    """One delivery row per edition and subscriber."""

    PENDING = "pending"
    SENDING = "sending"
    """Claimed by a sender with a lease; the Message-ID is stored before the SMTP transaction."""
    SENT = "sent"
    DEFERRED = "deferred"
    """A 4xx answer or a dropped connection: retried after ``next_attempt_at``."""
    FAILED = "failed"
    """Gave up after the retries (not a bounce: the address is not suppressed)."""
    BOUNCED = "bounced"
    """A 5xx answer or a hard DSN: the address is suppressed from later sends."""
    SKIPPED = "skipped"
    """The subscriber was suppressed or unsubscribed before their turn came."""


class Role(StrEnum):
    EDITOR = "editor"
    APPROVER = "approver"
    AMBASSADOR = "ambassador"
    ADMIN = "admin"


class ItemStatus(StrEnum):
    """Where an item stands in processing."""

    NEW = "new"
    PROCESSING = "processing"
    """Claimed by a processor holding a lease (pipeline.store.leases)."""
    PROCESSED = "processed"
    FAILED = "failed"
    PUBLISHED = "published"


class ItemOrigin(StrEnum):
    """How an item came in."""

    FEED = "feed"
    PAGE = "page"
    SUBMISSION = "submission"
    """Sent by a regional ambassador (a link or a text)."""
    WRITTEN = "written"
    """Written by the team in the edition editor (a success story, a practical sheet)."""


class BlockKind(StrEnum):
    """What the team writes into an edition besides the collected items (the Newsletter's
    typed sections; pipeline.store.blocks)."""

    EDITORIAL = "editorial"
    """Title and body per language; one per edition."""
    KEY_FIGURE = "key-figure"
    """A number, its unit and one sentence per language, a source link."""
    EVENT = "event"
    """An agenda entry: dates, place, link, title and description per language (also in the
    iCalendar export)."""


class TextState(StrEnum):
    """The state of an item's text in one language, after the translation tools people already
    use (Weblate, Pontoon). Each human state records who and when."""

    ORIGINAL = "original"
    """The item's own language: what the source wrote."""
    NEEDS_TRANSLATION = "needs_translation"
    """No engine could translate it: a translator must write it."""
    MACHINE = "machine"
    """Machine output nobody has looked at yet."""
    NEEDS_EDITING = "needs_editing"
    """Marked by a reviewer (or by the quality flags) as needing a correction."""
    REVIEWED = "reviewed"
    """Read, and corrected where needed, by an editor."""
    APPROVED = "approved"
    """Accepted by an approver: final."""


HUMAN_TEXT_STATES = frozenset({TextState.REVIEWED, TextState.APPROVED})
"""States a person gave: the machine never overwrites a text in one of them."""

UNREVIEWED_TEXT_STATES = frozenset({TextState.MACHINE, TextState.NEEDS_EDITING})
"""States that block approval unless the approver accepts them explicitly (audited)."""

TEXT_STATE_RANK: dict[TextState, int] = {
    **{state: 0 for state in TextState}, TextState.REVIEWED: 1, TextState.APPROVED: 2}
"""How far people have checked a wording: machine output < reviewed < approved."""


def may_replace(new: str, old: str) -> bool:
    """Whether a wording in state ``new`` may replace one in state ``old`` (the translation
    memory and item texts alike): never a person's with a machine's, never an approved one
    with a merely reviewed one by the machinery."""
    return TEXT_STATE_RANK.get(TextState(new), 0) >= TEXT_STATE_RANK.get(TextState(old), 0)


class SubscriberStatus(StrEnum):
    PENDING = "pending"
    """Signed up, confirmation link not yet followed (double opt-in)."""
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"
    BOUNCED = "bounced"
    """Suppressed after a hard bounce."""
    COMPLAINED = "complained"
    """Suppressed after a spam complaint (ARF)."""


class SubmissionKind(StrEnum):
    LINK = "link"
    """An address: collected like any article page (safe fetcher, extraction, dedupe)."""
    TEXT = "text"
    """A title and a summary written by the ambassador: classified straight away."""


class TokenPurpose(StrEnum):
    """What a signed single-use link sets a password for (pipeline.store.invitations)."""

    INVITE = "invite"
    """A new account, made when the link is followed."""
    RESET = "reset"
    """A new password for an existing account (every session of it ends)."""


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    DEAD = "dead"
    """Its process vanished (killed) without finishing: found by a later run."""


class SubmissionStatus(StrEnum):
    """What an ambassador sees of their submission.

    The column stores how far the submission itself went (``received`` until its item is
    collected and processed, then ``in_inbox``; ``failed``; ``returned``); ``in_edition`` and
    ``published`` are read from the editions holding its item
    (:func:`pipeline.store.submissions.list_submissions`), so that nothing else has to keep
    the submission in step."""

    RECEIVED = "received"
    IN_INBOX = "in_inbox"
    IN_EDITION = "in_edition"
    PUBLISHED = "published"
    RETURNED = "returned"
    """Sent back by an editor with a comment."""
    FAILED = "failed"
    """The link could not be collected (the error is stored)."""


__all__ = [
    "HUMAN_TEXT_STATES",
    "TEXT_STATE_RANK",
    "UNREVIEWED_TEXT_STATES",
    "BlockKind",
    "DeliveryStatus",
    "EditionStatus",
    "ItemOrigin",
    "ItemStatus",
    "Role",
    "RunStatus",
    "SubmissionKind",
    "SubmissionStatus",
    "SubscriberStatus",
    "TextState",
    "TokenPurpose",
    "may_replace",
]
