"""Measure the classifier on a hand-labelled JSON Lines file.

Each line: ``{"id", "lang", "title", "text", "relevant", "themes", "regions"}`` (themes and
regions primary first). Items are classified from their text alone (no source defaults), so the
figures are what the text gives.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.records import REGIONS, THEMES, Classification

from .classifier import classify_item
from .language import detect_language
from .taxonomy import Taxonomy

REQUIRED_KEYS = ("id", "lang", "title", "text", "relevant", "themes", "regions")


@dataclass(frozen=True, slots=True)
class LabelledItem:
    """One hand-labelled item (themes and regions primary first)."""

    id: str
    lang: str
    title: str
    text: str
    relevant: bool
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    source_country: str | None = None
    """The outlet's country when the set records it (general-outlet sets): context for regions."""


@dataclass(frozen=True, slots=True)
class LabelScore:
    """Precision, recall and F1 of one label, with its support (true count)."""

    label: str
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn


@dataclass(slots=True)
class EvaluationReport:
    """Quality figures of the classifier on one labelled set."""

    items: int
    relevant_items: int
    language_accuracy_titles: float
    language_accuracy_items: float
    relevance: LabelScore
    themes: list[LabelScore]
    theme_micro_f1: float
    primary_theme_accuracy: float
    regions: list[LabelScore]
    primary_region_accuracy: float
    errors: list[dict[str, object]] = field(default_factory=list)

    def metrics(self) -> dict[str, float]:
        """The headline figures by name (what the quality floor checks)."""
        return {
            "language_accuracy_titles": round(self.language_accuracy_titles, 4),
            "relevance_f1": round(self.relevance.f1, 4),
            "relevance_precision": round(self.relevance.precision, 4),
            "relevance_recall": round(self.relevance.recall, 4),
            "primary_region_accuracy": round(self.primary_region_accuracy, 4),
            "theme_micro_f1": round(self.theme_micro_f1, 4),
        }


def parse_labelled_item(raw: object, where: str, file: str) -> LabelledItem:
    """One labelled item from its JSON object; :class:`ConfigError` names the bad line."""
    if not isinstance(raw, dict):
        raise ConfigError("expected a JSON object", path=where, file=file)
    missing = [key for key in REQUIRED_KEYS if key not in raw]
    if missing:
        raise ConfigError(f"missing keys {missing}", path=where, file=file)
    themes, regions = raw["themes"], raw["regions"]
    if not isinstance(themes, list) or not all(t in THEMES for t in themes):
        raise ConfigError(f"themes must be a list of {list(THEMES)}", path=where, file=file)
    if not isinstance(regions, list) or not all(r in REGIONS for r in regions):
        raise ConfigError(f"regions must be a list of {list(REGIONS)}", path=where, file=file)
    return LabelledItem(
        id=str(raw["id"]),
        lang=str(raw["lang"]),
        title=str(raw["title"] or ""),
        text=str(raw["text"] or ""),
        relevant=bool(raw["relevant"]),
        themes=tuple(themes),
        regions=tuple(regions),
        source_country=str(raw["source_country"]) if raw.get("source_country") else None,
    )


def read_labelled_items(path: str | Path) -> list[LabelledItem]:
    """Items of a labelled JSON Lines file; :class:`ConfigError` names the bad line."""
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read labelled items: {exc.strerror}", file=str(file)) from exc
    items: list[LabelledItem] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"invalid JSON: {exc.msg}", path=f"line {number}", file=str(file)
            ) from exc
        items.append(parse_labelled_item(raw, f"line {number}", str(file)))
    return items


def score_labels(
    labels: Sequence[str], truths: Iterable[set[str]], predictions: Iterable[set[str]]
) -> list[LabelScore]:
    counts = {label: Counter[str]() for label in labels}
    for truth, predicted in zip(truths, predictions, strict=True):
        for label in labels:
            key = ("t" if label in truth else "f") + ("p" if label in predicted else "n")
            counts[label][key] += 1
    return [LabelScore(label, c["tp"], c["fp"], c["tn"]) for label, c in counts.items()]


def sum_micro_f1(scores: Sequence[LabelScore]) -> float:
    tp, fp, fn = (sum(getattr(s, k) for s in scores) for k in ("tp", "fp", "fn"))
    return LabelScore("micro", tp, fp, fn).f1


def is_wrong(item: LabelledItem, result: Classification) -> bool:
    return (
        item.relevant != result.relevant
        or item.themes != result.themes
        or (item.relevant and item.regions[:1] != result.regions[:1])
    )


def evaluate_items(
    items: Sequence[LabelledItem], taxonomy: Taxonomy | None = None, *, use_model: bool = True
) -> EvaluationReport:
    """Classify every labelled item and compare with its labels."""
    results = [classify_item(i.title, i.text, taxonomy=taxonomy, source_country=i.source_country,
                             use_model=use_model) for i in items]
    pairs = list(zip(items, results, strict=True))
    title_hits = sum(detect_language(i.title) == i.lang for i in items)
    item_hits = sum(r.lang == i.lang for i, r in pairs)
    relevance = score_labels(
        ["relevant"],
        ({"relevant"} if i.relevant else set() for i in items),
        ({"relevant"} if r.relevant else set() for r in results),
    )[0]
    themes = score_labels(THEMES, (set(i.themes) for i in items), (set(r.themes) for r in results))
    relevant_pairs = [(i, r) for i, r in pairs if i.relevant and i.regions]
    themed = [(i, r) for i, r in relevant_pairs if i.themes]
    primary_theme_hits = sum(r.themes[:1] == i.themes[:1] for i, r in themed)
    regions = score_labels(
        REGIONS,
        (set(i.regions) for i, _ in relevant_pairs),
        (set(r.regions) for _, r in relevant_pairs),
    )
    region_hits = sum(r.regions[:1] == i.regions[:1] for i, r in relevant_pairs)
    errors: list[dict[str, object]] = [
        {
            "id": i.id,
            "want": {"relevant": i.relevant, "themes": i.themes, "regions": i.regions},
            "got": {"relevant": r.relevant, "themes": r.themes, "regions": r.regions},
        }
        for i, r in pairs
        if is_wrong(i, r)
    ]
    return EvaluationReport(
        items=len(items),
        relevant_items=len(relevant_pairs),
        language_accuracy_titles=title_hits / len(items) if items else 0.0,
        language_accuracy_items=item_hits / len(items) if items else 0.0,
        relevance=relevance,
        themes=themes,
        theme_micro_f1=sum_micro_f1(themes),
        primary_theme_accuracy=primary_theme_hits / len(themed) if themed else 0.0,
        regions=regions,
        primary_region_accuracy=region_hits / len(relevant_pairs) if relevant_pairs else 0.0,
        errors=errors,
    )


def evaluate_classifier(
    path: str | Path, taxonomy: Taxonomy | None = None, *, use_model: bool = True
) -> EvaluationReport:
    """Read a labelled JSON Lines file and evaluate the classifier on it (``use_model=False``:
    the rules alone decide relevance)."""
    return evaluate_items(read_labelled_items(path), taxonomy, use_model=use_model)


def format_report(report: EvaluationReport) -> str:
    """The report as a plain-text table."""
    lines = [
        f"items: {report.items} ({report.relevant_items} relevant)",
        f"language accuracy, titles alone: {report.language_accuracy_titles:.3f}",
        f"language accuracy, title + text: {report.language_accuracy_items:.3f}",
        f"primary theme accuracy: {report.primary_theme_accuracy:.3f}",
        f"primary region accuracy (relevant items): {report.primary_region_accuracy:.3f}",
        f"theme micro-F1: {report.theme_micro_f1:.3f}",
        "",
        f"{'label':<28}{'precision':>10}{'recall':>10}{'F1':>8}{'support':>9}",
    ]
    for group, scores in (
        ("", [report.relevance]),
        ("theme ", report.themes),
        ("region ", report.regions),
    ):
        for s in scores:
            name = group + s.label
            lines.append(
                f"{name:<28}{s.precision:>10.3f}{s.recall:>10.3f}{s.f1:>8.3f}{s.support:>9}"
            )
    return "\n".join(lines)
