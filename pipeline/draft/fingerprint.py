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
from dataclasses import asdict
from datetime import datetime
from typing import Any

from pipeline.draft.plan import EditionPlan
from pipeline.records import LANGUAGES

TEXT_KEYS = ("texts", "editorial")
"""Mappings of language → wording inside a plan (entries, events, figures, the editorial)."""
LEFT_OUT = ("warnings", "origin", "rank")
"""Not content: what the drafting warned about, who wrote a wording, the drafting's score."""


def _in_language(value: Any, lang: str) -> Any:
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
    if isinstance(value, list | tuple):
        return [_in_language(inner, lang) for inner in value]
    return value


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def language_fingerprint(plan: EditionPlan, lang: str) -> str:
    """``sha256:`` and the hex digest of the plan's content in ``lang``."""
    content = _in_language(asdict(plan), lang)
    document = json.dumps(content, default=_encode, ensure_ascii=False, sort_keys=True,
                          separators=(",", ":"))
    return "sha256:" + hashlib.sha256(document.encode("utf-8")).hexdigest()


def language_fingerprints(plan: EditionPlan) -> dict[str, str]:
    return {lang: language_fingerprint(plan, lang) for lang in LANGUAGES}


def edition_fingerprint(by_language: Mapping[str, str]) -> str:
    """One hash over the languages' fingerprints (in the publication languages' order)."""
    joined = "\n".join(f"{lang}={by_language[lang]}" for lang in LANGUAGES)
    return "sha256:" + hashlib.sha256(joined.encode("utf-8")).hexdigest()


__all__ = ["edition_fingerprint", "language_fingerprint", "language_fingerprints"]
