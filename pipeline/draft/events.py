"""The events list the team edits (TOML), read into agenda :class:`Event` records.

Example::

    [[events]]
    id = "world-soil-day-2026"
    starts_at = 2026-12-05T09:00:00Z
    ends_at = 2026-12-05T18:00:00Z        # optional
    place = "Rome, Italy"                  # optional
    url = "https://www.fao.org/world-soil-day/en/"
    title = { fr = "Journée mondiale des sols", en = "World Soil Day", es = "Día del Suelo" }
    description = { en = "FAO and its partners celebrate soils." }   # optional

A language without a title is left out of ``texts``: rendering then names the event as missing
that translation. Errors raise :class:`ConfigError` naming the key path (``events[2].starts_at``).
"""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time
from typing import Any

from pipeline.draft.plan import Event, LocalText
from pipeline.errors import ConfigError
from pipeline.records import LANGUAGES
from pipeline.states import TextState


def _moment(value: Any, path: str, file: str | None) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ConfigError("needs a time zone (e.g. 2026-12-05T09:00:00Z)", path=path,
                              file=file)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0, 0), tzinfo=UTC)
    raise ConfigError(f"expected a date or date-time, got {value!r}", path=path, file=file)


def _texts(raw: Any, path: str, file: str | None) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise ConfigError("expected a table of language = text", path=path, file=file)
    unknown = sorted(set(raw) - set(LANGUAGES))
    if unknown:
        raise ConfigError(f"unknown language {unknown[0]!r}", path=f"{path}.{unknown[0]}",
                          file=file)
    return {lang: raw[lang].strip() for lang in LANGUAGES if raw.get(lang, "").strip()}


def parse_events(document: str, *, file: str | None = None) -> tuple[Event, ...]:
    """Read an events list; events come back sorted by start time then id."""
    try:
        data = tomllib.loads(document)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML: {error}", file=file) from error
    raw_events = data.get("events", [])
    if not isinstance(raw_events, list):
        raise ConfigError("expected an array of tables [[events]]", path="events", file=file)
    events: list[Event] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_events):
        path = f"events[{index}]"
        event_id = raw.get("id")
        if not isinstance(event_id, str) or not event_id.strip():
            raise ConfigError("missing id", path=f"{path}.id", file=file)
        if event_id in seen:
            raise ConfigError(f"duplicate id {event_id!r}", path=f"{path}.id", file=file)
        seen.add(event_id)
        if "starts_at" not in raw:
            raise ConfigError("missing starts_at", path=f"{path}.starts_at", file=file)
        starts_at = _moment(raw["starts_at"], f"{path}.starts_at", file)
        ends_at = (_moment(raw["ends_at"], f"{path}.ends_at", file)
                   if "ends_at" in raw else None)
        if ends_at is not None and ends_at < starts_at:
            raise ConfigError("ends before it starts", path=f"{path}.ends_at", file=file)
        titles = _texts(raw.get("title"), f"{path}.title", file)
        if not titles:
            raise ConfigError("needs a title in at least one language", path=f"{path}.title",
                              file=file)
        descriptions = _texts(raw.get("description"), f"{path}.description", file)
        texts = {lang: LocalText(title, descriptions.get(lang, ""),
                                    TextState.REVIEWED)
                 for lang, title in titles.items()}
        events.append(Event(event_id, texts, starts_at, ends_at, str(raw.get("place", "")),
                            str(raw.get("url", ""))))
    return tuple(sorted(events, key=lambda e: (e.starts_at, e.event_id)))
