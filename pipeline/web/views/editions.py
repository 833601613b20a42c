"""The start page (editions by state) and one edition's overview."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.errors import EditionError
from pipeline.jobs.editions import current_plan
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.records import LanguageState as StoredLanguageState
from pipeline.states import EditionStatus
from pipeline.store.listings import find_edition, list_editions
from pipeline.store.models import Edition
from pipeline.web.i18n import N_, format_days
from pipeline.web.labels import EDITION_STATUSES, PUBLICATIONS, SECTIONS
from pipeline.web.routing import Ctx, view

STATUS_ORDER = (EditionStatus.DRAFT, EditionStatus.IN_REVIEW, EditionStatus.APPROVED,
                EditionStatus.SENDING, EditionStatus.PAUSED, EditionStatus.SENT,
                EditionStatus.CANCELLED)
COMPLETE = N_("complete")
TO_REVIEW = N_("%(count)d to review")
MISSING = N_("%(count)d missing")


@dataclass(frozen=True, slots=True)
class LanguageState:
    code: str
    state: str
    """ok | review | missing (a CSS class and what it means)"""
    note: str


@dataclass(frozen=True, slots=True)
class EditionRow:
    id: int
    status: str
    status_label: str
    publication: str
    period: str
    languages: tuple[LanguageState, ...]
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    sent_at: datetime | None


def language_states(ctx: Ctx, state: Mapping[str, StoredLanguageState]
                    ) -> tuple[LanguageState, ...]:
    shown = []
    for lang in LANGUAGES:
        facts = state.get(lang) or StoredLanguageState()
        missing, unreviewed = len(facts.missing), len(facts.unreviewed)
        if missing:
            shown.append(LanguageState(lang, "missing", ctx.gettext(MISSING, count=missing)))
        elif unreviewed:
            shown.append(LanguageState(lang, "review", ctx.gettext(TO_REVIEW, count=unreviewed)))
        else:
            shown.append(LanguageState(lang, "ok", ctx.gettext(COMPLETE)))
    return tuple(shown)


def edition_row(ctx: Ctx, edition: Edition) -> EditionRow:
    last_at = edition.period_end_at - timedelta(microseconds=1)
    period = format_days(edition.period_start_at, last_at, ctx.lang)
    status_label = EDITION_STATUSES.get(edition.status, edition.status)
    return EditionRow(
        id=edition.id, status=edition.status, status_label=ctx.gettext(status_label),
        publication=ctx.gettext(PUBLICATIONS.get(edition.kind, edition.kind)), period=period,
        languages=language_states(ctx, edition.language_state or {}),
        updated_at=edition.updated_at, approved_by=edition.approved_by,
        approved_at=edition.approved_at, sent_at=edition.sent_at)


@view("/", access=Action.READ, name="dashboard")
def dashboard(ctx: Ctx) -> Response:
    with ctx.app.session(readonly=True) as db:
        editions = list_editions(db)
    groups = []
    for status in STATUS_ORDER:
        rows = [edition_row(ctx, e) for e in editions if e.status == status]
        if rows:
            groups.append({"status": str(status), "label": ctx.gettext(EDITION_STATUSES[status]),
                           "rows": rows})
    return ctx.render("dashboard.html", groups=groups)


@view("/editions/{edition_id:int}", access=Action.READ, name="edition")
def edition_page(ctx: Ctx) -> Response:
    edition_id = int(ctx.request.path_params["edition_id"])
    with ctx.app.session(readonly=True) as db:
        edition = find_edition(db, edition_id)
        if edition is None:
            raise HTTPException(404)
        try:
            plan = current_plan(db, edition)
        except (EditionError, ValueError):  # no plan yet, or one this version cannot read
            plan = None
    sections = []
    for section in plan.sections if plan else ():
        entries = []
        for entry in section.entries:
            text = entry.texts.get(ctx.lang) or next(iter(entry.texts.values()), None)
            url = entry.url if entry.url.startswith(("https://", "http://")) else ""
            entries.append({"title": text.title if text else entry.item_id, "url": url,
                            "source": entry.source_name,
                            "origin": text.origin if text else ""})
        title = SECTIONS.get(section.id)
        sections.append({"title": ctx.gettext(title) if title else section.id,
                         "entries": entries})
    return ctx.render("edition.html", row=edition_row(ctx, edition), sections=sections,
                      warnings=list(edition.warnings or ()))


VIEWS = (dashboard, edition_page)
