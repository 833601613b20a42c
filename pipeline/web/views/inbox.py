"""The inbox: the candidate items of each publication's next edition, with why each is there;
accept, reject (one or many), correct labels; the near misses, one click to pull one in.

Filters and orderings come from allowlists (a value outside them is refused with 400, never
put into SQL); the text search is matched literally. Every change goes through
:mod:`pipeline.jobs.review` with the signed-in person as actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.config import SOURCE_LANGUAGES
from pipeline.errors import EditionError
from pipeline.jobs.editions import DEFAULT_PERIOD, last_day
from pipeline.jobs.review import accept_items, correct_labels, open_edition_id, reject_items
from pipeline.permissions import Action
from pipeline.records import LANGUAGES, REGIONS, THEMES
from pipeline.store.comments import load_comments
from pipeline.store.inbox import (
    PAGE_SIZE,
    SORTS,
    TABS,
    InboxQuery,
    InboxRow,
    count_inbox,
    find_open_edition,
    list_inbox,
    list_sources,
    load_item_detail,
)
from pipeline.web.evidence import read_evidence, short_reason
from pipeline.web.i18n import N_, format_days
from pipeline.web.labels import PUBLICATIONS, SECTIONS, TEXT_STATES
from pipeline.web.labels import REGIONS as REGION_LABELS
from pipeline.web.labels import THEMES as THEME_LABELS
from pipeline.web.routing import Ctx, view
from pipeline.web.security import safe_next

BAD_FILTER = N_("This filter or order is not one the inbox offers.")
NO_EDITION = N_("There is no open edition of the %(publication)s to add items to: draft one "
                "first.")
ACCEPTED = N_("Accepted into “%(section)s”.")
ALREADY = N_("Already in the edition.")
REJECTED = N_("Rejected: marked not relevant.")
LABELS_SAVED = N_("The labels are saved. The classifier will never relabel this item.")
NOT_CLASSIFIED = N_("This item is not classified yet.")
TAB_NAMES = {"pending": N_("To decide"), "accepted": N_("In the edition"),
             "near": N_("Near misses"), "rejected": N_("Rejected")}
SORT_NAMES = {"newest": N_("Newest first"), "oldest": N_("Oldest first"),
              "score": N_("Most relevant first"), "source": N_("By source"),
              "title": N_("By title")}
MAX_BULK = 200


class BadFilter(HTTPException):
    """A filter, order or publication outside the allowlists."""

    def __init__(self) -> None:
        super().__init__(400)


def section_label(ctx: Ctx, section: str) -> str:
    label = SECTIONS.get(section)
    return ctx.gettext(label) if label else section


def _choice(ctx: Ctx, name: str, allowed: Any, default: str = "") -> str:
    value = ctx.request.query_params.get(name, default)
    if value and value not in allowed:
        raise BadFilter
    return value or default


def read_query(ctx: Ctx, since_at: datetime, until_at: datetime, edition_id: int | None,
               sources: list[tuple[str, str]]) -> InboxQuery:
    page = ctx.request.query_params.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 10_000:
        raise BadFilter
    return InboxQuery(
        since_at=since_at, until_at=until_at, edition_id=edition_id,
        tab=_choice(ctx, "tab", TABS, "pending"), theme=_choice(ctx, "theme", THEMES),
        region=_choice(ctx, "region", REGIONS), lang=_choice(ctx, "lang", SOURCE_LANGUAGES),
        source=_choice(ctx, "source", {s for s, _ in sources}),
        text=ctx.request.query_params.get("q", "")[:200].strip(),
        sort=_choice(ctx, "sort", SORTS, "newest"), page=int(page))


def publication_of(value: str) -> str:
    if value and value not in PUBLICATIONS:
        raise BadFilter
    return value or "press-review"


@dataclass(frozen=True, slots=True)
class Row:
    data: InboxRow
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    reason: tuple[Any, ...]
    places: tuple[str, ...]
    to_check: bool
    probability: float | None


def present_row(ctx: Ctx, row: InboxRow) -> Row:
    why = read_evidence(row.evidence, limit=3)
    return Row(row, tuple(ctx.gettext(THEME_LABELS[t]) for t in row.themes if t in THEME_LABELS),
               tuple(ctx.gettext(REGION_LABELS[r]) for r in row.regions if r in REGION_LABELS),
               short_reason(why), tuple(p for p, _ in why.places[:3]), why.to_check,
               why.probability)


def query_string(query: InboxQuery, publication: str, **changes: Any) -> str:
    values = {"publication": publication, "tab": query.tab, "theme": query.theme,
              "region": query.region, "lang": query.lang, "source": query.source,
              "q": query.text, "sort": query.sort, "page": query.page, **changes}
    return urlencode({k: v for k, v in values.items() if v not in ("", None)
                      and not (k == "page" and v == 1)})


@view("/inbox", access=Action.READ, name="inbox")
def inbox_page(ctx: Ctx) -> Response:
    try:
        return _inbox_page(ctx)
    except BadFilter:
        return ctx.render("error.html", status_code=400, status=400,
                          message=ctx.gettext(BAD_FILTER))


def _inbox_page(ctx: Ctx) -> Response:
    publication = publication_of(ctx.request.query_params.get("publication", ""))
    now_at = datetime.now(UTC)
    with ctx.app.session(readonly=True) as db:
        edition = find_open_edition(db, publication)
        since_at = edition.period_start_at if edition else now_at - DEFAULT_PERIOD[publication]
        until_at = max(now_at, edition.period_end_at) if edition else now_at
        sources = list_sources(db)
        query = read_query(ctx, since_at, until_at, edition.id if edition else None, sources)
        rows = list_inbox(db, query)
        counts = count_inbox(db, query)
    here = f"/inbox?{query_string(query, publication)}"
    period = format_days(edition.period_start_at, last_day(edition), ctx.lang) if edition else ""
    return ctx.render(
        "inbox.html", publication=publication, publications=PUBLICATIONS, edition=edition,
        period=period, text_states=TEXT_STATES,
        clear_url=f"/inbox?{urlencode({'publication': publication, 'tab': query.tab})}",
        query=query, rows=[present_row(ctx, r) for r in rows], counts=counts, tabs=TAB_NAMES,
        sorts=SORT_NAMES, themes=THEME_LABELS, regions=REGION_LABELS,
        languages=SOURCE_LANGUAGES, sources=sources, here=here,
        tab_url=lambda tab: f"/inbox?{query_string(query, publication, tab=tab, page=1)}",
        page_url=lambda page: f"/inbox?{query_string(query, publication, page=page)}",
        more=len(rows) == PAGE_SIZE, since_at=since_at, until_at=until_at,
        no_edition=ctx.gettext(NO_EDITION, publication=ctx.gettext(PUBLICATIONS[publication])))


def _back(ctx: Ctx, default: str) -> str:
    return safe_next(ctx.field("next", 2000)) or default


def _outcome(ctx: Ctx, item_id: int, message: str, status_code: int = 200, **values: Any
             ) -> Response:
    """The answer to an accept or reject: the row's new content for htmx, else back to the
    page it came from."""
    if "hx-request" in ctx.request.headers:
        return ctx.render("_inbox_done.html", status_code=status_code, item_id=item_id,
                          message=message, **values)
    if status_code >= 400:
        return ctx.render("error.html", status_code=status_code, status=status_code,
                          message=message)
    return ctx.redirect(_back(ctx, "/inbox"))


def _item_id(ctx: Ctx) -> int:
    return int(ctx.request.path_params["item_id"])


def _accept(ctx: Ctx, item_ids: list[int]) -> tuple[int | None, Any]:
    publication = publication_of(ctx.field("publication", 20))
    edition_id = open_edition_id(ctx.app, publication)
    if edition_id is None:
        return None, ctx.gettext(NO_EDITION, publication=ctx.gettext(PUBLICATIONS[publication]))
    return edition_id, accept_items(ctx.app, ctx.actor, edition_id, item_ids)


@view("/inbox/items/{item_id:int}/accept", access=Action.EDIT, methods=("POST",),
      name="inbox_accept")
def accept_item(ctx: Ctx) -> Response:
    item_id = _item_id(ctx)
    try:
        edition_id, report = _accept(ctx, [item_id])
    except EditionError:
        return _outcome(ctx, item_id, ctx.gettext(NOT_CLASSIFIED), 409)
    if edition_id is None:
        return _outcome(ctx, item_id, report, 409)
    if item_id in report.already:
        return _outcome(ctx, item_id, ctx.gettext(ALREADY), edition_id=edition_id)
    return _outcome(ctx, item_id, ctx.gettext(
        ACCEPTED, section=section_label(ctx, report.placed[item_id])), edition_id=edition_id,
        undo=True)


@view("/inbox/items/{item_id:int}/reject", access=Action.EDIT, methods=("POST",),
      name="inbox_reject")
def reject_item(ctx: Ctx) -> Response:
    item_id = _item_id(ctx)
    try:
        reject_items(ctx.app, ctx.actor, [item_id])
    except EditionError:
        return _outcome(ctx, item_id, ctx.gettext(NOT_CLASSIFIED), 409)
    return _outcome(ctx, item_id, ctx.gettext(REJECTED))


@view("/inbox/bulk", access=Action.EDIT, methods=("POST",), name="inbox_bulk")
def bulk(ctx: Ctx) -> Response:
    """Accept or reject the items ticked in the list."""
    raw = ctx.form.getlist("item") if ctx.form is not None else []
    item_ids = [int(v) for v in raw if isinstance(v, str) and v.isdigit()][:MAX_BULK]
    action = ctx.field("action", 10)
    if action not in ("accept", "reject") or len(item_ids) != len(raw[:MAX_BULK]):
        raise HTTPException(400)
    try:
        if action == "accept":
            edition_id, report = _accept(ctx, item_ids)
            if edition_id is None:
                return ctx.render("error.html", status_code=409, status=409, message=report)
        else:
            reject_items(ctx.app, ctx.actor, item_ids)
    except EditionError:
        return ctx.render("error.html", status_code=409, status=409,
                          message=ctx.gettext(NOT_CLASSIFIED))
    return ctx.redirect(_back(ctx, "/inbox"))


@view("/inbox/items/{item_id:int}", access=Action.READ, name="inbox_item")
def item_page(ctx: Ctx) -> Response:
    item_id = _item_id(ctx)
    with ctx.app.session(readonly=True) as db:
        detail = load_item_detail(db, item_id)
        if detail is None:
            raise HTTPException(404)
        comments = load_comments(db, [item_id]).get(item_id, [])
        open_editions = {kind: find_open_edition(db, kind) for kind in PUBLICATIONS}
    labels = detail.classification
    why = read_evidence(labels.evidence if labels else {})
    template = "_why.html" if ctx.request.query_params.get("part") == "why" else "item.html"
    url = detail.item.url if detail.item.url.startswith(("https://", "http://")) else ""
    return ctx.render(
        template, detail=detail, item=detail.item, labels=labels, why=why, url=url,
        text_states=TEXT_STATES, holding={edition.id for edition, _ in detail.editions},
        texts=sorted(detail.texts, key=lambda t: (t.lang not in LANGUAGES,
                                                  LANGUAGES.index(t.lang)
                                                  if t.lang in LANGUAGES else 0, t.lang)),
        comments=comments, open_editions=open_editions, publications=PUBLICATIONS,
        themes=THEME_LABELS, regions=REGION_LABELS, sections=SECTIONS,
        languages=LANGUAGES, here=f"/inbox/items/{item_id}",
        done=ctx.gettext(LABELS_SAVED) if ctx.request.query_params.get("done") else "")


@view("/inbox/items/{item_id:int}/labels", access=Action.EDIT, methods=("POST",),
      name="inbox_labels")
def save_labels(ctx: Ctx) -> Response:
    """An editor's relevance, primary theme, other themes and regions for an item."""
    item_id = _item_id(ctx)
    form = ctx.form
    relevant = ctx.field("relevant", 5)
    primary = ctx.field("primary", 40)
    themes = [v for v in (form.getlist("theme") if form is not None else [])
              if isinstance(v, str)]
    regions = [v for v in (form.getlist("region") if form is not None else [])
               if isinstance(v, str)]
    if relevant not in ("yes", "no") or (primary and primary not in THEMES) or any(
            t not in THEMES for t in themes) or any(r not in REGIONS for r in regions):
        raise HTTPException(400)
    ordered = list(dict.fromkeys([*([primary] if primary else []), *themes]))
    try:
        correct_labels(ctx.app, ctx.actor, item_id, relevant=relevant == "yes",
                       themes=ordered, regions=regions)
    except EditionError:
        return ctx.render("error.html", status_code=409, status=409,
                          message=ctx.gettext(NOT_CLASSIFIED))
    return ctx.redirect(f"/inbox/items/{item_id}?done=labels#labels")


VIEWS = (inbox_page, accept_item, reject_item, bulk, item_page, save_labels)
"""The inbox's views."""

__all__ = ["VIEWS"]
