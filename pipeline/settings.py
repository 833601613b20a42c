"""Settings: environment variables ``PIPELINE_*`` over an optional TOML settings file.

Precedence: environment > settings file (``PIPELINE_SETTINGS`` or ``./pipeline.toml``) > defaults.
Secrets (``secret_key``, ``smtp_url``) are read from the environment only and never printed:
``repr(settings)`` masks them.

:func:`load_settings` parses and validates every value once (types, numeric ranges, choices,
cron expressions, the translation pairs, files named by a setting); the stages get their
values from :class:`Settings` and keep no defaults of their own. A field's checks are its
metadata: ``range`` (inclusive bounds), ``choices``, ``each_of`` (for lists), ``cron``.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import ConfigError
from pipeline.resources import GLOSSARY_PATH

if TYPE_CHECKING:
    from apscheduler.triggers.cron import CronTrigger

SECRET_FIELDS = frozenset({"secret_key", "smtp_url"})
DEFAULT_JOB_TIME_LIMITS: dict[str, int] = {
    "collect": 1800, "process": 3600, "press-review": 1800, "newsletter": 1800,
    "send": 6 * 3600, "bounces": 900, "purge": 1800, "backup": 3600, "notify": 600,
    "submissions": 1800, "digest": 900}
"""Seconds each scheduled job may run before it is stopped and recorded failed."""
SCHEDULE_OFF = "off"
"""A schedule set to this never fires its job."""


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
    """The From of every message (a display name and an address on the domain that signs)."""
    bounce_address: str = ""
    """Envelope sender; each message gets its own VERP form ``local+ID-SIG@domain``. Default:
    ``bounces@`` the From domain (same domain: SPF aligned with the From)."""
    unsubscribe_mailto: str = ""
    """The mailto of List-Unsubscribe (default ``unsubscribe@`` the From domain); such mails
    are read by ``pipeline bounces process``."""
    bounce_mailbox: Path = Path("")
    """Where bounces, complaints and unsubscribe mails arrive (a Maildir, a folder of .eml
    files or an mbox): the scheduled bounces job reads it every time (each report is kept once,
    by its digest, so reading a message again changes nothing). Empty: nothing to read."""
    dkim_key_path: Path = Path("")
    """PEM RSA private key signing every message (DKIM); empty: no signature."""
    dkim_selector: str = "pipeline"
    dkim_domain: str = ""
    """``d=`` of the signature; default: the From domain (aligned for DMARC)."""
    smtp_connections: int = field(default=3, metadata={"range": (1, 32)})
    """SMTP connections one sender keeps open at once."""
    smtp_timeout: int = field(default=60, metadata={"range": (1, 3600)})
    send_rate: int = field(default=0, metadata={"range": (0, 100_000)})
    """Messages per second one sender hands to the relay at most (0: no limit)."""
    send_retry_seconds: int = field(default=300, metadata={"range": (0, 86_400)})
    """Wait before retrying a 4xx answer or a lost connection; doubled at each attempt."""
    send_max_attempts: int = field(default=5, metadata={"range": (1, 50)})
    """Attempts per message before it is recorded as failed."""
    translation_engines: tuple[str, ...] = ("argos", "apertium")
    """Engines in the order they are tried for every language pair."""
    translation_pairs: str = ""
    """Per-pair orders overriding the above, e.g. ``fr-en=apertium; en-es=argos,apertium``."""
    glossary_path: Path = GLOSSARY_PATH
    """The team's glossary: the one the package ships unless a setting names another (which
    must exist)."""
    timezone: str = field(default="Europe/Paris", metadata={"timezone": True})
    """The team's time zone: the schedules below are read in it (the Press Review on Monday
    at 06:00 in Paris, summer time or not)."""
    collect_schedule: str = field(default="*/5 * * * *", metadata={"cron": True})
    """When to look for due sources (each source is fetched at its own interval and
    back-off). Every schedule is a cron expression (five fields, or six with seconds first)
    or ``off``."""
    process_schedule: str = field(default="*/10 * * * *", metadata={"cron": True})
    press_review_schedule: str = field(default="0 6 * * mon", metadata={"cron": True})
    """Drafts the Press Review of the days since the previous firing (one draft a period)."""
    newsletter_schedule: str = field(default="0 6 1 * *", metadata={"cron": True})
    send_schedule: str = field(default="* * * * *", metadata={"cron": True})
    """Hands approved editions whose planned time has come to the sender."""
    bounces_schedule: str = field(default="*/15 * * * *", metadata={"cron": True})
    purge_schedule: str = field(default="30 3 * * *", metadata={"cron": True})
    backup_schedule: str = field(default="0 2 * * *", metadata={"cron": True})
    notify_schedule: str = field(default="*/15 * * * *", metadata={"cron": True})
    submissions_schedule: str = field(default="*/10 * * * *", metadata={"cron": True})
    """Catching up on the ambassadors' submissions (the web app processes each on arrival)."""
    digest_schedule: str = field(default="0 16 * * fri", metadata={"cron": True})
    """Each ambassador's weekly digest."""
    """Looks for what the team must be told (failing sources and jobs, finished or stopped
    sends) and sends the notifications still waiting."""
    job_time_limits: str = field(default="", metadata={"job_limits": True})
    """Per-job time limits in seconds over :data:`DEFAULT_JOB_TIME_LIMITS`, e.g.
    ``process=7200; backup=600``: a job still running then is stopped and recorded failed."""
    schedule_misfire_grace: int = field(default=300, metadata={"range": (1, 86_400)})
    """Seconds a firing may come late (a busy or suspended host) and still run; a later one
    is caught up once by the scheduler's own check."""
    schedule_retry_minutes: int = field(default=30, metadata={"range": (1, 10_080)})
    """A job whose latest firing failed is fired again after this, until it succeeds or its
    next firing comes."""
    scheduler_lease_seconds: int = field(default=30, metadata={"range": (3, 3600)})
    """How long the active scheduler's lease lasts without renewal: a standby takes over
    that long after the active one died."""
    worker_poll_seconds: int = field(default=10, metadata={"range": (1, 3600)})
    """How long ``pipeline worker`` waits when it found nothing to do."""
    worker_batch_size: int = field(default=25, metadata={"range": (1, 10_000)})
    """Sources a worker claims (and collects) at a time."""
    backup_dir: Path = Path("")
    """Where the daily backup goes; ``<var_dir>/backups`` by default."""
    backup_keep: int = field(default=14, metadata={"range": (1, 10_000)})
    """Scheduled backups kept (the oldest are removed)."""
    retention_runs_days: int = field(default=90, metadata={"range": (1, 36_500)})
    """Finished job runs older than this are purged (the newest of each job is kept)."""
    retention_items_days: int = field(default=365, metadata={"range": (0, 36_500)})
    """Items found not relevant and in no edition are purged after this many days (0: kept
    for ever)."""
    notify_source_failing_hours: int = field(default=24, metadata={"range": (1, 8760)})
    """A source failing for this long is reported to the administrators."""
    notify_job_failures: int = field(default=3, metadata={"range": (1, 1000)})
    """A job failing this many times in a row is reported to the administrators."""
    monitoring_networks: tuple[str, ...] = field(default=(), metadata={"networks": True})
    """Networks (CIDR, e.g. ``127.0.0.1/32, 10.0.0.0/8``) whose clients may read
    ``/healthz`` and ``/metrics`` without signing in; nobody by default."""
    fetch_concurrency: int = field(default=50, metadata={"range": (1, 1000)})
    """Requests on the wire at once, all hosts together; each host still gets one at a time."""
    process_batch_size: int = field(default=100, metadata={"range": (1, 10_000)})
    """Items ``pipeline process`` claims (and stores) at a time."""
    allow_private_addresses: bool = False
    """Only for tests and the offline demo, which serve feeds from 127.0.0.1: adds loopback to
    the public addresses that may be fetched."""
    loopback_only: bool = False
    """Fetch from loopback only, never anything else (no DNS look-up either): tests and the
    demo, whose feeds link to real sites that must not be reached (robots.txt included)."""
    parse_time_limit: int = field(default=20, metadata={"range": (1, 3600)})
    """Seconds one document (a feed, an article page) may take to parse; over it the document
    is refused and its source fails alone."""
    parse_memory_limit_mb: int = field(default=256, metadata={"range": (0, 1_000_000)})
    """Memory one document may take to parse, in MB (0: no limit)."""
    log_format: str = field(default="logfmt", metadata={"choices": ("logfmt", "json")})
    section_order: tuple[str, ...] = field(default=(
        "initiative", "soil-carbon", "practices", "policy", "finance", "science",
        "food-security", "land-restoration", "other"), metadata={"each_of": lambda: section_ids()})
    """Order of the Press Review's sections: theme ids and ``other`` (relevant items with no
    theme); the Initiative's own news first by default."""
    data_dir: Path = Path("")
    """Where the team's edits of the taxonomy and the glossary are kept (``taxonomy.toml``,
    ``glossary.toml``); ``<var_dir>/data`` by default. The first save from the web app copies
    the bundled file there; from then on the pipeline reads the copy (pipeline.teamfiles)."""
    submissions_in_web: bool = True
    """The web app collects, classifies and translates an ambassador's submission as soon as
    it is received (in a background thread); off: ``pipeline submissions process`` (or the
    scheduler) does, and the web host makes no outbound request."""
    submissions_per_hour: int = field(default=30, metadata={"range": (1, 10_000)})
    """Submissions one account may make in an hour; more are refused (nothing is stored)."""
    invitation_days: int = field(default=7, metadata={"range": (1, 90)})
    """How long an invitation link stays valid (a password reset link: one day)."""

    @property
    def pair_engines(self) -> dict[tuple[str, str], tuple[str, ...]]:
        """``translation_pairs`` parsed (validated by :func:`load_settings`)."""
        return parse_pair_engines(self.translation_pairs)

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir if str(self.data_dir) not in ("", ".") else self.var_dir / "data"

    @property
    def resolved_backup_dir(self) -> Path:
        return self.backup_dir if str(self.backup_dir) not in ("", ".") else \
            self.var_dir / "backups"

    @property
    def time_limits(self) -> dict[str, int]:
        """Seconds each scheduled job may run (``job_time_limits`` over the defaults)."""
        return {**DEFAULT_JOB_TIME_LIMITS, **parse_job_limits(self.job_time_limits)}

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


def section_ids() -> tuple[str, ...]:
    """What ``section_order`` may name: theme ids and ``other``."""
    from pipeline.records import THEMES

    return (*THEMES, "other")


def check_engine_names(names: Sequence[str], where: str) -> None:
    from pipeline.records import ENGINE_NAMES

    unknown = [name for name in names if name not in ENGINE_NAMES]
    if unknown:
        raise ConfigError(f"unknown translation engine {unknown[0]!r}; expected "
                          f"{' or '.join(ENGINE_NAMES)}", path=where)


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
    settings = replace(defaults, **values)
    check_settings(settings, defaults, origins={name: _origin(name, env, path)
                                                for name in values})
    return settings


def _origin(name: str, env: Mapping[str, str], path: Path) -> str:
    """Where a value came from, as a user would name it in a fix."""
    env_name = "PIPELINE_SOURCES" if name == "sources_path" and "PIPELINE_SOURCES" in env \
        else f"PIPELINE_{name.upper()}"
    return env_name if env_name in env else f"{path}: {name}"


def check_settings(settings: Settings, defaults: Settings, *, origins: Mapping[str, str]
                   ) -> None:
    """Check every value given (the defaults are known to be valid: a test checks them, and
    checking a default cron expression would cost every command the scheduler's import)."""
    for f in fields(settings):
        if f.name not in origins:
            continue
        value, where = getattr(settings, f.name), origins[f.name]
        bounds = f.metadata.get("range")
        if bounds and not bounds[0] <= value <= bounds[1]:
            raise ConfigError(f"expected a number from {bounds[0]} to {bounds[1]}, got {value}",
                              path=where)
        choices = f.metadata.get("choices")
        if choices and value not in choices:
            raise ConfigError(f"expected one of {', '.join(choices)}, got {value!r}", path=where)
        each_of: tuple[str, ...] = f.metadata["each_of"]() if "each_of" in f.metadata else ()
        unknown = [v for v in value if v not in each_of] if "each_of" in f.metadata else []
        if unknown:
            raise ConfigError(f"expected names among {', '.join(each_of)}, got {unknown[0]!r}",
                              path=where)
        if f.metadata.get("cron") and value.strip().lower() != SCHEDULE_OFF:
            parse_cron(value, where, settings.timezone)
        if f.metadata.get("timezone"):
            check_timezone(value, where)
        if f.metadata.get("job_limits"):
            try:
                parse_job_limits(value)
            except ConfigError as exc:
                raise ConfigError(str(exc), path=where) from None
        if f.metadata.get("networks"):
            parse_networks(value, where)
    if "translation_pairs" in origins:
        try:
            pairs = parse_pair_engines(settings.translation_pairs)
        except ConfigError as exc:
            raise ConfigError(str(exc), path=origins["translation_pairs"]) from None
        check_engine_names([n for names in pairs.values() for n in names],
                           origins["translation_pairs"])
    if "translation_engines" in origins:
        check_engine_names(settings.translation_engines, origins["translation_engines"])
    if "glossary_path" in origins and not settings.glossary_path.is_file():
        raise ConfigError(f"glossary file not found: {settings.glossary_path}",
                          path=origins["glossary_path"])
    if "base_url" in origins and (not settings.base_url.startswith(("http://", "https://"))
                                  or any(c.isspace() or not c.isprintable()
                                         for c in settings.base_url)):
        raise ConfigError(f"expected an http(s) address, got {settings.base_url!r}",
                          path=origins["base_url"])
    for name in ("mail_from", "bounce_address", "unsubscribe_mailto"):
        if name in origins and getattr(settings, name):
            check_mailbox(getattr(settings, name), origins[name],
                          display_name=name == "mail_from")
    for name in ("dkim_selector", "dkim_domain"):
        value = getattr(settings, name)
        if name in origins and value and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,252}",
                                                          value):
            raise ConfigError(f"expected a DNS label or name, got {value!r}",
                              path=origins[name])
    if "dkim_key_path" in origins and str(settings.dkim_key_path) not in ("", ".") \
            and not settings.dkim_key_path.is_file():
        raise ConfigError(f"DKIM key file not found: {settings.dkim_key_path}",
                          path=origins["dkim_key_path"])


def check_mailbox(value: str, where: str, *, display_name: bool) -> None:
    """One mailbox (``Name <local@domain>`` when ``display_name``, else a bare address),
    without line breaks or control characters: it goes into every message's headers."""
    from email import policy

    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ConfigError("control characters or line breaks are not allowed", path=where)
    try:
        header = policy.SMTP.header_factory("From", value)
        addresses = header.addresses
    except (ValueError, IndexError, AttributeError):
        addresses = ()
    one = addresses[0] if len(addresses) == 1 else None
    if (one is None or header.defects or not one.username
            or "." not in one.domain or (one.display_name and not display_name)):
        raise ConfigError(f"expected {'Name <address>' if display_name else 'an address'}, "
                          f"got {value!r}", path=where)


def parse_cron(expression: str, where: str, timezone: str = "UTC") -> CronTrigger:
    """A cron expression as the scheduler's trigger in ``timezone``: five fields (minute hour
    day month day-of-week), or six with seconds first (as Quartz and Spring write it: fast
    schedules for the demo and tests). ``where`` names the setting in the error."""
    from apscheduler.triggers.cron import CronTrigger

    parts = expression.split()
    if len(parts) not in (5, 6):
        raise ConfigError(f"not a cron expression (expected 5 fields, or 6 with seconds "
                          f"first, got {len(parts)}): {expression!r}", path=where)
    second = parts.pop(0) if len(parts) == 6 else "0"
    minute, hour, day, month, day_of_week = parts
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=day_of_week, timezone=timezone)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"not a cron expression ({exc}): {expression!r}", path=where) from None


def check_timezone(name: str, where: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"not a time zone (expected a name like Europe/Paris), got {name!r}",
                          path=where) from None


def parse_job_limits(value: str) -> dict[str, int]:
    """``process=7200; backup=600`` → {"process": 7200, "backup": 600} (known jobs, seconds
    from 1 to a week)."""
    limits: dict[str, int] = {}
    for part in (p.strip() for p in value.replace(",", ";").split(";")):
        if not part:
            continue
        name, sep, seconds = (x.strip() for x in part.partition("="))
        if name not in DEFAULT_JOB_TIME_LIMITS or not sep or not seconds.isdigit() \
                or not 1 <= int(seconds) <= 7 * 86_400:
            raise ConfigError(f"expected JOB=SECONDS; … with jobs among "
                              f"{', '.join(DEFAULT_JOB_TIME_LIMITS)}, got {part!r}")
        limits[name] = int(seconds)
    return limits


def parse_networks(value: tuple[str, ...], where: str) -> list[Any]:
    import ipaddress

    networks = []
    for text in value:
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ConfigError(f"not a network (expected an address or CIDR like "
                              f"10.0.0.0/8), got {text!r}", path=where) from None
    return networks
