"""Settings: environment variables ``PIPELINE_*`` over an optional TOML settings file.

Precedence: environment > settings file (``PIPELINE_SETTINGS`` or ``./pipeline.toml``) > defaults.
Secrets (``secret_key``, ``smtp_url``) are read from the environment only and never printed:
``repr(settings)`` masks them.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError

SECRET_FIELDS = frozenset({"secret_key", "smtp_url"})
PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The repository (the package is installed in editable mode, beside templates/ and
translations/)."""


@dataclass(frozen=True)
class Settings:
    var_dir: Path = Path("var")
    database_url: str = ""
    """Defaults to an SQLite file ``<var_dir>/pipeline.sqlite3``."""
    sources_path: Path = Path("sources.toml")
    archive_dir: Path = Path("archive")
    events_path: Path = Path("events.toml")
    """The agenda the team edits (see events.toml)."""
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str = field(default="", repr=False)
    secret_key: str = field(default="", repr=False)
    mail_from: str = "« 4 per 1000 » <newsletter@4p1000.org>"
    translation_engines: tuple[str, ...] = ("argos", "apertium")
    """Engines in the order they are tried for every language pair."""
    translation_pairs: str = ""
    """Per-pair orders overriding the above, e.g. ``fr-en=apertium; en-es=argos,apertium``."""
    glossary_path: Path = PROJECT_ROOT / "translations" / "glossary.toml"
    """The team's glossary; the project's own file unless a setting names another."""
    collect_schedule: str = "*/30 * * * *"
    process_schedule: str = "5,35 * * * *"
    press_review_schedule: str = "0 6 * * mon"
    newsletter_schedule: str = "0 6 1 * *"
    fetch_concurrency: int = 50
    """Requests on the wire at once, all hosts together; each host still gets one at a time."""
    allow_private_addresses: bool = False
    """Only for tests and the offline demo, which serve feeds from 127.0.0.1: adds loopback to
    the public addresses that may be fetched."""
    loopback_only: bool = False
    """Fetch from loopback only, never anything else (no DNS look-up either): tests and the
    demo, whose feeds link to real sites that must not be reached (robots.txt included)."""
    parse_time_limit: int = 20
    """Seconds one document (a feed, an article page) may take to parse; over it the document
    is refused and its source fails alone."""
    parse_memory_limit_mb: int = 256
    """Memory one document may take to parse, in MB (0: no limit)."""
    log_format: str = "logfmt"
    section_order: tuple[str, ...] = (
        "initiative", "soil-carbon", "practices", "policy", "finance", "science",
        "food-security", "land-restoration", "other")
    """Order of the Press Review's sections: theme ids and ``other`` (relevant items with no
    theme); the Initiative's own news first by default."""

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'pipeline.sqlite3'}"

    def __repr__(self) -> str:
        shown = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in SECRET_FIELDS:
                value = "***" if value else ""
            shown.append(f"{f.name}={value!r}")
        return f"Settings({', '.join(shown)})"


_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


def _coerce(name: str, raw: Any, template: Any, origin: str) -> Any:
    """Turn a raw value (str from the environment, or TOML value) into the field's type."""
    where = f"{origin}{name}"
    if isinstance(template, bool):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in _BOOL_TRUE:
            return True
        if text in _BOOL_FALSE:
            return False
        raise ConfigError(f"expected true or false, got {raw!r}", path=where)
    if isinstance(template, int):
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise ConfigError(f"expected an integer, got {raw!r}", path=where) from None
    if isinstance(template, Path):
        if not isinstance(raw, str):
            raise ConfigError(f"expected a path, got {raw!r}", path=where)
        return Path(raw)
    if isinstance(template, tuple):
        if isinstance(raw, str):
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if isinstance(raw, list) and all(isinstance(p, str) for p in raw):
            return tuple(raw)
        raise ConfigError(f"expected a list of names, got {raw!r}", path=where)
    if not isinstance(raw, str):
        raise ConfigError(f"expected a string, got {raw!r}", path=where)
    return raw


def parse_pair_engines(value: str) -> dict[tuple[str, str], tuple[str, ...]]:
    """``fr-en=apertium; en-es=argos,apertium`` → {("fr", "en"): ("apertium",), …}."""
    pairs: dict[tuple[str, str], tuple[str, ...]] = {}
    for index, part in enumerate(p for p in value.split(";") if p.strip()):
        pair, sep, engines = part.partition("=")
        source, dash, target = pair.strip().partition("-")
        names = tuple(n.strip() for n in engines.split(",") if n.strip())
        if not sep or not dash or not source or not target or not names:
            raise ConfigError(f"expected SRC-TGT=engine[,engine…], got {part.strip()!r}",
                              path=f"translation_pairs[{index}]")
        pairs[source, target] = names
    return pairs


def load_settings(
    environ: Mapping[str, str] | None = None, *, settings_file: Path | None = None
) -> Settings:
    """Read settings from the environment and an optional settings file."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    values: dict[str, Any] = {}
    known = {f.name: getattr(defaults, f.name) for f in fields(defaults)}

    path = settings_file or Path(env.get("PIPELINE_SETTINGS", "pipeline.toml"))
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
        for key, raw in data.items():
            if key not in known:
                raise ConfigError(f"unknown setting (known: {', '.join(sorted(known))})",
                                  path=key, file=str(path))
            if key in SECRET_FIELDS:
                raise ConfigError(
                    f"secrets are read from the environment only: set PIPELINE_{key.upper()}",
                    path=key, file=str(path))
            values[key] = _coerce(key, raw, known[key], "")
    elif "PIPELINE_SETTINGS" in env:
        raise ConfigError("settings file not found", file=str(path))

    for name, template in known.items():
        env_name = f"PIPELINE_{name.upper()}"
        if env_name in env:
            values[name] = _coerce(name, env[env_name], template, "env ")
    if "PIPELINE_SOURCES" in env:
        values["sources_path"] = Path(env["PIPELINE_SOURCES"])
    return replace(defaults, **values)
