"""The fingerprint of an edition's content, per language: what an approval freezes.

A language's fingerprint is the SHA-256 of the plan as a subscriber of that language would
read it: the kind and period, every section in order, every entry, event and key figure with
its address, source and place, and the title and summary in that language only. Who wrote a
wording (machine, reviewed, approved) is left out: approving a text changes no content. Any
other change (a word of a summary, an entry moved, added or removed, the editorial) changes
the fingerprint of the languages it shows in. The edition's fingerprint combines the three.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import fields, is_dataclass
from datetime import datetime
from typing import Any

from pipeline.draft.plan import EditionPlan
from pipeline.records import LANGUAGES

TEXT_KEYS = ("texts", "editorial")
"""Mappings of language → wording inside a plan (entries, events, figures, the editorial)."""
LEFT_OUT = ("warnings", "origin", "rank")
"""Not content: what the drafting warned about, who wrote a wording, the drafting's score."""


_FIELDS: dict[type, tuple[str, ...]] = {}
_SCALARS = (str, int, float, type(None), datetime)


def plain(value: Any) -> Any:
    """A plan as dicts, lists and scalars (what :func:`dataclasses.asdict` gives, without
    its deep copies: several times faster on an edition of 60 entries)."""
    if isinstance(value, _SCALARS):
        return value
    kind = type(value)
    names = _FIELDS.get(kind)
    if names is None and is_dataclass(value) and not isinstance(value, type):
        names = _FIELDS[kind] = tuple(f.name for f in fields(value))
    if names is not None:
        return {name: plain(getattr(value, name)) for name in names}
    if isinstance(value, list | tuple):
        return [plain(inner) for inner in value]
    if isinstance(value, dict | Mapping):
        return {key: plain(inner) for key, inner in value.items()}
    return value


def _in_language(value: Any, lang: str) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, inner in value.items():
            if key in LEFT_OUT:
                continue
            if key in TEXT_KEYS and isinstance(inner, dict):
                text = inner.get(lang)
                kept[key] = _in_language(text, lang) if isinstance(text, dict) else None
            else:
                kept[key] = _in_language(inner, lang)
        return kept
    if isinstance(value, list):
        return [_in_language(inner, lang) for inner in value]
    return value


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def _digest(content: Any) -> str:
    document = json.dumps(content, default=_encode, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"))
    return "sha256:" + hashlib.sha256(document.encode("utf-8")).hexdigest()


def language_fingerprint(plan: EditionPlan, lang: str) -> str:
    """``sha256:`` and the hex digest of the plan's content in ``lang``."""
    return _digest(_in_language(plain(plan), lang))


def language_fingerprints(plan: EditionPlan) -> dict[str, str]:
    whole = plain(plan)
    return {lang: _digest(_in_language(whole, lang)) for lang in LANGUAGES}


def plan_digest(plan: EditionPlan) -> str:
    """The hash of everything in the plan, who wrote each wording included (a cache key for
    renderings, which mark machine translations)."""
    return _digest(plain(plan))


def edition_fingerprint(by_language: Mapping[str, str]) -> str:
    """One hash over the languages' fingerprints (in the publication languages' order)."""
    joined = "\n".join(f"{lang}={by_language[lang]}" for lang in LANGUAGES)
    return "sha256:" + hashlib.sha256(joined.encode("utf-8")).hexdigest()


__all__ = ["edition_fingerprint", "language_fingerprint", "language_fingerprints", "plain",
           "plan_digest"]
