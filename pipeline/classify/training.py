"""Train the relevance model from labelled items (``pipeline classify train``).

Each item is classified by the rules (their scores become features), turned into named features
(:mod:`pipeline.classify.features`) and fed to scikit-learn's logistic regression (liblinear,
balanced class weights: relevant items are rare on general outlets). The decision threshold is
the one that maximises F1 on five-fold cross-validated probabilities of the training set itself,
so no evaluation set is looked at. scikit-learn is imported here only: inference needs NumPy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .classifier import choose_language, score_sections
from .features import DIMENSION, Features, index_features, item_features
from .matching import RELEVANCE
from .model import RelevanceModel
from .taxonomy import Taxonomy, load_default_taxonomy
from .text import TEXT_MAX_CHARS, TITLE_MAX_CHARS, clean_text, tokenize_words

REGULARISATION_C = 1.0
TO_CHECK_BAND = 0.15
FOLDS = 5


@dataclass(frozen=True, slots=True)
class TrainingItem:
    """One labelled example: an item of a labelled set or an editor's correction."""

    id: str
    title: str
    text: str
    relevant: bool
    lang: str | None = None
    source_relevance: str = "check"
    categories: tuple[str, ...] = ()
    origin: str = ""
    """Where the label comes from (a file name, or "correction")."""


@dataclass(slots=True)
class TrainingReport:
    model: RelevanceModel
    items: int
    relevant: int
    cv_precision: float
    cv_recall: float


def features_for(item: TrainingItem, taxonomy: Taxonomy) -> Features:
    """The features :func:`~pipeline.classify.classifier.classify_item` computes for an item."""
    title = clean_text(item.title, TITLE_MAX_CHARS)
    body = clean_text(item.text, TEXT_MAX_CHARS)
    lang, _ = choose_language(title, body, item.lang)
    title_words, body_words = tokenize_words(title), tokenize_words(body)
    scores, _body = score_sections(taxonomy, lang, title_words, body_words)
    settings = taxonomy.settings
    subject_ids = {tid for tid, theme in taxonomy.themes.items() if theme.makes_relevant}
    vocabulary = scores[RELEVANCE].score if RELEVANCE in scores else 0.0
    factor = settings["theme_weight_in_relevance"]
    subject = sum(m.score for tid, m in scores.items() if tid in subject_ids) * factor
    context = min(sum(m.score for tid, m in scores.items()
                      if tid in taxonomy.themes and tid not in subject_ids) * factor, vocabulary)
    rule_scores = {"score": vocabulary + subject + context, "vocabulary": vocabulary,
                   "subject": subject, "context": context}
    rule_scores.update((f"theme:{tid}", m.score) for tid, m in scores.items() if tid != RELEVANCE)
    return item_features(
        lang, title_words, body_words, stop_stems=taxonomy.stopwords.get(lang, frozenset()),
        rule_scores=rule_scores, rule_threshold=settings["relevance_threshold"],
        source_relevance=item.source_relevance, categories=item.categories)


def training_hash(items: Sequence[TrainingItem]) -> str:
    """SHA-256 of the training set (ids, labels and texts, in a stable order)."""
    digest = hashlib.sha256()
    for item in sorted(items, key=lambda i: (i.origin, i.id)):
        digest.update(json.dumps([item.origin, item.id, item.relevant, item.title, item.text,
                                  list(item.categories)], ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def build_matrix(rows: Sequence[Features]) -> Any:
    from scipy.sparse import csr_matrix

    indptr, indices, data = [0], [], []
    for features in rows:
        for index, value in index_features(features):
            indices.append(index)
            data.append(value)
        indptr.append(len(indices))
    return csr_matrix((np.asarray(data, dtype=np.float64), indices, indptr),
                      shape=(len(rows), DIMENSION))


def best_threshold(labels: np.ndarray, probabilities: np.ndarray) -> tuple[float, float, float]:
    """(threshold, precision, recall) maximising F1 over the candidate thresholds."""
    best = (0.5, 0.0, 0.0, -1.0)
    for threshold in np.arange(0.2, 0.81, 0.05):
        predicted = probabilities >= threshold
        tp = float(np.sum(predicted & labels))
        precision = tp / max(1.0, float(np.sum(predicted)))
        recall = tp / max(1.0, float(np.sum(labels)))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if f1 > best[3] + 1e-9:
            best = (round(float(threshold), 2), precision, recall, f1)
    return best[0], best[1], best[2]


def train_model(items: Sequence[TrainingItem], taxonomy: Taxonomy | None = None,
                *, c: float = REGULARISATION_C, seed: int = 0) -> TrainingReport:
    """Fit the model on ``items``; the threshold comes from cross-validation on them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    if len({item.relevant for item in items}) < 2:
        raise ValueError("training needs relevant and not relevant items")
    taxonomy = taxonomy or load_default_taxonomy()
    matrix = build_matrix([features_for(item, taxonomy) for item in items])
    labels = np.asarray([item.relevant for item in items], dtype=bool)

    def make() -> LogisticRegression:
        return LogisticRegression(C=c, solver="liblinear", class_weight="balanced",
                                  random_state=seed, max_iter=1000)

    folds = min(FOLDS, int(labels.sum()), int((~labels).sum()))
    threshold, precision, recall = 0.5, 0.0, 0.0
    if folds >= 2:
        splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
        probabilities = cross_val_predict(make(), matrix, labels, cv=splitter,
                                          method="predict_proba")[:, 1]
        threshold, precision, recall = best_threshold(labels, probabilities)
    fitted = make().fit(matrix, labels)
    digest = training_hash(items)
    origins: dict[str, int] = {}
    for item in items:
        origins[item.origin] = origins.get(item.origin, 0) + 1
    model = RelevanceModel(
        weights=np.asarray(fitted.coef_[0], dtype=np.float32),
        intercept=float(fitted.intercept_[0]),
        threshold=threshold,
        band=TO_CHECK_BAND,
        version=f"{datetime.now(UTC):%Y%m%d}-{digest[:8]}",
        metadata={
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "training_set_sha256": digest,
            "training_items": len(items),
            "training_relevant": int(labels.sum()),
            "training_origins": dict(sorted(origins.items())),
            "algorithm": f"sklearn LogisticRegression(liblinear, C={c}, balanced)",
            "cv_precision": round(precision, 4),
            "cv_recall": round(recall, 4),
        },
    )
    return TrainingReport(model, len(items), int(labels.sum()), precision, recall)
