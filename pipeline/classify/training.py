"""Train the relevance model from labelled items (``pipeline classify train``).

Each item is classified by the rules (their scores become features), turned into named features
(:mod:`pipeline.classify.features`) and fed to scikit-learn's L2 logistic regression (liblinear).

Probability and threshold come from the training set alone (no evaluation set is looked at):

1. *Out-of-fold scores*: stratified 5-fold cross-validation repeated 3 times gives every training
   item three decision values from models that did not see it.
2. *Calibration* (Platt scaling): a one-feature logistic regression maps those decision values to
   probabilities. It is a scale ``a`` and a shift ``b`` of the log-odds, so it is folded into the
   final model (weights × ``a``, intercept × ``a`` + ``b``): the model stays one weight vector
   and its probabilities are calibrated (a regularised model's raw ones are squeezed towards the
   base rate, which is why an F1-optimal threshold on them came out as low as 0.2).
3. *Threshold*: for every candidate from 0.05 to 0.95 (step 0.01) the F1 of the calibrated
   out-of-fold probabilities is averaged over the repeats; the thresholds within 0.01 of the best
   mean F1 form a plateau, and the threshold is the plateau's median (the middle of the range of
   equally good choices, not its noisy edge).

scikit-learn is imported here only: inference needs NumPy.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from .features import DIMENSION, Features, index_features, item_features
from .model import RelevanceModel
from .rules import read_rules
from .taxonomy import Taxonomy, load_default_taxonomy

REGULARISATION_C = 1.0
TO_CHECK_BAND = 0.15
FOLDS = 5
REPEATS = 3
THRESHOLD_CANDIDATES = np.round(np.arange(0.05, 0.951, 0.01), 2)
PLATEAU_TOLERANCE = 0.01
"""Thresholds whose mean cross-validated F1 is within this of the best form the plateau."""


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
    rules = read_rules(taxonomy, item.title, item.text, item.lang)
    return item_features(
        rules.lang, rules.title_words, rules.title_stems, rules.body_stems,
        stop_stems=taxonomy.stopwords.get(rules.lang, frozenset()),
        rule_scores=rules.rule_scores(),
        rule_threshold=taxonomy.settings["relevance_threshold"],
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


@dataclass(frozen=True, slots=True)
class ThresholdChoice:
    threshold: float
    precision: float
    recall: float
    plateau: tuple[float, float]


def scores_at(labels: np.ndarray, predicted: np.ndarray) -> tuple[float, float, float]:
    """(precision, recall, F1) of boolean ``predicted`` against boolean ``labels``."""
    tp = float(np.sum(predicted & labels))
    precision = tp / max(1.0, float(np.sum(predicted)))
    recall = tp / max(1.0, float(np.sum(labels)))
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def choose_threshold(labels: np.ndarray, probabilities: np.ndarray) -> ThresholdChoice:
    """The median of the thresholds whose mean F1 over the repeats (rows of ``probabilities``)
    is within :data:`PLATEAU_TOLERANCE` of the best, with the mean precision and recall there."""
    def mean_scores(threshold: float) -> np.ndarray:
        return np.mean([scores_at(labels, row >= threshold) for row in probabilities], axis=0)

    f1 = np.array([mean_scores(float(t))[2] for t in THRESHOLD_CANDIDATES])
    plateau = THRESHOLD_CANDIDATES[f1 >= f1.max() - PLATEAU_TOLERANCE]
    threshold = round(float(np.median(plateau)), 2)
    precision, recall, _f1 = mean_scores(threshold)
    return ThresholdChoice(threshold, float(precision), float(recall),
                           (float(plateau.min()), float(plateau.max())))


def calibrate(decisions: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Platt scaling: (a, b) such that sigmoid(a × decision + b) is a calibrated probability;
    ``decisions`` has one row of out-of-fold decision values per repeat."""
    from sklearn.linear_model import LogisticRegression

    platt = LogisticRegression(C=1e6, solver="lbfgs", max_iter=1000)
    platt.fit(decisions.reshape(-1, 1), np.tile(labels, decisions.shape[0]))
    return float(platt.coef_[0][0]), float(platt.intercept_[0])


def train_model(items: Sequence[TrainingItem], taxonomy: Taxonomy | None = None,
                *, c: float = REGULARISATION_C, seed: int = 0) -> TrainingReport:
    """Fit the model on ``items``; calibration and threshold come from cross-validation on them
    (see the module docstring)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import RepeatedStratifiedKFold

    if len({item.relevant for item in items}) < 2:
        raise ValueError("training needs relevant and not relevant items")
    taxonomy = taxonomy or load_default_taxonomy()
    matrix = build_matrix([features_for(item, taxonomy) for item in items])
    labels = np.asarray([item.relevant for item in items], dtype=bool)

    def make() -> LogisticRegression:
        return LogisticRegression(C=c, solver="liblinear", random_state=seed, max_iter=1000)

    folds = min(FOLDS, int(labels.sum()), int((~labels).sum()))
    scale, shift = 1.0, 0.0
    choice = ThresholdChoice(0.5, 0.0, 0.0, (0.5, 0.5))
    if folds >= 2:
        splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=REPEATS, random_state=seed)
        decisions = np.zeros((REPEATS, len(items)))
        for fold, (train, test) in enumerate(splitter.split(matrix, labels)):
            fitted_fold = make().fit(matrix[train], labels[train])
            decisions[fold // folds, test] = fitted_fold.decision_function(matrix[test])
        scale, shift = calibrate(decisions, labels)
        choice = choose_threshold(labels, 1.0 / (1.0 + np.exp(-(scale * decisions + shift))))
    fitted = make().fit(matrix, labels)
    digest = training_hash(items)
    origins: dict[str, int] = {}
    for item in items:
        origins[item.origin] = origins.get(item.origin, 0) + 1
    model = RelevanceModel(
        weights=np.asarray(fitted.coef_[0] * scale, dtype=np.float32),
        intercept=float(fitted.intercept_[0] * scale + shift),
        threshold=choice.threshold,
        band=TO_CHECK_BAND,
        version=f"{datetime.now(UTC):%Y%m%d}-{digest[:8]}",
        metadata={
            "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "training_set_sha256": digest,
            "training_items": len(items),
            "training_relevant": int(labels.sum()),
            "training_origins": dict(sorted(origins.items())),
            "algorithm": f"sklearn LogisticRegression(liblinear, L2, C={c}), Platt-calibrated on "
                         f"{REPEATS}x{folds}-fold out-of-fold decisions",
            "calibration": {"scale": round(scale, 4), "shift": round(shift, 4)},
            "threshold_rule": "median of the thresholds within "
                              f"{PLATEAU_TOLERANCE} of the best mean cross-validated F1",
            "threshold_plateau": list(choice.plateau),
            "cv_precision": round(choice.precision, 4),
            "cv_recall": round(choice.recall, 4),
        },
    )
    return TrainingReport(model, len(items), int(labels.sum()), choice.precision, choice.recall)
