"""One address and one hash per story, whatever spelling a feed used.

The canonical URL is an identity key: https, lower-case host without ``www.``/``amp.``, no
tracking parameters (courlan's list), no AMP markers, no fragment, no trailing slash, sorted query.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pipeline.collect.cleaning import strip_invalid_chars

_AMP_CACHE = re.compile(r"^(?:[a-z0-9-]+\.)?cdn\.ampproject\.org$")
_AMP_QUERY_KEYS = {"amp", "outputtype", "_gl", "_ga", "ref", "ref_src", "cmpid", "at_medium",
                   "at_campaign", "xtor", "ito", "mc_cid", "mc_eid", "igshid", "s_cid"}
_AMP_SUFFIXES = ("/amp", "/amp.html", "/amphtml")
_WORDS = re.compile(r"\w+", re.UNICODE)
_SPLIT_DROPS = frozenset("\t\r\n")


def _strip_amp_path(path: str) -> str:
    lowered = path.lower()
    if lowered.startswith("/amp/"):
        path = path[4:]
        lowered = path.lower()
    for suffix in _AMP_SUFFIXES:
        if lowered.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)]
            lowered = path.lower()
    path = re.sub(r"\.amp(\.html?)$", r"\1", path, flags=re.I)
    return re.sub(r"/amp/", "/", path, flags=re.I)


def _unwrap_amp_cache(url: str) -> str:
    """``https://x-y.cdn.ampproject.org/c/s/example.org/a`` → ``https://example.org/a``."""
    if "ampproject" not in url.lower() and not _SPLIT_DROPS.intersection(url):
        return url  # no cache host can be named (urlsplit drops tabs and line breaks first)
    parts = urlsplit(url)
    if not _AMP_CACHE.match(parts.hostname or ""):
        return url
    match = re.match(r"^/[a-z]/(s/)?(.+)$", parts.path)
    if not match:
        return url
    scheme = "https" if match.group(1) else "http"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{match.group(2)}{query}"


def canonicalise_url(url: str) -> str:
    """The identity key of an article address (see the module docstring)."""
    text = strip_invalid_chars(url).strip()
    if not text:
        return ""
    text = _unwrap_amp_cache(text)
    import courlan  # here, not above: the collector's process hashes, its workers canonicalise

    with contextlib.suppress(ValueError, AttributeError):
        text = courlan.normalize_url(text, strict=True, trailing_slash=False)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        return text
    host = (parts.hostname or "").rstrip(".").lower()
    for prefix in ("www.", "amp.", "m."):
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
    port = parts.port
    if port and port not in (80, 443):
        host = f"{host}:{port}"
    path = _strip_amp_path(parts.path or "/")
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k.lower() not in _AMP_QUERY_KEYS and not k.lower().startswith("utm_")]
    return urlunsplit(("https", host, path or "/", urlencode(sorted(query)), ""))


def normalise_for_hash(text: str) -> str:
    """Lower-case words only: the same story with other spacing or punctuation hashes the same."""
    return " ".join(_WORDS.findall(text.lower()))


def hash_content(title: str, text: str) -> str:
    """A stable hash of what an item says (title and main text or summary)."""
    digest = hashlib.sha256()
    digest.update(normalise_for_hash(title).encode("utf-8"))
    digest.update(b"\x1f")
    digest.update(normalise_for_hash(text).encode("utf-8"))
    return "sha256:" + digest.hexdigest()
