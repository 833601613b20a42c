"""Job: the administrator's sources page: every source with its health; enable, disable,
pause, resume, edit; add a source after a test fetch that shows what would be collected.

``sources.toml`` stays the source of truth (:mod:`pipeline.sources_file` writes it back with
its comments and order, checks it as the command line does, and refuses to overwrite a file
changed meanwhile). Pausing is the collect job's own state in the database (as after repeated
failures), not a key of the file. Every change is audited.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from pipeline.app import App
from pipeline.collect import ParseSandbox, collect_sources
from pipeline.config import parse_source
from pipeline.errors import ConfigError, FileChanged, FormError
from pipeline.jobs.collect import parse_limits
from pipeline.jobs.submissions import fetch_settings
from pipeline.permissions import Action, Actor, require
from pipeline.records import CollectedItem, FetchState, SourceSpec
from pipeline.sources_file import (
    SourcesFile,
    add_source,
    edit_sources_file,
    read_sources_file,
    set_source,
)
from pipeline.store.audit import record_audit
from pipeline.store.source_health import SourceHealth, load_source_health, set_source_paused
from pipeline.store.sources import sync_sources

DEFAULTS: dict[str, Any] = {"kind": "feed", "themes": [], "enabled": True,
                            "interval_minutes": 360, "follow_links": False,
                            "relevance": "check", "section": "press"}
"""Keys whose default is not written into a new source's table (the file stays short)."""
KEY_ORDER = ("id", "name", "url", "kind", "lang", "region", "country", "themes", "relevance",
             "section", "follow_links", "interval_minutes", "enabled")
PREVIEW_ITEMS = 20
_KEY_PATH = re.compile(r"sources\[(?:\d+|new)\]\.([a-z_]+)")


@dataclass(frozen=True, slots=True)
class SourcesPage:
    file: SourcesFile
    health: dict[str, SourceHealth]


def load_sources_page(app: App, actor: Actor) -> SourcesPage:
    require(actor, Action.MANAGE_SOURCES)
    sources_file = read_sources_file(app.settings.sources_path)
    with app.session(readonly=True) as db:
        health = load_source_health(db, now_at=datetime.now(UTC))
    return SourcesPage(sources_file, health)


def form_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """A source's keys as TOML values from a form's fields (lists for themes, booleans for
    check boxes, an integer interval when it reads as one): checked by :func:`check_values`."""
    values: dict[str, Any] = {}
    for key in ("id", "name", "url", "kind", "lang", "region", "country", "relevance",
                "section"):
        text = str(form.get(key) or "").strip()
        values[key] = text or None
    themes = form.get("themes") or []
    values["themes"] = [str(t) for t in themes] if isinstance(themes, list | tuple) else \
        [str(themes)]
    interval = str(form.get("interval_minutes") or "").strip()
    values["interval_minutes"] = int(interval) if interval.isdigit() else (interval or None)
    values["follow_links"] = bool(form.get("follow_links"))
    values["enabled"] = bool(form.get("enabled"))
    return values


def field_of(error: ConfigError) -> str:
    found = _KEY_PATH.search(error.path or str(error))
    return found.group(1) if found else (error.path or "file")


def check_values(values: Mapping[str, Any]) -> SourceSpec:
    """The source as the command line would read it, or :class:`FormError` on its field."""
    raw = {key: value for key, value in values.items() if value is not None}
    try:
        return parse_source(raw, "sources[new]")
    except ConfigError as exc:
        name = field_of(exc)
        raise FormError(str(exc), path=name, code=name) from None


def _written(values: Mapping[str, Any], existing: bool) -> dict[str, Any]:
    """What goes into the file: a new source leaves out keys at their default; an edited
    one sets every key (None removes one)."""
    ordered = {key: values.get(key) for key in KEY_ORDER}
    if existing:
        return {key: (None if value in (None, "", []) and key in ("region", "country")
                      else value)
                for key, value in ordered.items() if key != "id"}
    return {key: value for key, value in ordered.items()
            if value is not None and DEFAULTS.get(key, object()) != value}


def _write(app: App, actor: Actor, digest: str, change: Any, action: str, target: str,
           **details: Any) -> SourcesFile:
    try:
        written = edit_sources_file(app.settings.sources_path, digest, change)
    except (FormError, FileChanged):
        raise
    except ConfigError as exc:
        name = field_of(exc)
        raise FormError(str(exc), path=name, code=name if name != "file" else "file") from None
    with app.session() as db:
        sync_sources(db, written.specs)
        record_audit(db, actor.name, action, target, **details)
    return written


def save_new_source(app: App, actor: Actor, values: Mapping[str, Any], digest: str
                    ) -> SourcesFile:
    require(actor, Action.MANAGE_SOURCES)
    spec = check_values(values)
    return _write(app, actor, digest, add_source(_written(values, existing=False)),
                  "source.added", f"source:{spec.id}", url=spec.url, kind=spec.kind)


def save_source(app: App, actor: Actor, source_id: str, values: Mapping[str, Any],
                digest: str) -> SourcesFile:
    require(actor, Action.MANAGE_SOURCES)
    check_values({**values, "id": source_id})
    written = _written({**values, "id": source_id}, existing=True)
    return _write(app, actor, digest, set_source(source_id, written, DEFAULTS), "source.changed",
                  f"source:{source_id}", values={k: v for k, v in written.items()
                                                 if v is not None})


def set_enabled(app: App, actor: Actor, source_id: str, enabled: bool, digest: str
                ) -> SourcesFile:
    require(actor, Action.MANAGE_SOURCES)
    return _write(app, actor, digest, set_source(source_id, {"enabled": enabled}),
                  "source.enabled" if enabled else "source.disabled", f"source:{source_id}")


def set_paused(app: App, actor: Actor, source_id: str, paused: bool) -> None:
    """Pause (the collect job skips it until resumed) or resume a source."""
    require(actor, Action.MANAGE_SOURCES)
    specs = read_sources_file(app.settings.sources_path).specs
    with app.session() as db:
        if specs:
            sync_sources(db, specs)
        if not set_source_paused(db, source_id, paused):
            raise FormError("no such source", path="id", code="missing")
        record_audit(db, actor.name, "source.paused" if paused else "source.resumed",
                     f"source:{source_id}")


@dataclass(frozen=True, slots=True)
class SourceTrial:
    """What collecting the source now would bring (nothing is stored)."""

    spec: SourceSpec
    items: list[CollectedItem] = field(default_factory=list)
    count: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


def try_source(app: App, actor: Actor, values: Mapping[str, Any]) -> SourceTrial:
    """Fetch and read the source as the collect job would (same fetcher, same parse limits),
    without storing anything or following article pages."""
    require(actor, Action.MANAGE_SOURCES)
    spec = check_values(values)
    trial = replace(spec, follow_links=False)
    with ParseSandbox(parse_limits(app), workers=1) as sandbox:
        results = asyncio.run(collect_sources([trial], {trial.id: FetchState()},
                                              fetch_settings(app), sandbox=sandbox))
    result = results[0]
    return SourceTrial(spec, result.items[:PREVIEW_ITEMS], len(result.items),
                     list(result.warnings), result.error)


__all__ = ["SourceTrial", "SourcesPage", "check_values", "form_values", "load_sources_page",
           "save_new_source", "save_source", "set_enabled", "set_paused", "try_source"]
