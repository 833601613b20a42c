"""Classify one item: language, relevance, themes and regions, with the evidence for each.

Pure and bounded: never raises on bad text (empty, one word, HTML, all caps, megabytes, an
uncovered script) and looks at no more than the title and the first
:data:`~pipeline.classify.text.TEXT_MAX_CHARS` characters of the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from pipeline.records import REGIONS, THEMES, Classification, CollectedItem, SourceSpec

from .features import item_features
from .gazetteer import (
    WORLDWIDE,
    Gazetteer,
    Place,
    count_regions,
    load_default_gazetteer,
    settle_ambiguous,
)
from .language import UNDETERMINED
from .matching import RELEVANCE, SectionMatch
from .model import RelevanceModel, load_default_model
from .rules import read_rules
from .taxonomy import Taxonomy, load_default_taxonomy

REGION_DOMINANCE = 0.4
"""The top region needs this share of all place mentions, and more than any other region, else
the item is ``global``."""
REGION_KEEP_RATIO = 0.5
MAX_REGIONS = 3
WORLDWIDE_THEME = "initiative"
"""When this theme is primary the item is about the Initiative itself, which is international:
places in the body (its seat in France, signatory countries) do not make it regional; the item
is ``global`` unless its title names a place."""

def is_passing_mention(taxonomy: Taxonomy, match: SectionMatch, title_score: float) -> bool:
    """True when a theme's matches look like a passing mention rather than a second subject.

    A theme is a subject when ``secondary_min_terms`` distinct terms of it matched, when a strong
    term of it is in the title (title part of its score at least ``title_weight`` × the strong
    weight), or when one strong term of it comes back ``subject_repeats`` times. One everyday word,
    however often repeated, or one strong phrase said once in the body is a passing mention.
    """
    settings = taxonomy.settings
    if len(match.terms) >= settings["secondary_min_terms"]:
        return False
    strong = taxonomy.weights["strong"]
    if title_score >= settings["title_weight"] * strong - 1e-9:
        return False
    repeats = settings["subject_repeats"]
    return not any(
        match.weights.get(term, 0.0) >= strong and count >= repeats
        for term, count in match.terms.items()
    )


def choose_themes(
    taxonomy: Taxonomy,
    scores: dict[str, SectionMatch],
    source_themes: Sequence[str],
    body_scores: dict[str, float] | None = None,
) -> tuple[str, ...]:
    """Themes above the floor and close enough to the best one, primary first.

    A secondary theme is close enough when its score reaches ``theme_keep_ratio`` of the best
    score, or its body score ``body_keep_ratio`` of the best body score (the title mostly names
    the primary subject, so secondary subjects show in the body). It must also not be a passing
    mention (:func:`is_passing_mention`).
    """
    settings = taxonomy.settings
    ranked = sorted(
        ((m.score, tid) for tid, m in scores.items() if tid != RELEVANCE),
        key=lambda pair: (-pair[0], THEMES.index(pair[1])),
    )
    if not ranked or ranked[0][0] < settings["theme_min_score"]:
        return tuple(t for t in source_themes if t in THEMES)
    top = ranked[0][0]
    min_score = settings["theme_min_score"]
    body_scores = {tid: s for tid, s in (body_scores or {}).items() if tid != RELEVANCE}
    body_floor = max(body_scores.values(), default=0.0) * settings["body_keep_ratio"]
    chosen = [ranked[0][1]]
    for score, tid in ranked[1:]:
        body = body_scores.get(tid, 0.0)
        if score < min_score or is_passing_mention(taxonomy, scores[tid], score - body):
            continue
        if score >= top * settings["theme_keep_ratio"] or (body > 0 and body >= body_floor):
            chosen.append(tid)
    return tuple(chosen[: int(settings["max_themes"])])


def is_world_body_subject(title_places: Sequence[tuple[str, Place]]) -> bool:
    """True when the title names a UN body or summit ("COP27", "the IPCC", "la FAO") and no
    place: the item is about that body's work, which is worldwide, and the places of the body
    are mostly where the summit meets ("the Cop27 summit in Sharm el-Sheikh") or who spoke there.
    A title that also names a place ("FAO warns of hunger in the Sahel") keeps the counting."""
    return any(place.code == WORLDWIDE and place.capitalised for _text, place in title_places) \
        and not any(place.region and place.code != WORLDWIDE for _text, place in title_places)


def choose_regions(
    region_scores: dict[str, float], source_region: str | None, min_score: float
) -> tuple[str, ...]:
    """Regions named most, primary first; when too few places are named, ``global`` if a
    worldwide cue is there ("la faim progresse dans le monde") else the source's region;
    ``global`` when no region dominates. Between regions named equally often, the source's
    region wins ("the UK-Australia trade deal" in a British paper is British news)."""
    worldwide = region_scores.get(WORLDWIDE, 0.0)
    region_scores = {r: s for r, s in region_scores.items() if r != WORLDWIDE}
    total = sum(region_scores.values())
    if total < min_score:
        if worldwide > 0 or source_region not in REGIONS:
            return ("global",)
        return (source_region,)
    ranked = sorted(region_scores.items(), key=lambda kv: (
        -kv[1], kv[0] != source_region, REGIONS.index(kv[0])))
    top_region, top = ranked[0]
    tied = len(ranked) > 1 and ranked[1][1] == top and top_region != source_region
    if top_region != "global" and (top / total < REGION_DOMINANCE or tied):
        return ("global",)
    kept = [r for r, score in ranked if score >= top * REGION_KEEP_RATIO and r != "global"]
    if top_region == "global":
        kept.insert(0, "global")
    return tuple(kept[:MAX_REGIONS])


def classify_item(
    title: str,
    text: str,
    *,
    source_lang: str | None = None,
    source_region: str | None = None,
    source_themes: Sequence[str] = (),
    source_relevance: str = "check",
    source_country: str | None = None,
    taxonomy: Taxonomy | None = None,
    gazetteer: Gazetteer | None = None,
    categories: Sequence[str] = (),
    model: RelevanceModel | None = None,
    use_model: bool = True,
) -> Classification:
    """Classify one item from its title and text, with the source's defaults as fallbacks.

    Relevance is decided by the trained model (:mod:`pipeline.classify.model`, the bundled one
    unless ``model`` is given) over the text, the feed's ``categories`` and the rules' scores;
    the rules decide alone when no model is bundled or ``use_model`` is false.
    ``source_relevance="always"`` makes the item relevant whatever its text (a soil-science
    journal). Never raises on bad text; evidence is JSON-serialisable.
    """
    taxonomy = taxonomy or load_default_taxonomy()
    gazetteer = gazetteer or load_default_gazetteer()
    settings = taxonomy.settings
    rules = read_rules(taxonomy, title, text, source_lang)
    lang, scores, body_scores = rules.lang, rules.scores, rules.body_scores
    title_words, body_words = rules.title_words, rules.body_words
    raw_score = rules.score
    threshold = settings["relevance_threshold"]
    rules_relevant = raw_score >= threshold
    model = model or (load_default_model() if use_model else None)
    prediction = None
    if model is not None:
        features = item_features(
            lang, title_words, rules.title_stems, rules.body_stems,
            stop_stems=taxonomy.stopwords.get(lang, frozenset()),
            rule_scores=rules.rule_scores(), rule_threshold=threshold,
            source_relevance=source_relevance, categories=categories)
        prediction = model.predict(features)
        decided = prediction.relevant
    else:
        decided = rules_relevant
    relevant = decided or source_relevance == "always"
    themes = choose_themes(taxonomy, scores, source_themes, body_scores) if relevant else ()

    country_region = gazetteer.regions_by_code.get(source_country or "")
    context_region = source_region if source_region in REGIONS else country_region
    title_places = gazetteer.find_places(title_words)
    body_places = gazetteer.find_places(body_words)
    keep, dropped = settle_ambiguous(gazetteer, [*title_places, *body_places], context_region)
    title_places = [p for p, k in zip(title_places, keep, strict=False) if k]
    body_places = [p for p, k in zip(body_places, keep[len(keep) - len(body_places):],
                                     strict=True) if k]
    region_scores = count_regions(title_places, settings["title_weight"])
    count_regions(body_places, 1.0, into=region_scores)
    regions = choose_regions(region_scores, context_region, settings["region_min_score"])
    worldwide = (
        bool(themes)
        and themes[0] == WORLDWIDE_THEME
        and not any(place.region for _text, place in title_places)
    )
    if worldwide or is_world_body_subject(title_places):
        regions = ("global",)
    place_counts = Counter(text for text, _place in (*title_places, *body_places))

    evidence: dict[str, object] = {
        "lang": {"detected": rules.detected, "source": source_lang, "used": lang},
        "relevance": {
            "decided_by": "source" if source_relevance == "always" else (
                "model" if prediction is not None else "rules"),
            "model": prediction.evidence(model) if prediction is not None and model else None,
            "to_check": bool(prediction and prediction.to_check),
            "rules_relevant": rules_relevant,
            "score": round(raw_score, 3),
            "threshold": threshold,
            "parts": {
                "vocabulary": round(rules.vocabulary, 3),
                "subject_themes": round(rules.subject, 3),
                "context_themes": round(rules.context, 3),
            },
            "terms": dict(scores.get(RELEVANCE, SectionMatch()).terms),
            "source_default": source_relevance,
        },
        "themes": {
            tid: {
                "score": round(m.score, 3),
                "body_score": round(body_scores.get(tid, 0.0), 3),
                "terms": dict(m.terms),
            }
            for tid, m in sorted(scores.items(), key=lambda kv: -kv[1].score)
            if tid != RELEVANCE
        },
        "places": dict(place_counts.most_common(20)),
        "regions": {
            r: round(s, 3) for r, s in sorted(region_scores.items(), key=lambda kv: -kv[1])
        },
        "region_fallback": sum(s for r, s in region_scores.items() if r != WORLDWIDE)
        < settings["region_min_score"],
        "region_context": {"source_region": source_region, "source_country": source_country,
                           "ambiguous_dropped": dropped},
        "region_worldwide_subject": worldwide,
        "truncated": rules.truncated,
    }
    return Classification(
        lang=lang or UNDETERMINED,
        relevant=relevant,
        themes=themes,
        regions=regions,
        relevance_score=round(prediction.probability if prediction is not None
                              else raw_score / (raw_score + threshold), 4),
        evidence=evidence,
    )


def classify_collected_item(
    item: CollectedItem, source: SourceSpec, *, taxonomy: Taxonomy | None = None
) -> Classification:
    """:func:`classify_item` on a collected item with its source's defaults.

    The text is the page body when there is one, else the feed summary; the item's language hint
    (from the feed) is preferred to the source's declared language as the short-text fallback.
    """
    return classify_item(
        item.title,
        item.body or item.summary,
        source_lang=item.lang_hint or source.lang,
        source_region=source.region,
        source_themes=source.themes,
        source_relevance=source.relevance,
        source_country=source.country,
        taxonomy=taxonomy,
        categories=item.categories,
    )
