"""The team's glossary: terms with fixed equivalents, and names that are never translated.

The file is TOML (``translations/glossary.toml``)::

    keep = ["FAO", "CGIAR"]

    [[terms]]
    en = "soil health"
    fr = "santé des sols"
    es = "salud del suelo"

It is validated before use; errors name the key path (``terms[3].fr``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.records import LANGUAGES


@dataclass(frozen=True, slots=True)
class GlossaryMatch:
    start: int
    end: int
    source_text: str
    target_text: str


@dataclass(frozen=True)
class Glossary:
    """Terms (one dict language → text each) and names kept as they are."""

    terms: tuple[dict[str, str], ...] = ()
    keep: tuple[str, ...] = ()
    _patterns: dict[tuple[str, str], list[tuple[re.Pattern[str], str]]] = field(
        default_factory=dict, repr=False, compare=False)

    def pattern_list(self, source: str, target: str) -> list[tuple[re.Pattern[str], str]]:
        """(pattern, target text) for one direction, longest source term first."""
        key = (source, target)
        if key not in self._patterns:
            entries = [(t[source], t[target]) for t in self.terms
                       if source in t and target in t]
            entries += [(name, name) for name in self.keep]
            entries.sort(key=lambda e: len(e[0]), reverse=True)
            self._patterns[key] = [(compile_term(src, case_sensitive=src in self.keep), tgt)
                                   for src, tgt in entries]
        return self._patterns[key]

    def find_terms(self, text: str, source: str, target: str) -> list[GlossaryMatch]:
        """Non-overlapping glossary terms in ``text``, in text order (longest term wins)."""
        taken: list[GlossaryMatch] = []
        for pattern, target_text in self.pattern_list(source, target):
            for m in pattern.finditer(text):
                if any(m.start() < t.end and t.start < m.end() for t in taken):
                    continue
                taken.append(GlossaryMatch(m.start(), m.end(), m.group(0),
                                           match_case(m.group(0), target_text)))
        return sorted(taken, key=lambda t: t.start)

    @cached_property
    def size(self) -> int:
        return len(self.terms) + len(self.keep)


_SPACE = r"[\s\u00a0\u202f]"


def compile_term(term: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    """A pattern for ``term`` that tolerates any spacing (and none inside « »)."""
    tokens = term.split()
    body = ""
    for i, token in enumerate(tokens):
        if i:
            body += _SPACE + ("*" if tokens[i - 1] == "«" or token == "»" else "+")
        body += re.escape(token)
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", flags)


def match_case(found: str, replacement: str) -> str:
    """Give ``replacement`` a capital first letter when the found text had one."""
    if found[:1].isupper() and replacement[:1].islower():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def load_glossary(path: Path) -> Glossary:
    """Read and validate a glossary file; raise :class:`ConfigError` naming the key path."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("glossary file not found", file=str(path)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    return parse_glossary(data, file=str(path))


def parse_glossary(data: dict[str, object], *, file: str | None = None) -> Glossary:
    """Validate glossary data already parsed from TOML."""
    unknown = set(data) - {"terms", "keep"}
    if unknown:
        raise ConfigError("unknown key (known: keep, terms)", path=sorted(unknown)[0], file=file)
    keep = data.get("keep", [])
    if not isinstance(keep, list) or not all(isinstance(k, str) and k.strip() for k in keep):
        raise ConfigError("expected a list of non-empty names", path="keep", file=file)
    raw_terms = data.get("terms", [])
    if not isinstance(raw_terms, list):
        raise ConfigError("expected an array of tables [[terms]]", path="terms", file=file)
    terms: list[dict[str, str]] = []
    for i, entry in enumerate(raw_terms):
        if not isinstance(entry, dict):
            raise ConfigError("expected a table", path=f"terms[{i}]", file=file)
        for key, value in entry.items():
            if key not in LANGUAGES:
                raise ConfigError(f"unknown language (known: {', '.join(LANGUAGES)})",
                                  path=f"terms[{i}].{key}", file=file)
            if not isinstance(value, str) or not value.strip():
                raise ConfigError("expected a non-empty string", path=f"terms[{i}].{key}",
                                  file=file)
        if len(entry) < 2:
            raise ConfigError("a term needs at least two languages", path=f"terms[{i}]",
                              file=file)
        terms.append({k: " ".join(v.split()) for k, v in entry.items()})
    return Glossary(terms=tuple(terms), keep=tuple(k.strip() for k in keep))
