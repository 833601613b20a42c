"""Make untrusted text safe to place in an email or a web page.

Titles and summaries are plain text: the templates escape them, so markup or template syntax in
them shows literally. Rich text (the editorial) goes through nh3's allowlist. Addresses are kept
only when they are http, https or mailto once entities, control characters and blanks are undone.
"""

from __future__ import annotations

import html
import re

import nh3

ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
RICH_TAGS = frozenset({"p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote"})
RICH_ATTRIBUTES = {"a": {"href", "title"}}
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]+")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_BIDI_AND_ZERO_WIDTH = re.compile(
    "[\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")


def strip_invisible(text: str) -> str:
    """Without bidi controls and zero-width characters: titles and subjects must read as they
    look (a right-to-left override can make "gpj.exe" of "exe.jpg")."""
    return _BIDI_AND_ZERO_WIDTH.sub("", text)


def check_url(url: str | None) -> str | None:
    """The address if it is a safe absolute http(s) or mailto link, else ``None``.

    Entities are decoded and invisible characters dropped before the scheme is read, so that
    ``java&#9;script:`` or ``\\x01javascript:`` are recognised and refused.
    """
    if not url:
        return None
    decoded = _INVISIBLE.sub("", html.unescape(url.strip()))
    match = _SCHEME.match(decoded)
    if match is None or match.group(1).lower() not in ALLOWED_SCHEMES:
        return None
    if match.group(1).lower() in {"http", "https"} and not decoded.lower().startswith(
        (f"{match.group(1).lower()}://",)
    ):
        return None
    if any(ch in url for ch in "<>\"'`") or _INVISIBLE.search(url.strip()):
        return None
    return url.strip()


def _keep_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    """Only absolute http(s) and mailto addresses survive: a relative (``/x``) or
    protocol-relative (``//evil.example/x``) link would point wherever the email is read."""
    if attribute == "href":
        return check_url(value)
    return value


def sanitize_html(fragment: str) -> str:
    """Clean rich text with an allowlist: safe tags only, absolute http/https/mailto links,
    rel set."""
    return nh3.clean(
        fragment,
        tags=set(RICH_TAGS),
        attributes={tag: set(names) for tag, names in RICH_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_keep_absolute_links,
    )


def paragraphs_to_html(text: str) -> str:
    """Plain text with blank-line paragraphs to escaped ``<p>`` HTML."""
    blocks = [block.strip() for block in re.split(r"\n\s*\n", text) if block.strip()]
    return "".join(
        "<p>" + html.escape(block).replace("\n", "<br>") + "</p>" for block in blocks
    )


def looks_like_html(text: str) -> bool:
    """Whether a text seems written as HTML (a tag) rather than plain text."""
    return re.search(r"<(p|br|a|strong|em|ul|ol|li|b|i|blockquote)\b", text, re.I) is not None
