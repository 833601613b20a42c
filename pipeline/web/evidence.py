""""Why is this here": the classifier's stored evidence as the inbox shows it.

The evidence JSON (pipeline.classify.classifier) holds how relevance was decided (the model's
probability against its threshold, its strongest features for and against, the rules' terms
and score), the themes' matched terms and scores, and the places that settled the region.
Everything is read defensively: a stored evidence of another shape shows less, never fails.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.web.i18n import N_

FEATURE_KINDS = {
    "w": N_("word"), "t": N_("in the title"), "b": N_("pair of words"), "c": N_("letters"),
    "k": N_("feed category"), "s": N_("source setting"), "r": N_("rules"),
    "bias": N_("text length"),
}
NAMED_FEATURES = {
    "r:score": N_("keyword score"), "r:vocabulary": N_("soil and farming vocabulary"),
    "r:subject": N_("subject themes"), "r:context": N_("context themes"),
    "s:check": N_("general outlet"), "s:always": N_("specialised source"),
    "bias:text": N_("has a text beyond the title"),
}
"""Features that are not words: named for people (translated where shown)."""
DECIDED_BY = {"model": N_("the relevance model"), "rules": N_("the keyword rules"),
              "source": N_("the source (always relevant)")}


@dataclass(frozen=True, slots=True)
class Term:
    text: str
    kind: str
    """A msgid of :data:`FEATURE_KINDS` ("" for a rule's matched term)."""
    weight: float
    named: bool = False
    """``text`` is a msgid of :data:`NAMED_FEATURES` (translate it to show it)."""


@dataclass(frozen=True, slots=True)
class ThemeWhy:
    theme: str
    score: float
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Why:
    decided_by: str
    """A msgid of :data:`DECIDED_BY` ("" when unknown)."""
    probability: float | None = None
    threshold: float | None = None
    to_check: bool = False
    rules_score: float | None = None
    rules_threshold: float | None = None
    supporting: tuple[Term, ...] = ()
    opposing: tuple[Term, ...] = ()
    rule_terms: tuple[Term, ...] = ()
    themes: tuple[ThemeWhy, ...] = ()
    regions: tuple[tuple[str, float], ...] = ()
    places: tuple[tuple[str, int], ...] = ()
    region_fallback: bool = False
    language: dict[str, str] = field(default_factory=dict)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def feature_term(name: Any, weight: Any) -> Term | None:
    """A model feature (``w:carbon``, ``b:soil_health``, ``r:theme:policy``…) as a reader
    sees it."""
    if not isinstance(name, str) or _number(weight) is None:
        return None
    if name in NAMED_FEATURES:
        return Term(NAMED_FEATURES[name], "", round(float(weight), 3), named=True)
    prefix, _, rest = name.partition(":")
    kind = FEATURE_KINDS.get(prefix, "")
    text = rest or name
    if prefix == "b":
        text = rest.replace("_", " ")
    elif prefix == "c":
        text = rest.replace("_", "·")
    elif prefix == "r":
        text = rest.replace("theme:", "").replace("_", " ")
    return Term(text[:80], kind, round(float(weight), 3))


def _terms(raw: Any, limit: int) -> tuple[Term, ...]:
    found = []
    for pair in raw if isinstance(raw, list) else ():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            term = feature_term(pair[0], pair[1])
            if term is not None:
                found.append(term)
    return tuple(found[:limit])


def _counted(raw: Any, limit: int) -> tuple[Term, ...]:
    if not isinstance(raw, dict):
        return ()
    pairs = [(str(k)[:80], _number(v)) for k, v in raw.items()]
    ranked = sorted(((k, v) for k, v in pairs if v is not None), key=lambda kv: -kv[1])
    return tuple(Term(k, "", v) for k, v in ranked[:limit])


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def read_evidence(evidence: Any, *, limit: int = 6) -> Why:
    """The evidence of one classification, for people."""
    evidence = _mapping(evidence)
    if not evidence:
        return Why("")
    relevance = _mapping(evidence.get("relevance"))
    model = _mapping(relevance.get("model"))
    themes = []
    for theme, facts in _mapping(evidence.get("themes")).items():
        score = _number(_mapping(facts).get("score"))
        if score:
            themes.append(ThemeWhy(str(theme), score, _counted(facts.get("terms"), limit)))
    themes.sort(key=lambda t: -t.score)
    regions = [(str(region), score) for region, raw in _mapping(evidence.get("regions")).items()
               if (score := _number(raw)) is not None]
    places = [(str(place)[:80], count) for place, count in
              _mapping(evidence.get("places")).items() if isinstance(count, int)]
    language = _mapping(evidence.get("lang"))
    return Why(
        decided_by=DECIDED_BY.get(str(relevance.get("decided_by")), ""),
        probability=_number(model.get("probability")), threshold=_number(model.get("threshold")),
        to_check=bool(relevance.get("to_check")),
        rules_score=_number(relevance.get("score")),
        rules_threshold=_number(relevance.get("threshold")),
        supporting=_terms(model.get("for"), limit), opposing=_terms(model.get("against"), limit),
        rule_terms=_counted(relevance.get("terms"), limit), themes=tuple(themes[:4]),
        regions=tuple(sorted(regions, key=lambda rv: -rv[1])[:4]),
        places=tuple(sorted(places, key=lambda pv: -pv[1])[:limit]),
        region_fallback=bool(evidence.get("region_fallback")),
        language={k: str(v) for k, v in language.items() if isinstance(v, str)})


def short_reason(why: Why) -> tuple[Term, ...]:
    """The few terms a row shows: what weighed most for relevance (the rule's own terms
    first: they are words a reader recognises), then places."""
    words = list(why.rule_terms[:3]) or [t for t in why.supporting if t.kind in (
        "word", "in the title", "pair of words", "feed category")][:3]
    return tuple(words)


__all__ = ["DECIDED_BY", "FEATURE_KINDS", "NAMED_FEATURES", "Term", "ThemeWhy", "Why",
           "feature_term", "read_evidence", "short_reason"]
