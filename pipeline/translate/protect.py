"""Placeholders around the engines: markup, addresses and glossary terms survive translation.

Before translation, inline tags (``<a href=…>``, ``<em>``), URLs, e-mail addresses, hashtags
and handles, glossary terms and proper names (:mod:`pipeline.translate.names`) are replaced by
tokens such as ``zxq3`` that the engines copy through unchanged. A word-like token is the form
that survives Apertium best: it moves as one
unknown word, where ``__3__`` or ``§3`` get split around prepositions and possessives. Apertium
capitalises the word after an unknown sentence-initial word, so that is undone when the source
word was lower-case. After translation each token becomes the original markup, or the glossary
term's fixed equivalent in the target language, or the name as written. A token the engine lost
is a flag: ``glossary_violation`` for a term or a name, ``markup_lost`` for anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from pipeline.translate.engines import FLAG_GLOSSARY_VIOLATION, FLAG_MARKUP_LOST
from pipeline.translate.glossary import Glossary
from pipeline.translate.names import KindsLookup, find_names

SlotKind = Literal["markup", "verbatim", "glossary", "name"]

_VERBATIM = re.compile(
    r"<!--.*?-->"  # comments
    r"|</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>"  # tags
    r"|\bhttps?://[^\s<>\"]+[^\s<>\".,;:!?)\]»]"  # URLs (no trailing punctuation)
    r"|\b[\w.+-]+@[\w-]+\.[\w.-]*\w"  # e-mail addresses
    r"|(?<![\w&])[#@]\w[\w-]*",  # hashtags, handles
    re.DOTALL,
)
_EXISTING = re.compile(r"zxq(\d+)", re.IGNORECASE)
_NEXT_WORD_LOWER = re.compile(r"\s+[a-zà-öø-ÿ]")


@dataclass(frozen=True, slots=True)
class Slot:
    token: str
    value: str
    kind: SlotKind
    glue_left: bool = False
    glue_right: bool = False
    """A space was added on that side to detach the token from a word; restore removes it."""
    next_lower: bool = False
    """The source word after the token starts with a lower-case letter."""


@dataclass(frozen=True, slots=True)
class ProtectedText:
    text: str
    slots: tuple[Slot, ...] = ()


def protect_text(
    text: str, source: str, target: str, glossary: Glossary | None = None, *,
    names: bool = True, kinds: KindsLookup | None = None,
) -> ProtectedText:
    """Replace markup, addresses, glossary terms and (with ``names``) proper names of ``text``
    by placeholder tokens."""
    spans: list[tuple[int, int, str, SlotKind]] = []
    for m in _VERBATIM.finditer(text):
        kind: SlotKind = "markup" if m.group(0).startswith("<") else "verbatim"
        spans.append((m.start(), m.end(), m.group(0), kind))
    if glossary is not None:
        for g in glossary.find_terms(text, source, target):
            if not any(g.start < end and start < g.end for start, end, _, _ in spans):
                spans.append((g.start, g.end, g.target_text, "glossary"))
    if names:
        for n in find_names(text, source, kinds):
            if not any(n.start < end and start < n.end for start, end, _, _ in spans):
                spans.append((n.start, n.end, n.text, "name"))
    if not spans:
        return ProtectedText(text)
    spans.sort()
    number = max((int(n) for n in _EXISTING.findall(text)), default=0)
    out: list[str] = []
    slots: list[Slot] = []
    position = 0
    for start, end, value, kind in spans:
        number += 1
        token = f"zxq{number}"
        glue_left = start > 0 and not text[start - 1].isspace()
        glue_right = end < len(text) and not text[end].isspace()
        out.append(text[position:start])
        out.append((" " if glue_left else "") + token + (" " if glue_right else ""))
        next_lower = bool(_NEXT_WORD_LOWER.match(text, end))
        slots.append(Slot(token, value, kind, glue_left, glue_right, next_lower))
        position = end
    out.append(text[position:])
    return ProtectedText("".join(out), tuple(slots))


def restore_text(translated: str, protected: ProtectedText) -> tuple[str, tuple[str, ...]]:
    """Put the markup and glossary equivalents back; return the text and any flags."""
    flags: dict[str, None] = {}
    text = translated
    for slot in protected.slots:
        number = slot.token[3:]
        if slot.next_lower:
            text = re.sub(r"(?i)(zxq\s?" + number + r"\s+)([A-ZÀ-ÖØ-Þ])(?=[a-zà-öø-ÿ])",
                          lambda m: m.group(1) + m.group(2).lower(), text)
        pattern = re.compile(r"(?i)(\s?)[*#@]?zxq\s?" + number + r"(?!\d)(\s?)")

        def _put_back(m: re.Match[str], slot: Slot = slot) -> str:
            left = "" if slot.glue_left else m.group(1)
            right = "" if slot.glue_right else m.group(2)
            return left + slot.value + right

        text, count = pattern.subn(_put_back, text)
        if count == 0:
            lost = slot.kind in ("glossary", "name")
            flags[FLAG_GLOSSARY_VIOLATION if lost else FLAG_MARKUP_LOST] = None
    return text, tuple(flags)
