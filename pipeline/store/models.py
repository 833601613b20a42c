"""The database schema (SQLAlchemy 2 declarative, typed).

Migrations under ``pipeline/store/migrations`` are the source of truth for the live schema; a
test checks that they and these models agree. All ``*_at`` columns are aware UTC datetimes.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    DDL,
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from pipeline.records import LanguageState
from pipeline.states import (
    BlockKind,
    DeliveryStatus,
    EditionStatus,
    ItemOrigin,
    ItemStatus,
    Role,
    RunStatus,
    SubmissionKind,
    SubmissionStatus,
    SubscriberStatus,
    TextState,
    TokenPurpose,
)
from pipeline.store.types import LanguageStates, UTCDateTime, state_column


def now_utc() -> datetime:
    return datetime.now(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Source(Base):
    """A configured source and its fetch state (conditional GET, back-off, last error)."""

    __tablename__ = "sources"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    lang: Mapped[str] = mapped_column(String(8))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(String(100))
    next_check_at: Mapped[datetime | None]
    last_fetched_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None]
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list[str]] = mapped_column(default=list)
    """What the last fetch warned about (items dropped or cut, pages not fetched…)."""
    retry_after_at: Mapped[datetime | None]
    """The host answered 429/503 with Retry-After: no fetch before then."""
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    failing_since_at: Mapped[datetime | None]
    """When the current run of failures began (None while the source works)."""
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    """The run collecting this source now (a lease: pipeline.store.leases), so that workers
    on several hosts fetch each source once per interval."""
    lease_expires_at: Mapped[datetime | None]


class Story(Base):
    """Items about the same event (near-duplicates, or the same story in several languages)."""

    __tablename__ = "stories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class Item(Base):
    """One media item, stored once (by canonical URL, GUID or content hash)."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    guid: Mapped[str | None] = mapped_column(String(2048), index=True)
    content_hash: Mapped[str] = mapped_column(String(80), index=True)
    """``sha256:`` and 64 hex digits."""
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(500))
    publisher: Mapped[str | None] = mapped_column(String(300))
    """The outlet when it differs from the source (an aggregated feed's RSS ``<source>``)."""
    lang_hint: Mapped[str | None] = mapped_column(String(16))
    original_lang: Mapped[str | None] = mapped_column(String(16))
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    fetched_at: Mapped[datetime]
    status: Mapped[ItemStatus] = state_column(ItemStatus, "status", 24, ItemStatus.NEW,
                                              index=True)
    """new → processing (claimed, with a lease) → processed | failed; ``published`` once
    sent."""
    origin: Mapped[ItemOrigin] = state_column(ItemOrigin, "origin", 16, ItemOrigin.FEED)
    warnings: Mapped[list[str]] = mapped_column(default=list)
    fallback: Mapped[str | None] = mapped_column(Text)
    """Why the article page was not used and the feed's summary kept (robots.txt, a fetch
    error…); the review app shows it. None when the page was used or never sought."""
    categories: Mapped[list[str]] = mapped_column(default=list)
    """The feed's own categories of the item (RSS ``<category>``, Atom ``term``/``label``):
    the relevance model reads them."""
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    """The owner of the lease while the item is being processed (pipeline.store.leases)."""
    lease_expires_at: Mapped[datetime | None]


class ItemText(Base):
    """Title, summary and body of an item in one language, with provenance."""

    __tablename__ = "item_texts"
    __table_args__ = (UniqueConstraint("item_id", "lang"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text)
    summary: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[TextState] = state_column(TextState, "state", 24, TextState.MACHINE)
    """machine → needs_editing → reviewed → approved (pipeline.store.texts); ``original`` for
    the item's own language, ``needs_translation`` when no engine could do it."""
    engine: Mapped[str | None] = mapped_column(String(100))
    flags: Mapped[list[str]] = mapped_column(default=list)
    unknown_words: Mapped[list[str]] = mapped_column(default=list)
    """The words of the title and summary the engine did not know (left as they were): the
    translation review marks them. Emptied by a person's edit, as ``flags``."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Raised by every change: an edit made on an older version is refused (the review app's
    optimistic concurrency)."""
    edited_by: Mapped[str | None] = mapped_column(String(100))
    edited_at: Mapped[datetime | None]
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=now_utc)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Classification(Base):
    """Language, relevance, themes and regions of an item, with the evidence behind them."""

    __tablename__ = "classifications"
    item_id: Mapped[int] = mapped_column(
        ForeignKey("items.id", ondelete="CASCADE"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8))
    relevant: Mapped[bool] = mapped_column(Boolean)
    relevance_score: Mapped[float] = mapped_column(Float, default=0.0)
    themes: Mapped[list[str]] = mapped_column(default=list)
    regions: Mapped[list[str]] = mapped_column(default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    classified_at: Mapped[datetime] = mapped_column(default=now_utc)
    corrected_by: Mapped[str | None] = mapped_column(String(100))
    """Set when an editor corrected the labels: the machine never relabels such an item."""
    corrected_at: Mapped[datetime | None]


class Submission(Base):
    """A link or short text an ambassador submitted from their region (pipeline.store.
    submissions; the portal: pipeline.jobs.submissions)."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    region: Mapped[str | None] = mapped_column(String(40))
    """The ambassador's region (fixed by their account), or the one a team member chose."""
    kind: Mapped[SubmissionKind] = state_column(SubmissionKind, "kind", 8,
                                                SubmissionKind.TEXT)
    url: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    """The summary the ambassador wrote (a text's words; for a link, optional)."""
    lang: Mapped[str | None] = mapped_column(String(8))
    theme: Mapped[str | None] = mapped_column(String(40))
    """The theme the ambassador suggests (a theme id): first among the item's themes."""
    image_url: Mapped[str | None] = mapped_column(Text)
    """An image the ambassador offers (http(s) only; stored, never fetched)."""
    image_credit: Mapped[str | None] = mapped_column(String(300))
    status: Mapped[SubmissionStatus] = state_column(SubmissionStatus, "status", 24,
                                                    SubmissionStatus.RECEIVED)
    error: Mapped[str | None] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL", use_alter=True), index=True)
    """The item it became, or the item already collected that it names (then
    ``duplicate``: the ambassador is a second source of that item)."""
    duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    returned_by: Mapped[str | None] = mapped_column(String(100))
    returned_at: Mapped[datetime | None]
    return_comment: Mapped[str | None] = mapped_column(Text)
    """Why an editor sent it back, for the ambassador."""
    created_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    """The run collecting it now (a lease: pipeline.store.leases)."""
    lease_expires_at: Mapped[datetime | None]


class Edition(Base):
    """One issue of a publication; ``status`` follows pipeline.store.editions.TRANSITIONS."""

    __tablename__ = "editions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    """press-review | newsletter"""
    period_start_at: Mapped[datetime]
    period_end_at: Mapped[datetime]
    status: Mapped[EditionStatus] = state_column(EditionStatus, "status", 16,
                                                 EditionStatus.DRAFT, index=True)
    language_state: Mapped[dict[str, LanguageState]] = mapped_column(LanguageStates,
                                                                     default=dict)
    """Per language: complete or not, the ids missing a text, the unreviewed ones."""
    editorial: Mapped[dict[str, Any]] = mapped_column(default=dict)
    plan: Mapped[str | None] = mapped_column(Text)
    """The drafted EditionPlan as canonical JSON (pipeline.draft.plan_to_json); texts are
    refreshed from item_texts when rendering, so corrections made after drafting show."""
    warnings: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None]
    content_hash: Mapped[str | None] = mapped_column(String(80))
    """``sha256:`` and 64 hex digits: the content frozen by the approval
    (:func:`pipeline.draft.fingerprint.edition_fingerprint`); the sender refuses to send when
    the content no longer has this hash. None until approved."""
    sent_at: Mapped[datetime | None]
    archived_at: Mapped[datetime | None]
    schedule_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    """Set on a draft made by the scheduler (``press-review@2026-03-30``: the publication and
    the period's end): one scheduled draft per publication and period, however often the
    job runs."""
    send_at: Mapped[datetime | None]
    """When an approved edition is to be sent: the scheduler hands it to the sender then."""


class LanguageApproval(Base):
    """One language of an edition approved by a person, with the hash of the content they
    approved in that language; deleted (and audited) when that content changes."""

    __tablename__ = "language_approvals"
    __table_args__ = (UniqueConstraint("edition_id", "lang"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    approved_by: Mapped[str] = mapped_column(String(100))
    approved_at: Mapped[datetime]
    content_hash: Mapped[str] = mapped_column(String(80))


class EditionItem(Base):
    __tablename__ = "edition_items"
    __table_args__ = (UniqueConstraint("edition_id", "item_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    section: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(Integer)
    """0, 1, 2… within the section: with ``section``, the one record of where an entry sits
    (the edition editor changes only these; pipeline.store.entries)."""


class EditionBlock(Base):
    """What the team writes into an edition: the editorial, a key figure, an agenda entry
    (pipeline.store.blocks); its words per language are :class:`BlockText` rows."""

    __tablename__ = "edition_blocks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[BlockKind] = state_column(BlockKind, "kind", 24, BlockKind.KEY_FIGURE)
    position: Mapped[int] = mapped_column(Integer, default=0)
    ref: Mapped[str | None] = mapped_column(String(200))
    """Where a drafted block came from (an events.toml id, ``item-N``): an agenda entry keeps
    it as its iCalendar UID."""
    value: Mapped[float | None] = mapped_column(Float)
    """A key figure's number."""
    url: Mapped[str] = mapped_column(Text, default="")
    """A key figure's source link, an agenda entry's link."""
    source_name: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(String(300), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Raised when the number, link, dates or place change (not by moves): a change made on
    an older version is refused."""
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)


class BlockText(Base):
    """A block's words in one language, with the same states and version as item texts."""

    __tablename__ = "block_texts"
    __table_args__ = (UniqueConstraint("block_id", "lang"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    block_id: Mapped[int] = mapped_column(ForeignKey("edition_blocks.id", ondelete="CASCADE"))
    lang: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(Text, default="")
    """The editorial's title, a key figure's unit, an agenda entry's title."""
    summary: Mapped[str] = mapped_column(Text, default="")
    """The editorial's body, a key figure's sentence, an agenda entry's description."""
    state: Mapped[TextState] = state_column(TextState, "state", 24, TextState.REVIEWED)
    engine: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)
    edited_by: Mapped[str | None] = mapped_column(String(100))
    edited_at: Mapped[datetime | None]

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Comment(Base):
    """A note for colleagues on an item (shown on its entry in the editor and in the inbox)."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"),
                                         index=True)
    edition_id: Mapped[int | None] = mapped_column(
        ForeignKey("editions.id", ondelete="SET NULL"))
    """The edition it was written in (None: from the inbox)."""
    author: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class Event(Base):
    """An agenda entry (meetings, regional days) the team maintains."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    titles: Mapped[dict[str, Any]] = mapped_column(default=dict)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    place: Mapped[str] = mapped_column(String(300), default="")
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


def new_subscriber_token() -> str:
    return secrets.token_urlsafe(16)


class Subscriber(Base):
    """One address; ``status`` says whether it may be sent to (only ``confirmed``)."""

    __tablename__ = "subscribers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    language: Mapped[str] = mapped_column(String(8))
    publications: Mapped[list[str]] = mapped_column(default=list)
    status: Mapped[SubscriberStatus] = state_column(SubscriberStatus, "status", 16,
                                                    SubscriberStatus.PENDING)
    consent_at: Mapped[datetime | None]
    consent_source: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    updated_at: Mapped[datetime] = mapped_column(default=now_utc)
    token: Mapped[str] = mapped_column(String(40), unique=True, default=new_subscriber_token)
    """Random and opaque: what the signed links of a subscriber carry (never the id or the
    address); replaced on erasure, so that old links match nobody."""
    notice_sent_at: Mapped[datetime | None]
    """When the last confirmation (or "manage your subscription") mail went to this address:
    at most one a day."""


class Consent(Base):
    """What a subscriber agreed to or changed: when, from which address, in which words and
    language (deleted with the rest on erasure)."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=now_utc)
    action: Mapped[str] = mapped_column(String(24))
    """subscribe | confirm | preferences | unsubscribe | import"""
    ip: Mapped[str] = mapped_column(String(64), default="")
    wording: Mapped[str] = mapped_column(Text, default="")
    """The sentence the person was shown and accepted, in their language."""
    language: Mapped[str] = mapped_column(String(8))
    publications: Mapped[list[str]] = mapped_column(default=list)


class Delivery(Base):
    """One row per edition and subscriber: the send is resumable and never duplicates
    (the machine: pipeline.store.deliveries)."""

    __tablename__ = "deliveries"
    __table_args__ = (UniqueConstraint("edition_id", "subscriber_id"),
                      Index("ix_deliveries_edition_status", "edition_id", "status"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id"))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[DeliveryStatus] = state_column(DeliveryStatus, "status", 16,
                                                  DeliveryStatus.PENDING)
    message_id: Mapped[str | None] = mapped_column(String(300))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    """The sender holding this delivery's lease (pipeline.store.leases)."""
    lease_expires_at: Mapped[datetime | None]


class BounceReport(Base):
    """A delivery status notification, a complaint or an unsubscribe mail, kept raw."""

    __tablename__ = "bounce_reports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 of the raw message: a message read twice counts once."""
    received_at: Mapped[datetime] = mapped_column(default=now_utc)
    kind: Mapped[str] = mapped_column(String(16))
    """hard | soft | complaint | unsubscribe | unmatched"""
    delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("deliveries.id", ondelete="SET NULL"), index=True)
    subscriber_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscribers.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="")
    """The enhanced status code (5.1.1) or the feedback type (abuse)."""
    diagnostic: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)


class PublicRequest(Base):
    """A sign-up or link request on a public form, counted per address for rate limits."""

    __tablename__ = "public_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[Role] = state_column(Role, "role", 16, Role.EDITOR)
    region: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(300))
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    language: Mapped[str | None] = mapped_column(String(8))
    """The web interface's language (fr, en, es); None follows the browser's Accept-Language."""
    email: Mapped[str | None] = mapped_column(String(320))
    """Where invitations, password links, an ambassador's weekly digest and the team's
    notifications (a draft is ready, a source fails…) go; none: none of them."""
    deactivated_at: Mapped[datetime | None]
    """Set by an administrator: the account can no longer sign in, its sessions are gone."""


class Invitation(Base):
    """A signed single-use link to set a password: an invitation (the account is made when
    it is followed) or a password reset. The link carries only ``nonce``, signed with
    ``PIPELINE_SECRET_KEY`` (itsdangerous); ``used_at`` makes it single-use
    (pipeline.store.invitations)."""

    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = state_column(TokenPurpose, "purpose", 8,
                                                 TokenPurpose.INVITE)
    name: Mapped[str] = mapped_column(String(100))
    """The account's name (made on acceptance for an invitation)."""
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[Role] = state_column(Role, "role", 16, Role.AMBASSADOR)
    region: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(8))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    """The account a reset is for, or the one an accepted invitation made."""
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class AmbassadorDigest(Base):
    """One weekly digest sent to one ambassador: a job run twice in a week sends it once."""

    __tablename__ = "ambassador_digests"
    __table_args__ = (UniqueConstraint("user_id", "week"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(10))
    """ISO week, ``2026-W48``."""
    sent_at: Mapped[datetime] = mapped_column(default=now_utc)


class AuditEntry(Base):
    """Append-only: triggers refuse UPDATE and DELETE on this table."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class TranslationMemory(Base):
    """Approved or edited translations per segment; an identical segment is never re-sent."""

    __tablename__ = "translation_memory"
    __table_args__ = (UniqueConstraint("source_lang", "target_lang", "source_hash"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_lang: Mapped[str] = mapped_column(String(8))
    target_lang: Mapped[str] = mapped_column(String(8))
    source_hash: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)
    target_text: Mapped[str] = mapped_column(Text)
    origin: Mapped[TextState] = state_column(TextState, "origin", 24, TextState.MACHINE)
    """machine < reviewed < approved (pipeline.states.TEXT_STATE_RANK)."""
    engine: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)


class Run(Base):
    """One run of a job (collect, process, draft, send…) for ``pipeline status``."""

    __tablename__ = "runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    started_at: Mapped[datetime] = mapped_column(default=now_utc)
    finished_at: Mapped[datetime | None]
    status: Mapped[RunStatus] = state_column(RunStatus, "status", 16, RunStatus.RUNNING)
    stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime | None]
    """Renewed while the run works; a running run whose heartbeat stopped (or whose process
    is gone from its host) is marked dead (pipeline.store.runs)."""


class Lease(Base):
    """A named lease: one row per name, held by one owner until it expires (the single
    active scheduler)."""

    __tablename__ = "leases"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    owner: Mapped[str] = mapped_column(String(200))
    acquired_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class Notification(Base):
    """Something the team must be told, by email: kept until sent to every recipient (an
    outbox), and made once per ``key`` (a draft, a failing streak), so that a job run twice
    never tells twice."""

    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    sent_to: Mapped[list[str]] = mapped_column(default=list)
    """Accounts already sent this notification (a retry skips them)."""
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    """Set once every recipient has it."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; this table keeps only its SHA-256,
    so a copy of the database opens no session."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """Hex SHA-256 of the cookie's token."""
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    """The token every state-changing request of this session must carry."""
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    last_seen_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class LoginFailure(Base):
    """One refused sign-in, counted per account and per address (rate limiting that holds
    across workers and hosts sharing the database)."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(100), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


Index("ix_items_source_fetched", Item.source_id, Item.fetched_at)

AUDIT_APPEND_ONLY = "audit_log is append-only"
"""The audit log refuses UPDATE and DELETE, whatever code runs against the database: triggers
made with the table (migration 0001 makes the same ones)."""
for _verb in ("UPDATE", "DELETE"):
    event.listen(AuditEntry.__table__, "after_create", DDL(
        f"CREATE TRIGGER audit_log_no_{_verb.lower()} BEFORE {_verb} ON audit_log "
        f"BEGIN SELECT RAISE(ABORT, '{AUDIT_APPEND_ONLY}'); END").execute_if(dialect="sqlite"))
event.listen(AuditEntry.__table__, "after_create", DDL(
    "CREATE FUNCTION audit_log_refuse() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{AUDIT_APPEND_ONLY}'; END $$").execute_if(dialect="postgresql"))
event.listen(AuditEntry.__table__, "after_create", DDL(
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_refuse()").execute_if(dialect="postgresql"))
