"""Turning untrusted text and HTML into safe plain text, and dates into sane aware UTC."""

from __future__ import annotations

import html
import re
import time
from datetime import UTC, datetime, timedelta

import nh3

MAX_TITLE_CHARS = 500
MAX_SUMMARY_CHARS = 5_000
MAX_BODY_CHARS = 200_000
MAX_AUTHOR_CHARS = 200
MAX_URL_CHARS = 2_000
EARLIEST_YEAR = 1990
"""Dates before this are placeholders (1970 epoch zeros and the like): dropped."""
FUTURE_SLACK = timedelta(days=366)
"""Dates further in the future than this are nonsense (year 9999): dropped; nearer ones clamped."""

# C0 controls except tab/newline/return, DEL..C1 controls, surrogates, non-characters
_INVALID_CHARS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ZERO_WIDTH = "\u180e\u200b-\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{_BIDI_CONTROLS}{_ZERO_WIDTH}]")
"""Bidi controls (which can reverse how a line reads: "Trojan Source") and zero-width
characters (which hide text or split words a reader sees whole)."""
_BLOCK_TAGS = re.compile(
    r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr|/blockquote|/pre|/table|/ul|/ol)\b[^>]*>", re.I
)
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_SPACE_RUN = re.compile(r"[\t\f\v\u00a0]|  ")
"""Where :data:`_SPACES` would change anything (one plain space stays as it is)."""
_ESCAPED = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});|<[A-Za-z/!]")
"""An entity or a tag left in text that was already unescaped once: the feed escaped twice."""
MAX_UNESCAPE_ROUNDS = 3


def strip_invalid_chars(text: str) -> str:
    """Remove NULs, control characters, lone surrogates and non-characters."""
    return _INVALID_CHARS.sub("", text)


def strip_invisible_chars(text: str) -> str:
    """Remove bidi controls and zero-width characters (titles, names, subjects)."""
    return _INVISIBLE.sub("", text)


def flag_invisible_chars(*texts: str) -> tuple[str, ...]:
    """A warning when a body or summary holds bidi controls or zero-width characters: they are
    kept there (they may be legitimate in running text) but an editor should know."""
    found = sorted({f"U+{ord(c):04X}" for text in texts for c in _INVISIBLE.findall(text)})
    if not found:
        return ()
    return (f"text contains invisible or bidi control characters ({', '.join(found[:6])})",)


def clean_text(text: str | None, max_chars: int, *, multiline: bool = False) -> tuple[str, bool]:
    """Valid, whitespace-normalised text cut to ``max_chars``; the flag says it was cut.

    One-line text (titles, names, addresses) also loses its bidi controls and zero-width
    characters; multi-line text (bodies) keeps them (see :func:`flag_invisible_chars`)."""
    if not text:
        return "", False
    cut = False
    if len(text) > max_chars * 4:
        text, cut = text[: max_chars * 4], True
    text = strip_invalid_chars(text)
    if multiline:
        text = text.replace("\r", "\n")
        if _SPACE_RUN.search(text):
            text = _SPACES.sub(" ", text)
        # blank and space-padded lines go ("\s*\n\s*" → "\n"), without a regular expression
        # that tries every space of the text
        text = "\n".join(line for line in (part.strip() for part in text.split("\n")) if line)
    else:
        text = " ".join(strip_invisible_chars(text).split())
    if len(text) > max_chars:
        text, cut = text[:max_chars].rstrip() + "…", True
    return text, cut


def html_to_text(markup: str | None, max_chars: int) -> tuple[str, bool]:
    """Sanitise untrusted HTML with nh3 (scripts, styles and their content dropped), then keep
    only its text, with line breaks where blocks ended."""
    if not markup:
        return "", False
    if len(markup) > max_chars * 20:
        markup = markup[: max_chars * 20]
    if "<" not in markup and "&" not in markup:  # plain text: nothing to sanitise
        return clean_text(markup, max_chars, multiline=True)
    text = strip_invalid_chars(markup)
    for _ in range(MAX_UNESCAPE_ROUNDS):  # "&amp;nbsp;", "&lt;p&gt;": escaped twice
        text = _BLOCK_TAGS.sub("\\g<0>\n", text)
        # one pass: no tag is kept, and script/style/noscript are dropped with their content
        text = html.unescape(nh3.clean(text, tags=set(), attributes={}))
        if not _ESCAPED.search(text):
            break
    return clean_text(text, max_chars, multiline=True)


def normalise_date(
    value: time.struct_time | datetime | None, fetched_at: datetime
) -> tuple[datetime | None, str | None]:
    """An aware UTC datetime, clamped to the fetch time when slightly in the future; None for
    missing or nonsense dates. The second value is a warning, if any."""
    if value is None:
        return None, None
    try:
        if isinstance(value, datetime):
            when = value if value.tzinfo else value.replace(tzinfo=UTC)
            when = when.astimezone(UTC)
        else:
            when = datetime(*value[:6], tzinfo=UTC)
    except (ValueError, OverflowError, TypeError):
        return None, "unreadable date dropped"
    if when.year < EARLIEST_YEAR:
        return None, f"implausible date {when.date().isoformat()} dropped"
    if when > fetched_at + FUTURE_SLACK:
        return None, f"far-future date {when.date().isoformat()} dropped"
    if when > fetched_at:
        return fetched_at, "future date clamped to fetch time"
    return when, None
