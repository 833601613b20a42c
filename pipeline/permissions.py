"""Who may do what: one role × action table, one :class:`Actor`, one check.

Every door (the command line acting ``--by`` a named user, the web app acting for the
logged-in user, the scheduler acting as :data:`SYSTEM`) hands an :class:`Actor` to the job, and
the job calls :func:`require` before it changes anything. Nothing else decides rights.

=========== ==== ==== ======= ==== ====== ====== ============ ============== ==================
role        read edit approve send export submit manage_users manage_sources manage_subscribers
=========== ==== ==== ======= ==== ====== ====== ============ ============== ==================
editor       ✓    ✓                  ✓      ✓
approver     ✓    ✓      ✓     ✓     ✓      ✓
ambassador                                  ✓
admin        ✓    ✓      ✓     ✓     ✓      ✓        ✓             ✓                ✓
=========== ==== ==== ======= ==== ====== ====== ============ ============== ==================

``operate`` (the operations page, ``/healthz`` and ``/metrics``) is the admin's alone.

The command line acts as a named user with ``--by NAME`` (resolved by
:func:`pipeline.store.users.load_actor`; an unknown name is refused) and as :data:`SYSTEM`
without it: whoever runs commands on the server already holds the database. Which edition
transitions need which action is the table of :mod:`pipeline.store.editions`.

``read`` covers drafts, the inbox, subscribers' counts and the audit log; an ambassador reads
only their own submissions, which :func:`require` enforces through ``region`` and ``owner_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pipeline.errors import PermissionDenied
from pipeline.states import Role


class Action(StrEnum):
    READ = "read"
    EDIT = "edit"
    """Change drafts, texts, labels, sections, comments, the taxonomy and the glossary."""
    APPROVE = "approve"
    SEND = "send"
    """Send an edition (and a test message), pause or resume a send."""
    EXPORT = "export"
    """Subscribers, the audit log, translation memory."""
    SUBMIT = "submit"
    """Submit a news item (a link or a text)."""
    MANAGE_USERS = "manage_users"
    MANAGE_SOURCES = "manage_sources"
    """Edit the sources, collect them now, pause and resume them."""
    MANAGE_SUBSCRIBERS = "manage_subscribers"
    """Import, add and remove subscribers (signing up and unsubscribing are the
    subscribers' own doing)."""
    OPERATE = "operate"
    """See how the pipeline runs: the operations page, ``/healthz`` and ``/metrics``."""


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.EDITOR: frozenset({Action.READ, Action.EDIT, Action.EXPORT, Action.SUBMIT}),
    Role.APPROVER: frozenset({Action.READ, Action.EDIT, Action.APPROVE, Action.SEND,
                              Action.EXPORT, Action.SUBMIT}),
    Role.AMBASSADOR: frozenset({Action.SUBMIT}),
    Role.ADMIN: frozenset(Action),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """The person (or the pipeline itself) on whose behalf a job runs."""

    name: str
    role: Role
    user_id: int | None = None
    region: str | None = None
    """An ambassador's region; None for every other role."""

    def can(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]


SYSTEM = Actor(name="pipeline", role=Role.ADMIN)
"""The scheduler and the command-line jobs that act for nobody in particular (collect,
process, draft)."""


def require(actor: Actor, action: Action, *, region: str | None = None,
            owner_id: int | None = None) -> None:
    """Raise :class:`~pipeline.errors.PermissionDenied` unless ``actor`` may do ``action``.

    ``region`` and ``owner_id`` describe the row acted on when it belongs to a region or a
    user (an ambassador's submission): an ambassador is held to their own region and their
    own rows."""
    if not actor.can(action):
        raise PermissionDenied(f"{actor.name} ({actor.role}) may not {action.replace('_', ' ')}")
    if actor.role is Role.AMBASSADOR:
        if region is not None and region != actor.region:
            raise PermissionDenied(f"{actor.name} may act only on their region ({actor.region})")
        if owner_id is not None and owner_id != actor.user_id:
            raise PermissionDenied(f"{actor.name} may act only on their own submissions")


__all__ = ["PERMISSIONS", "SYSTEM", "Action", "Actor", "require"]
