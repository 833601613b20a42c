"""Load, validate and compile the taxonomy data file (``data/taxonomy.toml``).

Validation names the key path of every problem, e.g.
``ConfigError("themes.policy.keywords.fr[2]: must be a non-empty string")``.
Compiled terms are tuples of Snowball stems (stop words dropped), indexed by their first stem so
matching a text is one dictionary look-up per token.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.records import THEMES
from pipeline.resources import bundled_path

from .text import get_stemmer, tokenize_words

DEFAULT_TAXONOMY_PATH = bundled_path("pipeline.classify", "data", "taxonomy.toml")
TAXONOMY_LANGUAGES: tuple[str, ...] = ("fr", "en", "es")
"""Languages every section is written in."""
EXTRA_LANGUAGES: tuple[str, ...] = ("pt", "it")
"""Languages with optional, partial lists: their items are matched with the FR/EN/ES lists and
with their own."""
TERM_LANGUAGES: tuple[str, ...] = TAXONOMY_LANGUAGES + EXTRA_LANGUAGES
TERM_KINDS: tuple[str, ...] = ("strong", "keywords")
SETTINGS_DEFAULTS: dict[str, float] = {
    "title_weight": 3.0,
    "relevance_threshold": 6.0,
    "theme_weight_in_relevance": 0.5,
    "body_norm_tokens": 300.0,
    "theme_min_score": 3.0,
    "theme_keep_ratio": 0.4,
    "max_themes": 3.0,
    "secondary_min_terms": 2.0,
    "body_keep_ratio": 0.5,
    "subject_repeats": 3.0,
    "region_min_score": 1.0,
}

Stems = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Term:
    """One keyword or phrase, compiled."""

    text: str
    stems: Stems
    weight: float
    acronym: bool = False
    """Written in capitals in the list ("UN", "COP", "PAC"): matches only a word in capitals, so
    the words "un", "cop" or "pac" do not count."""
    forms: frozenset[str] = frozenset()
    """For a word listed under the section's ``exact_words``: the spellings it matches (itself
    and its plural in -s), so the words its stem shares ("directive" and "directly") do not."""


def is_acronym(phrase: str) -> bool:
    """True for a term written in capitals with at least two letters ("UN", "CO2", "MRV")."""
    letters = [ch for ch in phrase if ch.isalpha()]
    return len(letters) >= 2 and all(ch.isupper() for ch in letters)


def spell_forms(word: str) -> frozenset[str]:
    """The spellings an exact word matches: itself and its plural in -s, in lower case."""
    lower = word.lower()
    return frozenset((lower, f"{lower}s"))


@dataclass(slots=True)
class Section:
    """The relevance vocabulary or one theme, compiled per language."""

    id: str
    label: dict[str, str] = field(default_factory=dict)
    makes_relevant: bool = True
    """False for context themes (policy, finance, science): their words count towards relevance
    only as far as the subject vocabulary itself scored."""
    terms: dict[str, dict[str, list[Term]]] = field(default_factory=dict)
    """lang → first stem → terms starting with it, longest first."""
    exclusions: dict[str, dict[str, list[Stems]]] = field(default_factory=dict)
    """lang → first stem → excluded phrases (stop words kept), longest first."""


@dataclass(slots=True)
class Taxonomy:
    """The whole compiled taxonomy."""

    settings: dict[str, float]
    stopwords: dict[str, frozenset[str]]
    """Stems of the stop words, by language."""
    relevance: Section
    themes: dict[str, Section]
    path: str = ""
    weights: dict[str, float] = field(default_factory=lambda: {"strong": 3.0, "keywords": 1.0})
    """Weight of each kind of term (``[weights]``)."""


def stem_stopwords(words: frozenset[str], lang: str) -> frozenset[str]:
    """Stems of the stop words: texts are filtered on stems, so the check is one set look-up."""
    stemmer = get_stemmer(lang)
    return frozenset(stemmer.stem(w) for w in words)


def stem_phrase(phrase: str, lang: str, stopwords: frozenset[str]) -> tuple[Stems, Stems]:
    """(stems without stop words, all stems) of ``phrase`` in ``lang``."""
    stop_stems = stem_stopwords(stopwords, lang)
    every = tuple(get_stemmer(lang).stem_words(tokenize_words(phrase)))
    kept = tuple(s for s in every if s not in stop_stems)
    return kept, every


def read_string_list(value: object, path: str) -> list[str]:
    """A list of non-empty strings at ``path``, or :class:`ConfigError`."""
    if not isinstance(value, list):
        raise ConfigError("must be a list of words or phrases", path=path)
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError("must be a non-empty string", path=f"{path}[{index}]")
        if not any(ch.isalnum() for ch in item):
            raise ConfigError("must contain a letter or digit", path=f"{path}[{index}]")
    return list(value)


def compile_section(
    section_id: str,
    raw: dict[str, Any],
    path: str,
    weights: dict[str, float],
    stopwords: dict[str, frozenset[str]],
) -> Section:
    """Validate and compile one ``[relevance]`` or ``[themes.X]`` table."""
    known = {"label", "exclude", "makes_relevant", "exact_words", *TERM_KINDS}
    for key in raw:
        if key not in known:
            raise ConfigError(
                f"unknown key (expected one of {sorted(known)})", path=f"{path}.{key}"
            )
    section = Section(id=section_id)
    label = raw.get("label", {})
    if not isinstance(label, dict) or not all(isinstance(v, str) for v in label.values()):
        raise ConfigError("must be a table of language = text", path=f"{path}.label")
    section.label = dict(label)
    makes_relevant = raw.get("makes_relevant", True)
    if not isinstance(makes_relevant, bool):
        raise ConfigError("must be true or false", path=f"{path}.makes_relevant")
    section.makes_relevant = makes_relevant
    exact = {w.lower() for w in read_string_list(raw.get("exact_words", []), f"{path}.exact_words")}
    for kind in (*TERM_KINDS, "exclude"):
        table = raw.get(kind, {})
        if not isinstance(table, dict):
            raise ConfigError("must be a table with fr, en and es lists", path=f"{path}.{kind}")
        for lang, value in table.items():
            key_path = f"{path}.{kind}.{lang}"
            if lang not in TERM_LANGUAGES:
                raise ConfigError(f"unknown language (expected {TERM_LANGUAGES})", path=key_path)
            for index, phrase in enumerate(read_string_list(value, key_path)):
                kept, every = stem_phrase(phrase, lang, stopwords[lang])
                if kind == "exclude":
                    ex_index = section.exclusions.setdefault(lang, {})
                    ex_index.setdefault(every[0], []).append(every)
                    continue
                if not kept:
                    raise ConfigError("has only stop words", path=f"{key_path}[{index}]")
                index_map = section.terms.setdefault(lang, {})
                forms = spell_forms(phrase) if phrase.lower() in exact else frozenset()
                term = Term(phrase, kept, weights[kind], is_acronym(phrase), forms)
                index_map.setdefault(kept[0], []).append(term)
    for by_first in section.terms.values():
        for terms in by_first.values():
            terms.sort(key=lambda term: -len(term.stems))
    for ex_first in section.exclusions.values():
        for phrases in ex_first.values():
            phrases.sort(key=len, reverse=True)
    return section


def read_settings(raw: object) -> dict[str, float]:
    """``[settings]`` merged over the defaults, every value a positive number."""
    if not isinstance(raw, dict):
        raise ConfigError("must be a table", path="settings")
    settings = dict(SETTINGS_DEFAULTS)
    for key, value in raw.items():
        if key not in SETTINGS_DEFAULTS:
            raise ConfigError("unknown setting", path=f"settings.{key}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError("must be a positive number", path=f"settings.{key}")
        settings[key] = float(value)
    return settings


def parse_taxonomy(data: dict[str, Any], source: str = "") -> Taxonomy:
    """Validate and compile an already parsed taxonomy document."""
    settings = read_settings(data.get("settings", {}))
    raw_weights = data.get("weights", {})
    if not isinstance(raw_weights, dict):
        raise ConfigError("must be a table", path="weights")
    weights = {"strong": 3.0, "keywords": 1.0}
    for key, value in raw_weights.items():
        if key not in weights:
            raise ConfigError(f"unknown weight (expected {sorted(weights)})", path=f"weights.{key}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError("must be a positive number", path=f"weights.{key}")
        weights[key] = float(value)
    raw_stop = data.get("stopwords", {})
    if not isinstance(raw_stop, dict):
        raise ConfigError("must be a table", path="stopwords")
    stopwords: dict[str, frozenset[str]] = {}
    for lang in TERM_LANGUAGES:
        words = read_string_list(raw_stop.get(lang, []), f"stopwords.{lang}")
        stopwords[lang] = frozenset(words)
    relevance = data.get("relevance")
    if not isinstance(relevance, dict):
        raise ConfigError("missing table [relevance]", path="relevance")
    themes_raw = data.get("themes")
    if not isinstance(themes_raw, dict) or not themes_raw:
        raise ConfigError("missing tables [themes.<id>]", path="themes")
    themes: dict[str, Section] = {}
    for theme_id, raw in themes_raw.items():
        path = f"themes.{theme_id}"
        if theme_id not in THEMES:
            raise ConfigError(f"unknown theme id (expected one of {list(THEMES)})", path=path)
        if not isinstance(raw, dict):
            raise ConfigError("must be a table", path=path)
        themes[theme_id] = compile_section(theme_id, raw, path, weights, stopwords)
    return Taxonomy(
        settings=settings,
        stopwords={lang: stem_stopwords(words, lang) for lang, words in stopwords.items()},
        relevance=compile_section("relevance", relevance, "relevance", weights, stopwords),
        themes=themes,
        path=source,
        weights=weights,
    )


def load_taxonomy(path: str | Path | None = None) -> Taxonomy:
    """Read, validate and compile a taxonomy TOML file (the bundled one by default).

    Raises :class:`ConfigError` naming the file and the key path of the first problem.
    """
    file = Path(path) if path is not None else DEFAULT_TAXONOMY_PATH
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read taxonomy: {exc.strerror}", file=str(file)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=str(file)) from exc
    try:
        return parse_taxonomy(data, str(file))
    except ConfigError as exc:
        raise ConfigError(
            str(exc).removeprefix(f"{exc.path}: "), path=exc.path, file=str(file)
        ) from exc


@lru_cache(maxsize=1)
def load_default_taxonomy() -> Taxonomy:
    """The bundled taxonomy, compiled once per process."""
    return load_taxonomy(DEFAULT_TAXONOMY_PATH)
