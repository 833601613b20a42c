"""The trained relevance model: a logistic regression over hashed, named features.

The model is two plain files written by ``pipeline classify train``: ``NAME.json`` (version,
when and on what it was trained, the hash of its training set, its decision threshold and the
"to check" band) and ``NAME.npz`` (the weight vector, read with ``allow_pickle=False``: loading a
model never runs code). Inference needs only NumPy; scikit-learn is needed to train.
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.errors import ConfigError
from pipeline.resources import bundled_path

from .features import DIMENSION, FEATURE_VERSION, Features

DEFAULT_MODEL_PATH = bundled_path("pipeline.classify", "data", "relevance_model.json")
EXPLAIN_TERMS = 6
"""Features shown for and against a decision in its evidence."""


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's view of one item: probability, decision and why."""

    probability: float
    relevant: bool
    to_check: bool
    supporting: list[tuple[str, float]] = field(default_factory=list)
    """Features that pushed towards relevant, strongest first, with their contribution."""
    opposing: list[tuple[str, float]] = field(default_factory=list)

    def evidence(self, model: RelevanceModel) -> dict[str, object]:
        return {
            "probability": round(self.probability, 4),
            "threshold": model.threshold,
            "to_check": self.to_check,
            "band": model.band,
            "model_version": model.version,
            "for": [[name, round(value, 3)] for name, value in self.supporting],
            "against": [[name, round(value, 3)] for name, value in self.opposing],
        }


@dataclass(slots=True)
class RelevanceModel:
    """Weights over :data:`~pipeline.classify.features.DIMENSION` hashed features."""

    weights: np.ndarray
    intercept: float
    threshold: float = 0.5
    band: float = 0.15
    """Items whose probability is within ``band`` of the threshold are marked "to check"."""
    version: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    weight_of: dict[str, float] = field(default_factory=dict, repr=False)
    """Feature name → weight, filled as names are met (the same words come back item after
    item): one dictionary look-up per feature instead of hashing and indexing each time."""

    WEIGHT_CACHE_MAX = 500_000

    def weight(self, name: str) -> float:
        """The weight of a feature name (CRC-32 of its UTF-8 bytes, as in
        :func:`~pipeline.classify.features.hash_feature`)."""
        cache = self.weight_of
        if len(cache) >= self.WEIGHT_CACHE_MAX:
            cache.clear()
        weight = cache[name] = float(self.weights[zlib.crc32(name.encode("utf-8"))
                                                  & (DIMENSION - 1)])
        return weight

    def weights_for(self, names: list[str]) -> list[float]:
        """The weight of each name (cached look-ups; hashed only the first time a name is met)."""
        weights = list(map(self.weight_of.get, names))
        if None in weights:
            weights = [self.weight(name) if weight is None else weight
                       for name, weight in zip(names, weights, strict=True)]
        return weights  # type: ignore[return-value]

    def score(self, features: Features) -> tuple[float, dict[str, float]]:
        """(log-odds, contribution of each named feature with a non-zero one)."""
        names = list(features)
        contributions = [w * features[n] for n, w in zip(names, self.weights_for(names),
                                                         strict=True)]
        return (self.intercept + sum(contributions),
                {n: c for n, c in zip(names, contributions, strict=True) if c})

    def predict(self, features: Features) -> Prediction:
        """Probability, decision and the features that weighed most for and against."""
        names = list(features)
        weights = [w * v for w, v in zip(self.weights_for(names), features.values(),
                                         strict=True)]
        logit = self.intercept + sum(weights)
        probability = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))
        order = sorted(range(len(weights)), key=weights.__getitem__)
        return Prediction(
            probability=probability,
            relevant=probability >= self.threshold,
            to_check=abs(probability - self.threshold) < self.band,
            supporting=[(names[i], weights[i]) for i in order[: -EXPLAIN_TERMS - 1 : -1]
                        if weights[i] > 0],
            opposing=[(names[i], weights[i]) for i in order[:EXPLAIN_TERMS] if weights[i] < 0],
        )


def weights_path(path: Path) -> Path:
    return path.with_suffix(".npz")


def load_model(path: str | Path | None = None) -> RelevanceModel:
    """Read a model written by :func:`save_model`; :class:`ConfigError` when it cannot be used."""
    file = Path(path) if path is not None else DEFAULT_MODEL_PATH
    try:
        meta = json.loads(file.read_text(encoding="utf-8"))
        with np.load(weights_path(file), allow_pickle=False) as arrays:
            weights = np.asarray(arrays["weights"], dtype=np.float32)
    except OSError as exc:
        raise ConfigError(f"cannot read relevance model: {exc.strerror}", file=str(file)) from exc
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"invalid relevance model: {exc}", file=str(file)) from exc
    if not isinstance(meta, dict) or meta.get("feature_version") != FEATURE_VERSION:
        raise ConfigError(
            f"relevance model made for features version {meta.get('feature_version')!r}, "
            f"this pipeline has version {FEATURE_VERSION}: run 'pipeline classify train'",
            file=str(file),
        )
    if weights.shape != (DIMENSION,):
        raise ConfigError(f"weights have shape {weights.shape}, expected ({DIMENSION},)",
                          file=str(file))
    return RelevanceModel(
        weights=weights,
        intercept=float(meta["intercept"]),
        threshold=float(meta.get("threshold", 0.5)),
        band=float(meta.get("band", 0.15)),
        version=str(meta.get("version", "")),
        metadata=meta,
    )


def save_model(model: RelevanceModel, path: str | Path) -> Path:
    """Write ``path`` (JSON metadata) and its ``.npz`` weights; returns the JSON path."""
    file = Path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    meta = {
        **model.metadata,
        "feature_version": FEATURE_VERSION,
        "intercept": model.intercept,
        "threshold": model.threshold,
        "band": model.band,
        "version": model.version,
    }
    np.savez_compressed(weights_path(file), weights=model.weights.astype(np.float32))
    file.write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return file


@lru_cache(maxsize=1)
def load_default_model() -> RelevanceModel | None:
    """The bundled model, read once; ``None`` when none is bundled (the rules decide alone)."""
    if not DEFAULT_MODEL_PATH.is_file():
        return None
    return load_model(DEFAULT_MODEL_PATH)
