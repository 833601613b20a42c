"""Leases: work claimed by one owner for a while, renewed while the owner works, taken over
at once when it expires.

Two kinds:

- **Row leases** (:func:`claim`, :func:`renew`, :func:`release`): rows of a table with the
  columns ``claimed_by`` and ``lease_expires_at`` (items being processed, deliveries being
  sent). A row is free when nobody claims it or its lease has expired. PostgreSQL skips the
  rows another transaction is claiming (``FOR UPDATE SKIP LOCKED``), so claimers never wait
  for each other; SQLite's write lock (``BEGIN IMMEDIATE``, :mod:`pipeline.store.db`)
  serialises the claims.
- **Named leases** (:func:`acquire_named_lease`, :func:`release_named_lease`): one row per name
  in ``leases``, for "only one of these at a time" (the active scheduler).

An owner is an opaque string; a job's owner is its run (``run:ID``, see
:mod:`pipeline.store.runs`), whose heartbeat renews its leases, and whose leases are expired
at once when the run is found dead.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.store.models import Lease

Claimable = Any
"""A mapped class with ``id``, ``claimed_by`` and ``lease_expires_at`` columns."""


def _now(now_at: datetime | None) -> datetime:
    return now_at or datetime.now(UTC)


def lease_is_free(model: Claimable, now_at: datetime) -> ColumnElement[bool]:
    """The SQL condition "nobody holds this row's lease" (never claimed, or expired)."""
    return or_(model.claimed_by.is_(None), model.lease_expires_at.is_(None),
               model.lease_expires_at < now_at)


def claim(session: Session, model: Claimable, *, owner: str, lease_seconds: float,
          limit: int, where: ColumnElement[bool] | None = None,
          values: dict[str, Any] | None = None, now_at: datetime | None = None) -> list[int]:
    """Claim up to ``limit`` free rows of ``model`` matching ``where`` for ``owner``, oldest
    id first; set ``values`` on them too (e.g. a status). Returns the claimed ids.

    The caller commits (the claim is visible to others only then) and keeps the lease alive
    with :func:`renew` while it works."""
    now_at = _now(now_at)
    condition = lease_is_free(model, now_at)
    if where is not None:
        condition = and_(where, condition)
    ids = list(session.scalars(
        select(model.id).where(condition).order_by(model.id).limit(limit)
        .with_for_update(skip_locked=True)))
    if ids:
        session.execute(
            update(model).where(model.id.in_(ids))
            .values(claimed_by=owner, lease_expires_at=now_at + timedelta(seconds=lease_seconds),
                    **(values or {}))
            .execution_options(synchronize_session=False))
    return ids


def renew(session: Session, model: Claimable, *, owner: str, lease_seconds: float,
          now_at: datetime | None = None) -> int:
    """Extend every lease ``owner`` holds on ``model``'s rows; returns how many."""
    now_at = _now(now_at)
    result = session.execute(
        update(model).where(model.claimed_by == owner)
        .values(lease_expires_at=now_at + timedelta(seconds=lease_seconds))
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def release(session: Session, model: Claimable, *, owner: str,
            ids: list[int] | None = None, values: dict[str, Any] | None = None) -> int:
    """Give up ``owner``'s leases (all of them, or those of ``ids``), setting ``values`` on
    the rows released (e.g. the status reached); returns how many were released. A row whose
    lease was taken over by another owner is left alone."""
    condition = model.claimed_by == owner
    if ids is not None:
        condition = and_(condition, model.id.in_(ids))
    result = session.execute(
        update(model).where(condition)
        .values(claimed_by=None, lease_expires_at=None, **(values or {}))
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expire(session: Session, model: Claimable, *, owner: str,
           now_at: datetime | None = None) -> int:
    """End ``owner``'s leases now (its process died), so the next claim takes them over."""
    result = session.execute(
        update(model).where(model.claimed_by == owner)
        .values(lease_expires_at=_now(now_at) - timedelta(microseconds=1))
        .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def held_ids(session: Session, model: Claimable, *, owner: str, ids: list[int]) -> set[int]:
    """Which of ``ids`` ``owner`` still holds (a lease not taken over by another owner)."""
    return set(session.scalars(select(model.id).where(model.id.in_(ids),
                                                       model.claimed_by == owner)))


def acquire_named_lease(session: Session, name: str, *, owner: str, lease_seconds: float,
                        now_at: datetime | None = None) -> bool:
    """Take (or renew) the lease ``name`` for ``owner``; True when ``owner`` holds it now.
    Refused while another owner's lease on it has not expired."""
    now_at = _now(now_at)
    expires_at = now_at + timedelta(seconds=lease_seconds)
    result = session.execute(
        update(Lease).where(Lease.name == name,
                            or_(Lease.owner == owner, Lease.expires_at < now_at))
        .values(owner=owner, expires_at=expires_at,
                acquired_at=_acquired_at(owner, now_at))
        .execution_options(synchronize_session=False))
    if result.rowcount:  # type: ignore[attr-defined]
        return True
    if session.get(Lease, name, populate_existing=True) is not None:
        return False
    try:
        with session.begin_nested():
            session.execute(insert(Lease).values(name=name, owner=owner, acquired_at=now_at,
                                                 expires_at=expires_at))
    except IntegrityError:  # another owner inserted it first
        return False
    return True


def _acquired_at(owner: str, now_at: datetime) -> Any:
    """Keep the time the current owner first took the lease; a new owner starts now."""
    return case((Lease.owner == owner, Lease.acquired_at), else_=now_at)


def release_named_lease(session: Session, name: str, *, owner: str) -> bool:
    """Give up ``name`` if ``owner`` holds it; True when it did."""
    result = session.execute(delete(Lease).where(Lease.name == name, Lease.owner == owner))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def named_lease_holder(session: Session, name: str, now_at: datetime | None = None
                       ) -> Lease | None:
    """The live lease ``name`` (None when free or expired)."""
    lease = session.get(Lease, name, populate_existing=True)
    if lease is None or lease.expires_at < _now(now_at):
        return None
    return lease


__all__ = ["acquire_named_lease", "claim", "expire", "held_ids", "lease_is_free",
           "named_lease_holder", "release", "release_named_lease", "renew"]
