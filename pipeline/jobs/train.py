"""Job: retrain the relevance model from the labelled sets and the editors' corrections."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pipeline.app import App
from pipeline.classify.evaluation import read_labelled_items
from pipeline.classify.model import save_model
from pipeline.classify.training import TrainingItem, TrainingReport, train_model
from pipeline.store.processing import load_corrections


def labelled_training_items(paths: Sequence[Path]) -> list[TrainingItem]:
    return [TrainingItem(id=item.id, title=item.title, text=item.text, relevant=item.relevant,
                         lang=item.lang, origin=path.name)
            for path in paths for item in read_labelled_items(path)]


def corrected_training_items(app: App) -> list[TrainingItem]:
    with app.session(readonly=True) as session:
        corrections = load_corrections(session)
    return [TrainingItem(id=str(c.id), title=c.title, text=c.text, relevant=c.relevant,
                         lang=c.lang, origin="correction")
            for c in corrections]


def train_relevance(app: App | None, paths: Sequence[Path], out: Path) -> TrainingReport:
    """Train on ``paths`` (labelled JSON Lines) plus, when ``app`` is given, every corrected
    item of its database; write the model to ``out`` (JSON + ``.npz``)."""
    items = labelled_training_items(paths)
    if app is not None:
        items.extend(corrected_training_items(app))
    report = train_model(items)
    save_model(report.model, out)
    return report
