"""Click commands of the classification stage, attached by the lead to the ``pipeline`` groups.

``eval_classify`` → ``pipeline eval classify``;
``inspect_classify`` → ``pipeline inspect classify``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from pipeline.classify import classify_item, load_taxonomy
from pipeline.classify.evaluation import evaluate_classifier, format_report
from pipeline.classify.taxonomy import Taxonomy
from pipeline.errors import ConfigError

LABELLED_DIR = Path("tests", "data", "classify")
"""The hand-labelled sets, in a checkout of the project (relative to the working directory: the
installed package carries no labelled set and never reads the repository around it)."""


def load_optional_taxonomy(path: Path | None) -> Taxonomy | None:
    return load_taxonomy(path) if path is not None else None


@click.command("classify")
@click.option(
    "--items",
    "items_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=f"Hand-labelled JSON Lines file. Default: {LABELLED_DIR / 'items.jsonl'} of the "
         "checkout the command runs in.",
)
@click.option(
    "--taxonomy",
    "taxonomy_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Taxonomy TOML to evaluate instead of the bundled one.",
)
@click.option("--errors", "show_errors", is_flag=True, help="Also list the items got wrong.")
@click.option("--json", "as_json", is_flag=True, help="Print the headline metrics as JSON.")
def eval_classify(
    items_path: Path | None, taxonomy_path: Path | None, show_errors: bool, as_json: bool
) -> None:
    """Precision, recall and F1 of the classifier per label on a labelled set."""
    if items_path is None:
        items_path = LABELLED_DIR / "items.jsonl"
        if not items_path.is_file():
            raise ConfigError(f"no labelled set at {items_path} (run from a checkout of the "
                              "project, or give --items FILE)")
    report = evaluate_classifier(items_path, load_optional_taxonomy(taxonomy_path))
    if as_json:
        click.echo(json.dumps({"items": report.items, **report.metrics()}, sort_keys=True))
    else:
        click.echo(format_report(report))
    if show_errors:
        for error in report.errors:
            click.echo(json.dumps(error, ensure_ascii=False))


@click.command("classify")
@click.option(
    "--taxonomy",
    "taxonomy_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Taxonomy TOML to use instead of the bundled one.",
)
@click.option("--evidence", is_flag=True, help="Include the evidence of every decision.")
def inspect_classify(taxonomy_path: Path | None, evidence: bool) -> None:
    """Classify JSON Lines {"id","title","text"} from stdin; print one JSON line per item.

    Optional keys per line: source_lang, source_region, source_themes, source_relevance.
    """
    taxonomy = load_optional_taxonomy(taxonomy_path)
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"invalid JSON: {exc.msg}", path=f"stdin line {number}") from exc
        if not isinstance(item, dict):
            raise ConfigError("expected a JSON object", path=f"stdin line {number}")
        themes = item.get("source_themes") or ()
        result = classify_item(
            str(item.get("title") or ""),
            str(item.get("text") or ""),
            source_lang=item.get("source_lang"),
            source_region=item.get("source_region"),
            source_themes=tuple(str(t) for t in themes) if isinstance(themes, list) else (),
            source_relevance=str(item.get("source_relevance") or "check"),
            taxonomy=taxonomy,
        )
        out: dict[str, object] = {
            "id": item.get("id"),
            "lang": result.lang,
            "relevant": result.relevant,
            "themes": list(result.themes),
            "regions": list(result.regions),
        }
        if evidence:
            out["relevance_score"] = result.relevance_score
            out["evidence"] = result.evidence
        click.echo(json.dumps(out, ensure_ascii=False))


DATA_DIR = LABELLED_DIR
TRAINING_SETS = ("items.jsonl", "heldout_items.jsonl", "heldout2_items.jsonl",
                 "general_items.jsonl")
"""The labelled sets the bundled model is trained on. ``heldout3_items.jsonl`` and
``general_blind_items.jsonl`` are kept out: they measure the model on items it never saw."""


@click.group("classify")
def classify_group() -> None:
    """Train the relevance model."""


@classify_group.command("train")
@click.option("--items", "items_paths", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Labelled JSON Lines file (repeatable); default: the project's training sets.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the model (JSON, weights beside it as .npz); default: the "
                   "bundled model.")
@click.option("--corrections/--no-corrections", default=True, show_default=True,
              help="Also learn from the editors' corrections stored in the database.")
@click.pass_obj
def classify_train(app: object, items_paths: tuple[Path, ...], out: Path | None,
                   corrections: bool) -> None:
    """Train the relevance model on the labelled sets and the editors' corrections."""
    from pipeline.app import App
    from pipeline.classify.model import DEFAULT_MODEL_PATH
    from pipeline.jobs.train import train_relevance

    paths = list(items_paths) or [DATA_DIR / name for name in TRAINING_SETS
                                  if (DATA_DIR / name).is_file()]
    if not paths:
        raise ConfigError(f"no labelled items to train on in {DATA_DIR} (run from a checkout of "
                          "the project, or give --items FILE)")
    target = out or DEFAULT_MODEL_PATH
    try:
        report = train_relevance(app if corrections and isinstance(app, App) else None,
                                 paths, target)
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    meta = report.model.metadata
    click.echo(f"trained on {report.items} items ({report.relevant} relevant) from "
               f"{', '.join(f'{k} {v}' for k, v in meta['training_origins'].items())}")
    click.echo(f"cross-validated precision {report.cv_precision:.3f}, recall "
               f"{report.cv_recall:.3f}, threshold {report.model.threshold}")
    click.echo(f"model {report.model.version} written to {target}")
