"""Export agenda events as an iCalendar file (RFC 5545), written by hand: escaping and folding."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from pipeline.render.model import EventLike, PlanLike
from pipeline.render.safety import check_url
from pipeline.render.views import pick_text

PRODID = "-//4 per 1000 Initiative//soil-press-pipeline//EN"
UID_DOMAIN = "4p1000.pipeline"


def escape_text(value: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks (RFC 5545 §3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch == "\n" or ch == "\t" or ord(ch) >= 0x20)
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def fold_line(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character (§3.1)."""
    parts: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with one space
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def export_agenda(events: Iterable[EventLike], *, lang: str, stamp_at: datetime) -> str:
    """An iCalendar document of the events in ``lang`` (text falls back to another language).

    ``stamp_at`` (DTSTAMP) is passed in rather than read from the clock so the output is
    reproducible; use the edition's period end or its approval time.
    """
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH"]
    for event in sorted(events, key=lambda e: (e.starts_at, e.event_id)):
        text, _ = pick_text(event.texts, lang, lang)
        lines += ["BEGIN:VEVENT", f"UID:{escape_text(event.event_id)}@{UID_DOMAIN}",
                  f"DTSTAMP:{_stamp(stamp_at)}", f"DTSTART:{_stamp(event.starts_at)}"]
        if event.ends_at is not None:
            lines.append(f"DTEND:{_stamp(event.ends_at)}")
        lines.append(f"SUMMARY;LANGUAGE={lang}:{escape_text(text.title.strip())}")
        if text.summary.strip():
            lines.append(f"DESCRIPTION;LANGUAGE={lang}:{escape_text(text.summary.strip())}")
        if event.place:
            lines.append(f"LOCATION:{escape_text(event.place)}")
        url = check_url(event.url)
        if url and url.lower().startswith(("http://", "https://")):
            lines.append(f"URL:{url}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def write_agenda(plan: PlanLike, out_dir: Path, languages: Sequence[str]) -> list[Path]:
    """Write ``DIR/<lang>.ics`` for every language when the plan has an agenda; returns the
    files written (none when the edition has no events)."""
    events = [event for section in plan.sections for event in section.events]
    if not events:
        return []
    written = []
    for lang in languages:
        target = out_dir / f"{lang}.ics"
        target.write_text(export_agenda(events, lang=lang, stamp_at=plan.period_end_at),
                          encoding="utf-8", newline="")
        written.append(target)
    return written
