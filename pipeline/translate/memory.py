"""Translation memory: every approved, edited or machine translation, per sentence.

The translator asks the memory before any engine, so an identical segment is never sent to an
engine twice, and a person's correction wins over the machine's next time. The store implements
:class:`TranslationMemory` over the database; :class:`InMemoryTranslationMemory` is the same
thing in a dict (tests, the command line). TMX 1.4 export and import work on plain
``(src_lang, tgt_lang, src, tgt)`` tuples, so any implementation can use them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

import defusedxml.ElementTree as SafeET

from pipeline.errors import ParseError
from pipeline.states import TextState, may_replace

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
TMX_CREATION_TOOL = "soil-press-pipeline"
TMX_CREATION_TOOL_VERSION = "0.1.0"

TmxEntry = tuple[str, str, str, str]
"""(src_lang, tgt_lang, source text, target text)."""


class TranslationMemory(Protocol):
    def lookup(self, src_lang: str, tgt_lang: str, segments: Sequence[str]) -> dict[str, str]:
        """Known translations of those of ``segments`` the memory has: source → target."""
        ...

    def remember(
        self, src_lang: str, tgt_lang: str, pairs: Iterable[tuple[str, str]], origin: str,
        engine: str | None,
    ) -> None:
        """Store (source, target) pairs; ``origin`` is a :class:`TextState` (machine, reviewed
        or approved): a pair replaces a known one only if it ranks as high
        (:func:`pipeline.states.may_replace`)."""
        ...


@dataclass(slots=True)
class MemoryEntry:
    target: str
    origin: str
    engine: str | None
    changed_at: datetime


class InMemoryTranslationMemory:
    """A :class:`TranslationMemory` in a dict; counts lookups for benchmarks and tests."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], MemoryEntry] = {}

    def lookup(self, src_lang: str, tgt_lang: str, segments: Sequence[str]) -> dict[str, str]:
        found = {}
        for segment in segments:
            entry = self.entries.get((src_lang, tgt_lang, segment))
            if entry is not None:
                found[segment] = entry.target
        return found

    def remember(
        self, src_lang: str, tgt_lang: str, pairs: Iterable[tuple[str, str]], origin: str,
        engine: str | None,
    ) -> None:
        for source, target in pairs:
            key = (src_lang, tgt_lang, source)
            old = self.entries.get(key)
            if old is not None and not may_replace(origin, old.origin):
                continue
            self.entries[key] = MemoryEntry(target, origin, engine, datetime.now(UTC))

    def export_entries(self) -> list[TmxEntry]:
        return [(s, t, src, e.target) for (s, t, src), e in sorted(self.entries.items())]


def write_tmx(entries: Iterable[TmxEntry], out: IO[bytes], *, srclang: str = "*all*") -> int:
    """Write a TMX 1.4 document; return the number of translation units."""
    created_at = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(root, "header", {
        "creationtool": TMX_CREATION_TOOL, "creationtoolversion": TMX_CREATION_TOOL_VERSION,
        "datatype": "plaintext", "segtype": "sentence", "adminlang": "en",
        "srclang": srclang, "o-tmf": "soil-press-pipeline", "creationdate": created_at,
    })
    body = ET.SubElement(root, "body")
    count = 0
    for src_lang, tgt_lang, source, target in entries:
        tu = ET.SubElement(body, "tu", srclang=src_lang)
        for lang, text in ((src_lang, source), (tgt_lang, target)):
            tuv = ET.SubElement(tu, "tuv", {XML_LANG: lang})
            ET.SubElement(tuv, "seg").text = _xml_safe(text)
        count += 1
    ET.indent(root)
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n'
              b'<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n')
    out.write(ET.tostring(root, encoding="utf-8", xml_declaration=False))
    out.write(b"\n")
    return count


def export_tmx(entries: Iterable[TmxEntry], path: Path, *, srclang: str = "*all*") -> int:
    """Write ``entries`` to a TMX 1.4 file at ``path``; return the number of units."""
    with path.open("wb") as out:
        return write_tmx(entries, out, srclang=srclang)


def import_tmx(path: Path) -> list[TmxEntry]:
    """Read the two-language units of a TMX file (the first variant is the source)."""
    try:
        root = SafeET.parse(str(path), forbid_dtd=False).getroot()
    except (ET.ParseError, SafeET.ParseError, ValueError) as exc:
        raise ParseError(f"{path}: not a readable TMX file: {exc}") from None
    if root is None or root.tag != "tmx":
        tag = "none" if root is None else root.tag
        raise ParseError(f"{path}: root element is <{tag}>, expected <tmx>")
    header = root.find("header")
    default_src = header.get("srclang", "*all*") if header is not None else "*all*"
    entries: list[TmxEntry] = []
    for tu in root.iter("tu"):
        variants = [(tuv.get(XML_LANG) or tuv.get("lang") or "", _seg_text(tuv))
                    for tuv in tu.findall("tuv")]
        if len(variants) < 2:
            continue
        src_lang = tu.get("srclang", default_src)
        sources = [v for v in variants if v[0] == src_lang] or variants[:1]
        for lang, text in variants:
            if (lang, text) != sources[0]:
                entries.append((sources[0][0], lang, sources[0][1], text))
    return entries


def _seg_text(tuv: ET.Element) -> str:
    seg = tuv.find("seg")
    return "".join(seg.itertext()) if seg is not None else ""


def _xml_safe(text: str) -> str:
    """Drop the characters XML 1.0 cannot hold (NUL and other C0 controls)."""
    return "".join(c for c in text if c in "\t\n\r" or ord(c) >= 0x20)


def remember_entries(memory: TranslationMemory, entries: Iterable[TmxEntry], *,
                     origin: str = TextState.APPROVED, engine: str | None = None) -> int:
    """Load ``(src_lang, tgt_lang, src, tgt)`` entries (e.g. from :func:`import_tmx`) into a
    memory; return how many were given."""
    grouped: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for src_lang, tgt_lang, source, target in entries:
        if source.strip() and target.strip():
            grouped.setdefault((src_lang, tgt_lang), []).append((source, target))
    for (src_lang, tgt_lang), pairs in grouped.items():
        memory.remember(src_lang, tgt_lang, pairs, origin, engine)
    return sum(len(p) for p in grouped.values())
