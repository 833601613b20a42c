"""The administrator's sources page: health of every source of ``sources.toml``; enable,
disable, pause, resume, edit; a new source tried (what it would bring) before it is saved.

Every form carries the digest of the file it was made from: a file changed meanwhile (by hand
or from another page) is not overwritten, the page says so and shows the file as it is now.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.responses import Response

from pipeline.config import SOURCE_LANGUAGES
from pipeline.errors import FileChanged, FormError
from pipeline.jobs.sources_admin import (
    SourceTrial,
    form_values,
    load_sources_page,
    save_new_source,
    save_source,
    set_enabled,
    set_paused,
    try_source,
)
from pipeline.permissions import Action
from pipeline.records import REGIONS, SourceSpec
from pipeline.web.i18n import N_
from pipeline.web.labels import REGIONS as REGION_NAMES
from pipeline.web.labels import THEMES, WRITTEN_LANGUAGES
from pipeline.web.routing import Ctx, view

CHANGED = N_("The file changed since this page was opened (edited by hand, or from another "
             "page): nothing was written. Here it is as it is now.")
INVALID = N_("sources.toml cannot be read as it is now; the command line refuses it too. "
             "Fix it by hand: %(error)s")
DONE = {"added": N_("The source is added to sources.toml."),
        "saved": N_("The source is saved in sources.toml."),
        "enabled": N_("The source is enabled."), "disabled": N_("The source is disabled."),
        "paused": N_("The source is paused: it is not collected until resumed."),
        "resumed": N_("The source is resumed: it is collected at the next run.")}
FETCH_FAILED = N_("The test fetch failed: %(error)s")
NOTHING = N_("The test fetch found nothing to collect.")
HEALTH = {"disabled": N_("Disabled"), "paused": N_("Paused"), "failing": N_("Failing"),
          "new": N_("Never collected"), "ok": N_("Working")}
FIELDS = ("id", "name", "url", "kind", "lang", "region", "country", "relevance", "section",
          "interval_minutes", "follow_links", "enabled")


def read_form(ctx: Ctx) -> dict[str, Any]:
    raw: dict[str, Any] = {name: ctx.field(name, 2100) for name in FIELDS}
    raw["themes"] = [t[:40] for t in ctx.form.getlist("themes")[:20]
                     if isinstance(t, str)] if ctx.form is not None else []
    return raw


def spec_values(spec: SourceSpec) -> dict[str, Any]:
    return {"id": spec.id, "name": spec.name, "url": spec.url, "kind": spec.kind,
            "lang": spec.lang, "region": spec.region or "", "country": spec.country or "",
            "themes": list(spec.themes), "relevance": spec.relevance, "section": spec.section,
            "interval_minutes": str(spec.interval_minutes),
            "follow_links": spec.follow_links, "enabled": spec.enabled}


def choices(ctx: Ctx) -> dict[str, Any]:
    return {"languages": [(code, WRITTEN_LANGUAGES[code]) for code in SOURCE_LANGUAGES],
            "regions": [(key, ctx.gettext(REGION_NAMES[key])) for key in REGIONS],
            "themes": [(key, ctx.gettext(label)) for key, label in THEMES.items()]}


def health_of(spec: SourceSpec, health: Any) -> str:
    if not spec.enabled:
        return "disabled"
    if health is not None and health.paused:
        return "paused"
    if health is None or (health.last_success_at is None and not health.error_count):
        return "new"
    return "failing" if health.error_count else "ok"


def sources_page(ctx: Ctx, status_code: int = 200, alert: str = "") -> Response:
    page = load_sources_page(ctx.app, ctx.actor)
    rows = []
    for spec in page.file.specs:
        health = page.health.get(spec.id)
        state = health_of(spec, health)
        share = health.relevant_share if health else None
        rows.append({"spec": spec, "health": health, "state": state,
                     "state_label": ctx.gettext(HEALTH[state]),
                     "share": f"{share:.0%}" if share is not None else "—"})
    done = DONE.get(ctx.request.query_params.get("done", ""))
    invalid = ctx.gettext(INVALID, error=page.file.error) if page.file.error else ""
    return ctx.render("admin_sources.html", status_code=status_code, rows=rows,
                      digest=page.file.digest, invalid=invalid, alert=alert,
                      done=ctx.gettext(done) if done else "", path_shown=str(page.file.path))


@view("/admin/sources", access=Action.MANAGE_SOURCES, name="admin_sources")
def admin_sources(ctx: Ctx) -> Response:
    return sources_page(ctx)


def source_id_of(ctx: Ctx) -> str:
    value = str(ctx.request.path_params["source_id"])
    if len(value) > 64:
        raise HTTPException(404)
    return value


def form_page(ctx: Ctx, status_code: int = 200, *, values: dict[str, Any], new: bool,
              digest: str | None = None, errors: dict[str, str] | None = None,
              trial: SourceTrial | None = None, alert: str = "") -> Response:
    page = load_sources_page(ctx.app, ctx.actor)
    preview = None
    if trial is not None:
        preview = {"entries": trial.items, "count": trial.count, "warnings": trial.warnings,
                   "error": ctx.gettext(FETCH_FAILED, error=trial.error) if trial.error
                   else (ctx.gettext(NOTHING) if not trial.count else "")}
    return ctx.render("admin_source.html", status_code=status_code, values=values, new=new,
                      digest=digest or page.file.digest, errors=errors or {}, preview=preview,
                      alert=alert, invalid=page.file.error or "", **choices(ctx))


@view("/admin/sources/{source_id}", access=Action.MANAGE_SOURCES, name="admin_source")
def admin_source(ctx: Ctx) -> Response:
    source_id = source_id_of(ctx)
    page = load_sources_page(ctx.app, ctx.actor)
    spec = next((s for s in page.file.specs if s.id == source_id), None)
    if spec is None:
        raise HTTPException(404)
    return form_page(ctx, values=spec_values(spec), new=False, digest=page.file.digest)


def _refused(ctx: Ctx, exc: FormError | FileChanged, values: dict[str, Any], new: bool
             ) -> Response:
    if isinstance(exc, FileChanged):
        return form_page(ctx, 409, values=values, new=new, alert=ctx.gettext(CHANGED))
    if exc.code == "missing":
        raise HTTPException(404)
    field = exc.path if exc.path in FIELDS or exc.path == "themes" else "file"
    message = str(exc).split(": ", 1)[-1] if field != "file" else str(exc)
    return form_page(ctx, 400, values=values, new=new, digest=ctx.field("digest", 100),
                     errors={field: message})


@view("/admin/sources/{source_id}", access=Action.MANAGE_SOURCES, methods=("POST",),
      name="admin_source_save")
def admin_source_save(ctx: Ctx) -> Response:
    source_id = source_id_of(ctx)
    raw = {**read_form(ctx), "id": source_id}
    try:
        save_source(ctx.app, ctx.actor, source_id, form_values(raw), ctx.field("digest", 100))
    except (FormError, FileChanged) as exc:
        return _refused(ctx, exc, raw, new=False)
    return ctx.redirect("/admin/sources?done=saved")


@view("/admin/new-source", access=Action.MANAGE_SOURCES, name="admin_new_source")
def admin_new_source(ctx: Ctx) -> Response:
    return form_page(ctx, values={"kind": "feed", "lang": "en", "relevance": "check",
                                  "section": "press", "interval_minutes": "360",
                                  "enabled": True, "themes": []}, new=True)


@view("/admin/new-source/test", access=Action.MANAGE_SOURCES, methods=("POST",),
      name="admin_new_source_test")
def admin_new_source_test(ctx: Ctx) -> Response:
    raw = read_form(ctx)
    try:
        trial = try_source(ctx.app, ctx.actor, form_values(raw))
    except FormError as exc:
        return _refused(ctx, exc, raw, new=True)
    return form_page(ctx, values=raw, new=True, digest=ctx.field("digest", 100), trial=trial)


@view("/admin/new-source", access=Action.MANAGE_SOURCES, methods=("POST",),
      name="admin_new_source_save")
def admin_new_source_save(ctx: Ctx) -> Response:
    raw = read_form(ctx)
    try:
        save_new_source(ctx.app, ctx.actor, form_values(raw), ctx.field("digest", 100))
    except (FormError, FileChanged) as exc:
        return _refused(ctx, exc, raw, new=True)
    return ctx.redirect("/admin/sources?done=added")


def _switch(ctx: Ctx, done: str) -> Response:
    source_id = source_id_of(ctx)
    try:
        if done in ("enabled", "disabled"):
            set_enabled(ctx.app, ctx.actor, source_id, done == "enabled",
                        ctx.field("digest", 100))
        else:
            set_paused(ctx.app, ctx.actor, source_id, done == "paused")
    except FileChanged:
        return sources_page(ctx, 409, alert=ctx.gettext(CHANGED))
    except FormError as exc:
        if exc.code in ("missing", "id"):
            raise HTTPException(404) from None
        return sources_page(ctx, 400, alert=str(exc))
    return ctx.redirect(f"/admin/sources?done={done}")


@view("/admin/sources/{source_id}/enable", access=Action.MANAGE_SOURCES, methods=("POST",),
      name="admin_source_enable")
def admin_source_enable(ctx: Ctx) -> Response:
    return _switch(ctx, "enabled")


@view("/admin/sources/{source_id}/disable", access=Action.MANAGE_SOURCES, methods=("POST",),
      name="admin_source_disable")
def admin_source_disable(ctx: Ctx) -> Response:
    return _switch(ctx, "disabled")


@view("/admin/sources/{source_id}/pause", access=Action.MANAGE_SOURCES, methods=("POST",),
      name="admin_source_pause")
def admin_source_pause(ctx: Ctx) -> Response:
    return _switch(ctx, "paused")


@view("/admin/sources/{source_id}/resume", access=Action.MANAGE_SOURCES, methods=("POST",),
      name="admin_source_resume")
def admin_source_resume(ctx: Ctx) -> Response:
    return _switch(ctx, "resumed")


VIEWS = (admin_sources, admin_new_source, admin_new_source_test, admin_new_source_save,
         admin_source, admin_source_save, admin_source_enable, admin_source_disable,
         admin_source_pause, admin_source_resume)
