"""Approval in the review app: each language, then the edition; and undoing approvals whose
content changed.

A language is approved when none of its texts is ``machine`` or ``needs_editing`` and none is
missing, or when the approver explicitly accepts the remaining machine texts (audited item by
item, as ``pipeline approve --accept-machine-translations`` does); its reviewed texts become
``approved`` by the approver. The edition is approved once its three languages are, with the
hash of the whole (:func:`pipeline.jobs.editions.freeze`).

Any change of content afterwards undoes what it touches: :func:`recheck_approvals` compares
the fingerprints (:mod:`pipeline.draft.fingerprint`) with the approved ones, withdraws the
approvals of the languages that changed and returns an approved edition to review. The jobs
that change content call it in their own transaction (a text's edit does; the edition
editor's changes should too). The sender calls :func:`check_frozen` before sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from pipeline.app import App
from pipeline.draft import EditionPlan
from pipeline.draft.fingerprint import edition_fingerprint, language_fingerprints
from pipeline.errors import EditionError
from pipeline.jobs.editions import (
    accept_machine_texts,
    check_approvable,
    current_plan,
    edition_content_hash,
    freeze,
    language_state,
)
from pipeline.permissions import Action, Actor, require
from pipeline.records import LANGUAGES
from pipeline.states import EditionStatus, TextState
from pipeline.store.approvals import (
    approved_editions,
    load_approvals,
    revoke_approval,
    save_approval,
)
from pipeline.store.editions import get_edition, move_edition
from pipeline.store.models import Edition, LanguageApproval
from pipeline.store.review import load_text_facts
from pipeline.store.texts import set_text_state

CONTENT_CHANGED = "content changed since the approval"
APPROVABLE = (EditionStatus.DRAFT, EditionStatus.IN_REVIEW)


@dataclass(frozen=True, slots=True)
class LanguageStanding:
    """Where one language of an edition stands for approval."""

    lang: str
    missing: tuple[str, ...]
    """Records with no text in this language (items, figures, events, ``editorial``)."""
    unreviewed: tuple[str, ...]
    """Records whose text is still ``machine`` or ``needs_editing``."""
    approval: LanguageApproval | None
    current: bool
    """The approval (if any) is of the content as it is now."""

    @property
    def approved(self) -> bool:
        return self.approval is not None and self.current


@dataclass(frozen=True, slots=True)
class Standing:
    edition: Edition
    plan: EditionPlan
    languages: tuple[LanguageStanding, ...]
    content_hash: str

    @property
    def all_approved(self) -> bool:
        return all(lang.approved for lang in self.languages)

    @property
    def frozen(self) -> bool:
        """Approved, and still the very content that was approved."""
        return (self.edition.status == EditionStatus.APPROVED
                and self.edition.content_hash == self.content_hash)


def standing_of(session: Session, edition: Edition) -> Standing:
    plan = current_plan(session, edition)
    state = language_state(plan)
    prints = language_fingerprints(plan)
    approvals = load_approvals(session, edition.id)
    languages = tuple(LanguageStanding(
        lang, state[lang].missing, state[lang].unreviewed, approvals.get(lang),
        lang in approvals and approvals[lang].content_hash == prints[lang])
        for lang in LANGUAGES)
    return Standing(edition, plan, languages, edition_fingerprint(prints))


def load_standing(app: App, actor: Actor, edition_id: int) -> Standing:
    """Each language's blockers and approval, and whether the edition is frozen."""
    require(actor, Action.READ)
    with app.session(readonly=True) as session:
        return standing_of(session, get_edition(session, edition_id))


def item_ids_of(plan: EditionPlan) -> list[int]:
    return [int(entry.item_id) for entry in plan.entries if entry.item_id.isdigit()]


def approve_texts(session: Session, actor: Actor, item_ids: Sequence[int], lang: str) -> int:
    """The reviewed texts of these items in ``lang`` become approved by ``actor``."""
    facts = load_text_facts(session, item_ids)
    approved = 0
    for item_id in item_ids:
        text = facts.get(item_id, {}).get(lang)
        if text is not None and text.state is TextState.REVIEWED:
            set_text_state(session, item_id, lang, TextState.APPROVED, by=actor.name)
            approved += 1
    return approved


def approve_language(app: App, actor: Actor, edition_id: int, lang: str, *,
                     accept_machine: bool = False) -> LanguageApproval:
    """Approve one language: refused (:class:`EditionError`) while a text is missing, or
    unreviewed unless ``accept_machine``."""
    require(actor, Action.APPROVE)
    if lang not in LANGUAGES:
        raise EditionError(f"unknown language {lang!r}")
    with app.session() as session:
        edition = get_edition(session, edition_id)
        if edition.status not in APPROVABLE:
            raise EditionError(f"edition {edition_id} is {edition.status}: its languages can "
                               "no longer be approved")
        plan = current_plan(session, edition)
        accepted = check_approvable(edition_id, {lang: language_state(plan)[lang]},
                                    accept_machine)
        if accepted:
            accept_machine_texts(session, actor, edition_id, accepted)
        approved = approve_texts(session, actor, item_ids_of(plan), lang)
        if edition.status == EditionStatus.DRAFT:
            move_edition(session, edition, EditionStatus.IN_REVIEW, actor=actor)
        fingerprint = language_fingerprints(plan)[lang]
        return save_approval(session, edition_id, lang, by=actor.name,
                             content_hash=fingerprint, now_at=datetime.now(UTC),
                             texts_approved=approved,
                             machine_accepted=len(accepted.get(lang, ())))


def approve_edition(app: App, actor: Actor, edition_id: int) -> Edition:
    """Approve the edition once each language is approved as it is now; freezes the content
    with its hash."""
    require(actor, Action.APPROVE)
    with app.session() as session:
        edition = get_edition(session, edition_id)
        standing = standing_of(session, edition)
        waiting = [lang.lang for lang in standing.languages if not lang.approved]
        if waiting:
            raise EditionError(f"edition {edition_id} cannot be approved yet: approve "
                               f"{', '.join(waiting)} first")
        freeze(session, edition, standing.plan, actor, approved_languages=())
        return edition


def recheck_approvals(session: Session, actor: Actor,
                      editions: Sequence[Edition] | None = None) -> list[int]:
    """Withdraw the approvals whose content changed and send approved editions whose content
    changed back to review (audited, as ``actor``: the person whose change it was): those of
    ``editions`` (the ones a change touched), or of every open edition that has one. Returns
    the ids of the editions concerned."""
    touched = []
    candidates = approved_editions(session)
    if editions is not None:
        wanted = {edition.id for edition in editions}
        candidates = [edition for edition in candidates if edition.id in wanted]
    for edition in candidates:
        try:
            plan = current_plan(session, edition)
        except (EditionError, ValueError):
            continue
        prints = language_fingerprints(plan)
        changed = False
        for lang, row in load_approvals(session, edition.id).items():
            if row.content_hash != prints.get(lang):
                revoke_approval(session, row, by=actor.name, reason=CONTENT_CHANGED)
                changed = True
        if (edition.status == EditionStatus.APPROVED and edition.content_hash
                and edition.content_hash != edition_fingerprint(prints)):
            move_edition(session, edition, EditionStatus.IN_REVIEW, actor=actor,
                         reason=CONTENT_CHANGED)
            changed = True
        if changed:
            touched.append(edition.id)
    return touched


def check_frozen(session: Session, edition: Edition) -> str:
    """The approved hash, when the edition's content still has it; :class:`EditionError`
    otherwise (what the sender checks before sending anything)."""
    if edition.status not in (EditionStatus.APPROVED, EditionStatus.SENDING,
                              EditionStatus.PAUSED) or not edition.content_hash:
        raise EditionError(f"edition {edition.id} is {edition.status}, not approved")
    now_hash = edition_content_hash(session, edition)
    if now_hash != edition.content_hash:
        raise EditionError(f"edition {edition.id} changed since it was approved: "
                           "approve it again")
    return now_hash


__all__ = ["LanguageStanding", "Standing", "approve_edition", "approve_language",
           "check_frozen", "load_standing", "recheck_approvals"]
