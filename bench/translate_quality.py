"""Translation quality: chrF and BLEU per engine and direction, and glossary adherence.

    .venv/bin/python bench/translate_quality.py [--limit N]

Scores every available engine (Apertium; Argos only with real installed packages) on the
NTREX-128 sentences of ../shared/data/parallel/ (news, 200 lines, EN/FR/ES) for the six
directions with sacrebleu, then measures how many glossary terms of
tests/data/translate/glossary_sentences.tsv reach the output with and without the glossary.
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
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
    table = ["| engine | direction | chrF | BLEU | sentences | chrF of plain `apertium` |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for engine in engines:
        translator = Translator([engine])
        for source, target in DIRECTIONS:
            if (source, target) not in engine.pairs():
                table.append(f"| {engine.name} | {source}→{target} | – | – | 0 | – |")
                continue
            hyps = [r.text for r in translator.translate_segments(
                [row[source] for row in rows], source, target)]
            refs = [[row[target] for row in rows]]
            chrf = sacrebleu.corpus_chrf(hyps, refs).score
            bleu = sacrebleu.corpus_bleu(hyps, refs).score
            plain = "–"
            if engine.name == "apertium":
                raw = raw_apertium([row[source] for row in rows], source, target)
                plain = f"{sacrebleu.corpus_chrf(raw, refs).score:.1f}"
            report(f"{engine.name} {source}→{target} chrF / BLEU, {len(hyps)} NTREX lines",
                   f"{chrf:.1f} / {bleu:.1f}", value=chrf)
            table.append(f"| {engine.name} {engine.version} | {source}→{target} | {chrf:.1f} "
                         f"| {bleu:.1f} | {len(hyps)} | {plain} |")
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
                results = Translator([engine], glossary=used).translate_segments(
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


if __name__ == "__main__":
    main()
