"""``sources.toml``: a declarative schema, validated before anything is written.

Every error names the key path and what was expected, e.g.
``sources.toml: sources[3].lang: expected one of fr, en, es, pt, de, it, got 'xx'``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import ConfigError
from pipeline.records import REGIONS, THEMES, SourceSpec

SOURCE_LANGUAGES: tuple[str, ...] = ("fr", "en", "es", "pt", "de", "it")
"""Languages a source may publish in; items in any of them are translated to FR, EN and ES."""

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class _Field:
    check: Callable[[Any, str], Any]
    required: bool = False
    default: Any = None


MAX_TEXT = 300
MAX_SOURCES_FILE_BYTES = 5 * 1024 * 1024
"""A sources file larger than this is refused before it is read (10,000 sources take about 2 MB)."""
MAX_SOURCES = 10_000


def _expect_str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"expected a non-empty string, got {value!r}", path=path)
    if len(value.strip()) > MAX_TEXT or any(c in value for c in "\r\n\x00"):
        raise ConfigError(f"expected one line of at most {MAX_TEXT} characters", path=path)
    return value.strip()


def _expect_id(value: Any, path: str) -> str:
    text = _expect_str(value, path)
    if not _ID_RE.match(text):
        raise ConfigError(
            f"expected lowercase letters, digits and '-' (at most 63), got {value!r}", path=path)
    return text


def _expect_url(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 2000:
        raise ConfigError(f"expected an http(s) URL of at most 2000 characters, got {value!r}",
                          path=path)
    text = value.strip()
    try:
        parts = urlsplit(text)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise ConfigError(f"expected an http(s) URL, got {value!r}", path=path) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ConfigError(f"expected an http(s) URL, got {value!r}", path=path)
    if parts.username or parts.password:
        raise ConfigError("credentials in a URL are not allowed", path=path)
    return text


def _one_of(choices: tuple[str, ...]) -> Callable[[Any, str], str]:
    def check(value: Any, path: str) -> str:
        if value not in choices:
            raise ConfigError(f"expected one of {', '.join(choices)}, got {value!r}", path=path)
        return str(value)
    return check


def _list_of(choices: tuple[str, ...]) -> Callable[[Any, str], tuple[str, ...]]:
    def check(value: Any, path: str) -> tuple[str, ...]:
        if not isinstance(value, list):
            raise ConfigError(f"expected a list, got {value!r}", path=path)
        return tuple(_one_of(choices)(v, f"{path}[{i}]") for i, v in enumerate(value))
    return check


def _expect_country(value: Any, path: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z]{2}", value):
        raise ConfigError(f"expected an ISO 3166 country code like 'ES', got {value!r}", path=path)
    return value


def _expect_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"expected true or false, got {value!r}", path=path)
    return value


def _expect_interval(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 10080:
        raise ConfigError(f"expected minutes between 5 and 10080, got {value!r}", path=path)
    return value


_SOURCE_SCHEMA: Mapping[str, _Field] = {
    "id": _Field(_expect_id, required=True),
    "name": _Field(_expect_str, required=True),
    "url": _Field(_expect_url, required=True),
    "kind": _Field(_one_of(("feed", "page")), default="feed"),
    "lang": _Field(_one_of(SOURCE_LANGUAGES), required=True),
    "region": _Field(_one_of(REGIONS)),
    "country": _Field(_expect_country),
    "themes": _Field(_list_of(THEMES), default=()),
    "enabled": _Field(_expect_bool, default=True),
    "interval_minutes": _Field(_expect_interval, default=360),
    "follow_links": _Field(_expect_bool, default=False),
    "relevance": _Field(_one_of(("always", "check")), default="check"),
    "section": _Field(_one_of(("press", "partner", "initiative")), default="press"),
}


def parse_source(raw: Any, path: str) -> SourceSpec:
    """Validate one ``[[sources]]`` table."""
    if not isinstance(raw, dict):
        raise ConfigError(f"expected a table, got {raw!r}", path=path)
    for key in raw:
        if key not in _SOURCE_SCHEMA:
            raise ConfigError(
                f"unknown key (expected one of {', '.join(_SOURCE_SCHEMA)})", path=f"{path}.{key}")
    values: dict[str, Any] = {}
    for key, spec in _SOURCE_SCHEMA.items():
        if key in raw:
            values[key] = spec.check(raw[key], f"{path}.{key}")
        elif spec.required:
            raise ConfigError("missing required key", path=f"{path}.{key}")
        else:
            values[key] = spec.default
    return SourceSpec(**values)


def parse_sources(data: Mapping[str, Any]) -> list[SourceSpec]:
    """Validate the whole document: known top-level keys, each source, unique ids and URLs."""
    for key in data:
        if key != "sources":
            raise ConfigError("unknown key (expected 'sources')", path=key)
    raw_sources = data.get("sources", [])
    if not isinstance(raw_sources, list):
        raise ConfigError("expected an array of tables ([[sources]])", path="sources")
    if len(raw_sources) > MAX_SOURCES:
        raise ConfigError(f"{len(raw_sources)} sources: at most {MAX_SOURCES} are allowed",
                          path="sources")
    specs: list[SourceSpec] = []
    seen_ids: dict[str, int] = {}
    seen_urls: dict[str, int] = {}
    for index, raw in enumerate(raw_sources):
        spec = parse_source(raw, f"sources[{index}]")
        if spec.id in seen_ids:
            raise ConfigError(f"duplicate id {spec.id!r} (first at sources[{seen_ids[spec.id]}])",
                              path=f"sources[{index}].id")
        if spec.url in seen_urls:
            raise ConfigError(f"duplicate url (first at sources[{seen_urls[spec.url]}])",
                              path=f"sources[{index}].url")
        seen_ids[spec.id] = index
        seen_urls[spec.url] = index
        specs.append(spec)
    return specs


def load_sources(path: Path) -> list[SourceSpec]:
    """Read and validate a sources file; raises :class:`ConfigError` naming file and key path."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_SOURCES_FILE_BYTES + 1)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(path)) from None
    if len(raw) > MAX_SOURCES_FILE_BYTES:
        raise ConfigError(f"file larger than {MAX_SOURCES_FILE_BYTES // (1024 * 1024)} MB: "
                          f"refused (at most {MAX_SOURCES} sources)", file=str(path))
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    except RecursionError:
        raise ConfigError("not valid here: arrays or tables nested too deeply",
                          file=str(path)) from None
    try:
        return parse_sources(data)
    except ConfigError as exc:
        raise ConfigError(str(exc), file=str(path), path=None) from None
