"""The audit log: every edit, approval, label correction and account change, newest first,
with filters (who, what, on what, between which days), and its CSV export."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.responses import Response, StreamingResponse

from pipeline.errors import ConfigError
from pipeline.jobs.audit import export_audit_csv, load_audit_page, make_filter
from pipeline.permissions import Action
from pipeline.store.audit import AuditFilter
from pipeline.web.i18n import N_
from pipeline.web.routing import Ctx, view

FIELDS = {"actor": 100, "action": 60, "target": 200, "since": 10, "until": 10}
BAD_DAY = N_("Dates are written YYYY-MM-DD.")


def filter_of(ctx: Ctx) -> tuple[dict[str, str], AuditFilter]:
    """The filter fields of the query (cut to their column's length) and the filter."""
    query = ctx.request.query_params
    values = {name: query.get(name, "")[:length] for name, length in FIELDS.items()}
    return values, make_filter(**values)


@view("/audit", access=Action.READ, name="audit")
def audit_page(ctx: Ctx) -> Response:
    status_code, problem = 200, ""
    try:
        values, wanted = filter_of(ctx)
    except ConfigError:  # the other filters still apply; the dates are said to be wrong
        query = ctx.request.query_params
        values = {name: query.get(name, "")[:length] for name, length in FIELDS.items()}
        wanted = make_filter(actor=values["actor"], action=values["action"],
                             target=values["target"])
        status_code, problem = 400, ctx.gettext(BAD_DAY)
    before = ctx.request.query_params.get("before", "")
    page = load_audit_page(ctx.app, ctx.actor, wanted,
                           before_id=int(before[:18]) if before[:18].isdigit() else None)
    return ctx.render("audit.html", status_code=status_code, page=page, values=values,
                      problem=problem, can_export=ctx.can(Action.EXPORT),
                      families=sorted({a.split(".")[0] + "." for a in page.actions if "." in a}),
                      details=lambda entry: json.dumps(entry.details or {}, ensure_ascii=False,
                                                       sort_keys=True),
                      query=urlencode({k: v for k, v in values.items() if v}))


@view("/audit.csv", access=Action.EXPORT, name="audit_csv")
def audit_csv(ctx: Ctx) -> Response:
    try:
        _, wanted = filter_of(ctx)
    except ConfigError:
        return Response(ctx.gettext(BAD_DAY), status_code=400,
                        media_type="text/plain; charset=utf-8")
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    return StreamingResponse(
        export_audit_csv(ctx.app, ctx.actor, wanted), media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="audit-log-{stamp}.csv"',
                 "cache-control": "no-store"})


VIEWS = (audit_page, audit_csv)
