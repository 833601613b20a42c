"""A gazetteer of places in French, English and Spanish, each mapped to a region id.

Built at load time from the CLDR territory names Babel ships (``Locale("fr").territories`` …) and
the hand-written extras of ``data/places.toml`` (UN M49 membership, cities, provinces, demonyms).
Names are matched on accent- and case-folded word sequences, longest first; proper names only
when written with a capital letter (``Chile`` the country, not ``chile`` the pepper).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel import Locale

from pipeline.errors import ConfigError
from pipeline.records import REGIONS
from pipeline.resources import bundled_path

from .text import FOLDED_WORDS, fold_accents, fold_word, tokenize_words

DEFAULT_PLACES_PATH = bundled_path("pipeline.classify", "data", "places.toml")
WORLDWIDE = "worldwide"
"""Code of the worldwide cues: words ("monde", "global") and UN bodies ("FAO", "COP") that say an
item's scope is the world without naming a place."""
GAZETTEER_LOCALES: tuple[str, ...] = ("fr", "en", "es")
_PAREN_RE = re.compile(r"\s*\(([^)]*)\)")

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Place:
    """One name of a place: ``region`` is ``None`` for ignored names (they only mask)."""

    name: str
    key: Key
    code: str
    region: str | None
    capitalised: bool
    acronym: bool = False
    """Written in capitals in the list ("EU", "USA"): must be in capitals in the text too."""
    lowercase: bool = False
    """A worldwide cue ("world", "mundial", "planète"): counts only where written in lower case,
    so a title-cased name ("Le Monde", "World Bank") is not taken for the world."""
    capitals: tuple[bool, ...] = ()
    """For an ignored name written with capitals ("Le Monde"): which of its words must start
    with a capital in the text too ("le monde", the world, is not the newspaper)."""


@dataclass(slots=True)
class Gazetteer:
    """First folded word → places whose name starts with it, longest first."""

    index: dict[str, list[Place]] = field(default_factory=dict)
    regions_by_code: dict[str, str] = field(default_factory=dict)
    ambiguous: set[Key] = field(default_factory=set)
    """Names that also name places in other regions (``[ambiguous]``): settled by context."""

    def is_ambiguous(self, place: Place) -> bool:
        return place.key in self.ambiguous

    def add(self, name: str, code: str, region: str | None, *, capitalised: bool,
            lowercase: bool = False, as_written: bool = False) -> None:
        words = tokenize_words(name)
        key = tuple(fold_accents(w.lower()) for w in words)
        if not key:
            return
        places = self.index.setdefault(key[0], [])
        acronym = capitalised and len(name) > 1 and name.replace(".", "").replace(" ", "").isupper()
        if any(p.key == key and p.capitalised == capitalised and p.lowercase == lowercase
               and p.acronym == acronym for p in places):
            return
        capitals = tuple(w[:1].isupper() for w in words) if as_written else ()
        places.append(Place(name, key, code, region, capitalised, acronym, lowercase, capitals))
        places.sort(key=lambda p: -len(p.key))

    def find_places(self, words: Sequence[str]) -> list[tuple[str, Place]]:
        """(text as written, place) for places named in ``words``; ignored names dropped."""
        cached: list[str | None] = list(map(FOLDED_WORDS.get, words))
        folded: list[str] = (
            [fold_word(w) if f is None else f for w, f in zip(words, cached, strict=True)]
            if None in cached else cached)  # type: ignore[assignment]
        found: list[tuple[str, Place]] = []
        index = self.index
        present = index.keys() & set(folded)
        if not present:
            return found
        next_free = 0
        for i in [i for i, word in enumerate(folded) if word in present]:
            if i < next_free:
                continue
            word = words[i]
            capital = word[:1].isupper()
            for place in index[folded[i]]:
                # the case first: most hits are articles ("la", "el", "le") in lower case,
                # and the names they start ("La Rioja", "El Salvador") need a capital
                if place.capitalised and not capital:
                    continue
                size = len(place.key)
                if size > 1 and tuple(folded[i : i + size]) != place.key:
                    continue
                if place.acronym and not word.isupper():
                    continue
                if place.lowercase and not word[:1].islower():
                    continue
                if place.capitals and not all(
                        words[i + k][:1].isupper() for k, cap in enumerate(place.capitals) if cap):
                    continue
                if place.region is not None:
                    found.append((" ".join(words[i : i + size]), place))
                next_free = i + size
                break
        return found


def split_cldr_name(name: str) -> list[str]:
    """``"Myanmar (Birmanie)"`` → ``["Myanmar", "Birmanie"]``; plain names unchanged."""
    names = [_PAREN_RE.sub("", name).strip()]
    names.extend(part.strip() for part in _PAREN_RE.findall(name) if part.strip())
    return [n for n in names if n]


def read_places_file(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read places: {exc.strerror}", file=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", file=str(path)) from exc


def read_name_table(data: dict[str, object], table: str, file: str) -> dict[str, list[str]]:
    raw = data.get(table, {})
    if not isinstance(raw, dict):
        raise ConfigError("must be a table", path=table, file=file)
    out: dict[str, list[str]] = {}
    for key, value in raw.items():
        if not isinstance(value, list):
            raise ConfigError("must be a list of names", path=f"{table}.{key}", file=file)
        for index, name in enumerate(value):
            if not isinstance(name, str) or not name.strip():
                raise ConfigError(
                    "must be a non-empty string", path=f"{table}.{key}[{index}]", file=file
                )
        out[key] = list(value)
    return out


def build_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """Build the gazetteer from Babel's CLDR names and the extras file (bundled by default)."""
    file = Path(path) if path is not None else DEFAULT_PLACES_PATH
    data = read_places_file(file)
    gazetteer = Gazetteer()
    m49 = read_name_table(data, "m49", str(file))
    for region, codes in m49.items():
        if region not in REGIONS:
            raise ConfigError(
                f"unknown region (expected {list(REGIONS)})", path=f"m49.{region}", file=str(file)
            )
        for code in codes:
            gazetteer.regions_by_code[code] = region
    for region in REGIONS:
        gazetteer.regions_by_code.setdefault(region, region)

    def region_of(code: str, table: str) -> str:
        region = gazetteer.regions_by_code.get(code)
        if region is None:
            raise ConfigError(
                "unknown country code or region id", path=f"{table}.{code}", file=str(file)
            )
        return region

    for name in read_name_table(data, "ambiguous", str(file)).get("names", []):
        gazetteer.ambiguous.add(tuple(fold_accents(w.lower()) for w in tokenize_words(name)))
    ignore_table = read_name_table(data, "ignore", str(file))
    ignore = ignore_table.get("names", [])
    for name in ignore:
        gazetteer.add(name, "", None, capitalised=False)
    for name in ignore_table.get("as_written", []):
        gazetteer.add(name, "", None, capitalised=False, as_written=True)
    ignored = {tuple(fold_accents(w.lower()) for w in tokenize_words(n)) for n in ignore}
    for code, names in read_name_table(data, "names", str(file)).items():
        region = "global" if code == WORLDWIDE else region_of(code, "names")
        for name in names:
            gazetteer.add(name, code, region, capitalised=True)
    for name in read_name_table(data, "worldwide", str(file)).get("names", []):
        gazetteer.add(name, WORLDWIDE, "global", capitalised=False, lowercase=True)
    for code, names in read_name_table(data, "adjectives", str(file)).items():
        region = region_of(code, "adjectives")
        for name in names:
            for form in (name, name + "s", name + "es"):
                gazetteer.add(form, code, region, capitalised=False)
    for locale in GAZETTEER_LOCALES:
        for code, cldr_name in Locale(locale).territories.items():
            cldr_region = gazetteer.regions_by_code.get(code)
            if cldr_region is None:
                continue
            for name in split_cldr_name(cldr_name):
                key = tuple(fold_accents(w.lower()) for w in tokenize_words(name))
                if key not in ignored:
                    gazetteer.add(name, code, cldr_region, capitalised=True)
    return gazetteer


@lru_cache(maxsize=1)
def load_default_gazetteer() -> Gazetteer:
    """The bundled gazetteer, built once per process."""
    return build_gazetteer(DEFAULT_PLACES_PATH)


def settle_ambiguous(
    gazetteer: Gazetteer, places: Sequence[tuple[str, Place]], context_region: str | None
) -> tuple[list[bool], list[str]]:
    """Which places to keep (one flag each) and the ambiguous names the context contradicts.

    An ambiguous name ("Los Ángeles", "Córdoba") is kept when an unambiguous place of the text
    is in its region, or when the text names no other region and the outlet's region
    (``context_region``, from its country) is its region or unknown; it is dropped otherwise:
    "el embalse de Los Ángeles" in an item that also names Extremadura is in Europe.
    """
    firm = {p.region for _text, p in places
            if p.region and p.region != "global" and not gazetteer.is_ambiguous(p)}
    keep: list[bool] = []
    dropped: list[str] = []
    for text, place in places:
        agrees = not gazetteer.is_ambiguous(place) or (
            (place.region in firm) if firm
            else (context_region is None or place.region == context_region))
        keep.append(agrees)
        if not agrees:
            dropped.append(text)
    return keep, dropped


def count_regions(
    places: Sequence[tuple[str, Place]], weight: float, into: dict[str, float] | None = None
) -> dict[str, float]:
    """Region id → weighted count of the places (added to ``into`` when given); worldwide cues
    are counted apart, under :data:`WORLDWIDE`."""
    counts = into if into is not None else {}
    for _text, place in places:
        key = WORLDWIDE if place.code == WORLDWIDE else place.region
        if key is not None:
            counts[key] = counts.get(key, 0.0) + weight
    return counts
