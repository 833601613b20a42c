"""Translation quality: chrF and BLEU per engine and direction, glossary adherence, names kept.

    .venv/bin/python bench/translate_quality.py [--limit N]

Scores every available engine (Apertium; Argos only with real installed packages) on the
NTREX-128 sentences of ../shared/data/parallel/ (news, 200 lines, EN/FR/ES) for the six
directions with sacrebleu — plain, with the glossary, with the glossary and name protection —
then measures how many glossary terms of tests/data/translate/glossary_sentences.tsv reach the
output with and without the glossary, and how many hand-marked names of
tests/data/translate/names_sentences.jsonl come out as written (plain `apertium`, the
translator without name protection, and with it). Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import sacrebleu
from harness import ROOT, report

from pipeline.translate import ApertiumEngine, ArgosEngine, load_glossary
from pipeline.translate.engines import Engine
from pipeline.translate.translator import Translator

NTREX = ROOT / "tests" / "data" / "classify" / "ntrex128.dev200.en-fr-es.tsv"  # ../shared's copy
NTREX_LOCAL = ROOT / "tests" / "data" / "translate" / "ntrex128.head30.en-fr-es.tsv"
GLOSSARY_SET = ROOT / "tests" / "data" / "translate" / "glossary_sentences.tsv"
NAMES_SET = ROOT / "tests" / "data" / "translate" / "names_sentences.jsonl"
DIRECTIONS = [("en", "fr"), ("fr", "en"), ("en", "es"), ("es", "en"), ("fr", "es"), ("es", "fr")]


def read_tsv(path: Path) -> list[dict[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def available_engines() -> list[Engine]:
    engines: list[Engine] = []
    apertium = ApertiumEngine()
    if apertium.pairs():
        engines.append(apertium)
    argos = ArgosEngine()
    real = {k: p for k, p in argos.packages.items() if "tiny" not in p.path.name}
    if real:
        engines.append(argos)
    return engines


def raw_apertium(lines: list[str], source: str, target: str) -> list[str]:
    """The same lines through plain ``apertium -u MODE`` (chained through Spanish)."""
    modes = ApertiumEngine().modes
    legs = [(source, target)] if (source, target) in modes else [(source, "es"), ("es", target)]
    text = "\n".join(lines) + "\n"
    for leg in legs:
        text = subprocess.run(["apertium", "-u", modes[leg]], input=text, capture_output=True,
                              text=True, check=True).stdout
    return text.split("\n")[: len(lines)]


def score_engines(engines: list[Engine], rows: list[dict[str, str]]) -> list[str]:
    glossary = load_glossary(ROOT / "translations" / "glossary.toml")
    table = ["| engine | direction | chrF | BLEU | chrF with glossary | chrF with glossary and "
             "names protected | sentences | chrF of plain `apertium` |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for engine in engines:
        variants = [Translator([engine], protect_names=False),
                    Translator([engine], glossary=glossary, protect_names=False),
                    Translator([engine], glossary=glossary, protect_names=True)]
        for source, target in DIRECTIONS:
            if (source, target) not in engine.pairs():
                table.append(f"| {engine.name} | {source}→{target} | – | – | – | – | 0 | – |")
                continue
            refs = [[row[target] for row in rows]]
            scores = []
            for translator in variants:
                hyps = [r.text for r in translator.translate_segments(
                    [row[source] for row in rows], source, target)]
                scores.append((sacrebleu.corpus_chrf(hyps, refs).score,
                               sacrebleu.corpus_bleu(hyps, refs).score))
            plain = "–"
            if engine.name == "apertium":
                raw = raw_apertium([row[source] for row in rows], source, target)
                plain = f"{sacrebleu.corpus_chrf(raw, refs).score:.2f}"
            report(f"{engine.name} {source}→{target} chrF / BLEU, {len(rows)} NTREX lines "
                   "(glossary and names protected)",
                   f"{scores[2][0]:.1f} / {scores[2][1]:.1f}", value=scores[2][0])
            table.append(f"| {engine.name} {engine.version} | {source}→{target} | "
                         f"{scores[0][0]:.2f} | {scores[0][1]:.1f} | {scores[1][0]:.2f} | "
                         f"{scores[2][0]:.2f} | {len(rows)} | {plain} |")
    return table


def names_kept(engines: list[Engine]) -> list[str]:
    glossary = load_glossary(ROOT / "translations" / "glossary.toml")
    rows = [json.loads(line) for line in NAMES_SET.read_text(encoding="utf-8").splitlines()]
    table = ["| engine | direction | names | plain `apertium` | translator, names not protected "
             "| names protected |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    totals = [0, 0, 0, 0]
    for engine in engines:
        plainly = Translator([engine], glossary=glossary, protect_names=False)
        protected = Translator([engine], glossary=glossary, protect_names=True)
        for source, target in DIRECTIONS:
            if (source, target) not in engine.pairs():
                continue
            sentences = [row for row in rows if row["lang"] == source]
            texts = [row["text"] for row in sentences]
            outputs = [
                raw_apertium(texts, source, target) if engine.name == "apertium" else None,
                [r.text for r in plainly.translate_segments(texts, source, target)],
                [r.text for r in protected.translate_segments(texts, source, target)],
            ]
            total = sum(len(row["names"]) for row in sentences)
            counts = [sum(name in out for row, out in zip(sentences, variant, strict=True)
                          for name in row["names"]) if variant is not None else 0
                      for variant in outputs]
            totals = [totals[0] + total, *(t + c for t, c in zip(totals[1:], counts,
                                                                  strict=True))]
            table.append(f"| {engine.name} | {source}→{target} | {total} | "
                         + " | ".join(f"{c}/{total} ({c / total:.3f})" for c in counts) + " |")
    if totals[0]:
        table.append("| **all** | | " f"{totals[0]} | " + " | ".join(
            f"**{c}/{totals[0]} ({c / totals[0]:.3f})**" for c in totals[1:]) + " |")
    return table


def glossary_adherence(engines: list[Engine]) -> list[str]:
    glossary = load_glossary(ROOT / "translations" / "glossary.toml")
    rows = read_tsv(GLOSSARY_SET)
    table = ["| engine | direction | terms kept without glossary | with glossary | "
             "violations flagged |", "| --- | --- | ---: | ---: | ---: |"]
    for engine in engines:
        for source, target in DIRECTIONS:
            if (source, target) not in engine.pairs():
                continue
            counts = []
            flagged = 0
            for used in (None, glossary):
                results = Translator([engine], glossary=used, protect_names=used is not None
                                     ).translate_segments(
                    [row[source] for row in rows], source, target)
                kept = total = 0
                for row, result in zip(rows, results, strict=True):
                    for match in glossary.find_terms(row[source], source, target):
                        total += 1
                        kept += match.target_text.lower() in result.text.lower()
                    if used is not None:
                        flagged += "glossary_violation" in result.flags
                counts.append((kept, total))
            (k0, t0), (k1, t1) = counts
            report(f"{engine.name} {source}→{target} glossary terms kept, without / with glossary",
                   f"{k0}/{t0} / {k1}/{t1}", value=k1 / max(t1, 1))
            table.append(f"| {engine.name} | {source}→{target} | {k0}/{t0} ({100 * k0 / t0:.0f}%)"
                         f" | {k1}/{t1} ({100 * k1 / t1:.0f}%) | {flagged} |")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=200, help="NTREX lines to score")
    args = parser.parse_args()
    source = NTREX if NTREX.is_file() else NTREX_LOCAL
    rows = read_tsv(source)[: args.limit]
    engines = available_engines()
    if not engines:
        sys.exit("no translation engine available (apt-get install apertium apertium-eng-spa "
                 "apertium-fr-es)")
    print(f"## chrF and BLEU on {source.name} ({len(rows)} lines), sacrebleu "
          f"{sacrebleu.__version__}\n")
    print("\n".join(score_engines(engines, rows)))
    print(f"\n## Glossary adherence on {GLOSSARY_SET.name}\n")
    print("\n".join(glossary_adherence(engines)))
    print(f"\n## Names kept as written on {NAMES_SET.name}\n")
    print("\n".join(names_kept(engines)))


if __name__ == "__main__":
    main()
