"""Classification throughput on one core, with the relevance model's cost reported apart.

Items are assembled from the real texts of the labelled sets (tests/data/classify, same language):
"feed" items are the general-outlet set's own items (feed titles and summaries, page excerpts);
"real" items take the title of one item of items.jsonl and the text of another, so sizes follow
that set (feed summaries to article excerpts; the distribution earlier figures used); "long"
items take 3-6 paragraphs of others (article bodies).

Measured in one process, in rounds; each round runs, on the same items and in this order:

- baseline: cleaning, tokenising and stemming (the bare text work any classifier does);
- rules: ``classify_item(..., use_model=False)`` (language, taxonomy matching, themes, regions);
- rules + model: ``classify_item(...)`` with the bundled relevance model;
- model alone: the model's features and prediction from the rules' evidence computed beforehand
  (what the model adds: features from the rules' stems, weights, explanation).

Figures are medians over the rounds of CPU time (``time.process_time``: what one core spends) with
wall time beside it; the machine's load average is printed before and after.

Run: .venv/bin/python bench/classify_throughput.py [N] [ROUNDS]
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from harness import report

from pipeline.classify import classify_item, load_default_gazetteer, load_default_taxonomy
from pipeline.classify.features import item_features
from pipeline.classify.model import load_default_model
from pipeline.classify.rules import RuleEvidence, read_rules
from pipeline.classify.text import (
    TEXT_MAX_CHARS,
    TITLE_MAX_CHARS,
    clean_text,
    get_stemmer,
    tokenize_words,
)

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "classify"

Item = tuple[str, str, str]


def read_set(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


def build_items(count: int, kind: str = "real", seed: int = 4) -> list[Item]:
    rng = random.Random(seed)
    if kind == "feed":
        general = read_set("general_items.jsonl")
        return [(str(i["lang"]), str(i["title"]), str(i["text"]))
                for i in (rng.choice(general) for _ in range(count))]
    real = read_set("items.jsonl")
    texts: dict[str, list[str]] = {}
    paragraphs: dict[str, list[str]] = {}
    for item in real:
        lang = str(item["lang"])
        texts.setdefault(lang, []).append(str(item["text"]))
        for para in str(item["text"]).split("\n"):
            if len(para) > 80:
                paragraphs.setdefault(lang, []).append(para)
    out = []
    for _ in range(count):
        item = rng.choice(real)
        lang = str(item["lang"])
        if kind == "real":
            body = rng.choice(texts[lang])
        else:
            pool = paragraphs.get(lang) or paragraphs["en"]
            body = "\n".join(rng.choice(pool) for _ in range(rng.randint(3, 6)))
        out.append((lang, str(item["title"]), body))
    return out


def run_baseline(items: list[Item]) -> None:
    for lang, title, body in items:
        stemmer = get_stemmer(lang)
        stemmer.stem_words(tokenize_words(clean_text(title, TITLE_MAX_CHARS)))
        stemmer.stem_words(tokenize_words(clean_text(body, TEXT_MAX_CHARS)))


def run_rules(items: list[Item]) -> None:
    for _lang, title, body in items:
        classify_item(title, body, use_model=False)


def run_full(items: list[Item]) -> None:
    for _lang, title, body in items:
        classify_item(title, body)


def model_alone(evidence: list[RuleEvidence]) -> Callable[[list[Item]], None]:
    model = load_default_model()
    taxonomy = load_default_taxonomy()
    assert model is not None, "no bundled relevance model"
    threshold = taxonomy.settings["relevance_threshold"]

    def run(_items: list[Item]) -> None:
        for rules in evidence:
            model.predict(item_features(
                rules.lang, rules.title_words, rules.title_stems, rules.body_stems,
                stop_stems=taxonomy.stopwords.get(rules.lang, frozenset()),
                rule_scores=rules.rule_scores(), rule_threshold=threshold))
    return run


def measure(items: list[Item], rounds: int) -> dict[str, tuple[float, float]]:
    """Median (CPU, wall) seconds of each step over ``rounds`` interleaved rounds."""
    taxonomy = load_default_taxonomy()
    evidence = [read_rules(taxonomy, title, body) for _lang, title, body in items]
    steps: dict[str, Callable[[list[Item]], None]] = {
        "baseline": run_baseline, "rules": run_rules, "rules + model": run_full,
        "model alone": model_alone(evidence)}
    cpu: dict[str, list[float]] = {name: [] for name in steps}
    wall: dict[str, list[float]] = {name: [] for name in steps}
    for _round in range(rounds):
        for name, func in steps.items():
            start_cpu, start_wall = time.process_time(), time.perf_counter()
            func(items)
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start_wall)
    return {name: (statistics.median(cpu[name]), statistics.median(wall[name])) for name in steps}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 4_000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    print("load average before: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
    load_default_taxonomy()
    load_default_gazetteer()
    classify_item("warm-up", "warm up the caches and models")
    for kind in ("feed", "real", "long"):
        items = build_items(count, kind)
        mean_chars = statistics.mean(len(t) + len(b) for _, t, b in items)
        run_full(items)  # warm the caches (stems, features, weights) as a running pipeline has
        results = measure(items, rounds)
        print(f"\n[{kind}] {count} items, mean size {mean_chars:.0f} characters, "
              f"median of {rounds} rounds")
        print(f"{'step':<16}{'items/s (CPU)':>15}{'ms/item (CPU)':>15}{'items/s (wall)':>16}")
        for name, (cpu, wall) in results.items():
            print(f"{name:<16}{count / cpu:>15,.0f}{1000 * cpu / count:>15.3f}"
                  f"{count / wall:>16,.0f}")
        model_cost = results["rules + model"][0] - results["rules"][0]
        print(f"model cost inside classify_item: {1000 * model_cost / count:.3f} ms/item (CPU); "
              f"classify_item / baseline CPU time: "
              f"{results['rules + model'][0] / results['baseline'][0]:.2f}")
        cpu, wall = results["rules + model"]
        real = kind == "real"
        report(f"classify_item (rules + model), {kind} items ({mean_chars:,.0f} chars): "
               "items/s per core", f"{count / cpu:,.0f} by CPU time ({count / wall:,.0f} by wall); "
               f"baseline {count / results['baseline'][0]:,.0f}; model "
               f"{1000 * model_cost / count:.3f} ms/item", "≥ 2,000" if real else "—",
               count / cpu >= 2000 if real else None, count / cpu)
    print("\nload average after: {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
