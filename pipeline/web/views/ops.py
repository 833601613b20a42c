"""Operations: ``/healthz`` and ``/metrics`` for monitoring (an administrator, or a client of
``PIPELINE_MONITORING_NETWORKS``), and the operations page for an administrator: the jobs
with their schedules and last results, the queues, the failing sources, and charts of the
last weeks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, Response

from pipeline.jobs.health import Health, check_health
from pipeline.permissions import Action
from pipeline.store.metrics import daily_series, failing_source_rows, load_metrics
from pipeline.web.charts import bar_chart
from pipeline.web.i18n import N_
from pipeline.web.metrics import CONTENT_TYPE, render_metrics
from pipeline.web.routing import Ctx, view

CHART_DAYS = 56
METRICS_WINDOW = timedelta(days=1)
STATES = {"ok": N_("on time"), "late": N_("late"), "failing": N_("failing"),
          "never": N_("not run yet"), "off": N_("off")}
CHARTS = (("collected", N_("Items collected per day")),
          ("relevant", N_("Relevant items per day")),
          ("fetch_errors", N_("Failed fetches per day")),
          ("job_failures", N_("Failed job runs per day")),
          ("sent", N_("Messages sent per day")))
QUEUES = {"items_new": N_("Items waiting for processing"),
          "items_processing": N_("Items being processed"),
          "sources_due": N_("Sources due for collection"),
          "deliveries_waiting": N_("Messages waiting to be sent"),
          "notifications_waiting": N_("Notifications waiting to be sent")}


def health_document(health: Health) -> dict[str, Any]:
    """What ``/healthz`` answers: no host, no address, no error text."""
    def when(at: datetime | None) -> str | None:
        return at.isoformat(timespec="seconds") if at else None

    return {
        "status": "ok" if health.healthy else "fail",
        "database": "ok" if health.database == "ok" else "unreachable",
        "scheduler": {"active": health.scheduler is not None,
                      "since": when(health.scheduler_since)},
        "jobs": {job.name: {"state": job.state, "last_status": job.last_status,
                            "last_success_at": when(job.last_ok_at),
                            "next_at": when(job.next_at)}
                 for job in health.jobs},
    }


@view("/healthz", access=Action.OPERATE, monitoring=True, name="healthz")
def healthz(ctx: Ctx) -> Response:
    health = check_health(ctx.app)
    return JSONResponse(health_document(health), status_code=200 if health.healthy else 503)


@view("/metrics", access=Action.OPERATE, monitoring=True, name="metrics")
def metrics(ctx: Ctx) -> Response:
    health = check_health(ctx.app)
    if health.database != "ok":
        return Response("# the database does not answer\npipeline_up 0\n", status_code=503,
                        media_type=CONTENT_TYPE)
    with ctx.app.session(readonly=True) as session:
        snapshot = load_metrics(session, datetime.now(UTC), METRICS_WINDOW)
    return Response(render_metrics(snapshot, health), media_type=CONTENT_TYPE)


@view("/ops", access=Action.OPERATE, name="operations")
def operations(ctx: Ctx) -> Response:
    settings = ctx.app.settings
    now_at = datetime.now(UTC)
    health = check_health(ctx.app, now_at)
    queues: dict[str, int] = {}
    failing: list[Any] = []
    charts = []
    if health.database == "ok":
        with ctx.app.session(readonly=True) as session:
            snapshot = load_metrics(session, now_at, METRICS_WINDOW)
            series = daily_series(session, now_at, CHART_DAYS, settings.timezone)
            failing = failing_source_rows(session)
        queues = snapshot.queues
        for key, title in CHARTS:
            values = getattr(series, key)
            charts.append({"title": ctx.gettext(title), "total": sum(values),
                           "svg": bar_chart(values, series.days, ctx.gettext(title),
                                            ctx.lang)})
    jobs = [{"job": job, "state": ctx.gettext(STATES[job.state])} for job in health.jobs]
    return ctx.render("ops.html", health=health, jobs=jobs, timezone=settings.timezone,
                      queues=[(ctx.gettext(QUEUES[k]), v) for k, v in queues.items()],
                      failing=failing, charts=charts, chart_weeks=CHART_DAYS // 7)


VIEWS = (healthz, metrics, operations)
