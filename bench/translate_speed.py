"""Translation speed: the project's engines against their naive use, measured in the same run.

    .venv/bin/python bench/translate_speed.py [--sentences 2000] [--baseline-sample 20]
                                              [--argos-sentences 200] [--pairs 5]

Every ratio is the median of ``--pairs`` interleaved pairs, CPU time beside wall time.

1. Apertium: N French sentences (NTREX-128 sentences, made distinct by a numbered suffix)
   through ``ApertiumEngine.translate_batch`` (many sentences per process) against one
   ``apertium -u fr-es`` process per sentence. The per-sentence baseline is timed on a sample
   of each pair and compared per sentence (said in the output). Target ≥ 20×.
2. Argos: the tiny random-weight test package (built here, as the tests do) through
   ``ArgosEngine.translate_batch`` (one CTranslate2 call) against argostranslate's own API,
   ``argostranslate.translate.translate``, once per sentence. argostranslate's sentence
   splitter (MiniSBD, which would download a model) is replaced by "one sentence = one chunk".
   Both decode with argostranslate's settings: the outputs must be identical (counted), and
   the speed-up ≥ 3×.
3. Translation memory: a second pass of the N sentences through ``Translator`` with an
   in-memory memory: engine calls counted (must be 0).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
from pathlib import Path

from harness import ROOT, measure, note_load, report, run_pairs

_TMP = tempfile.mkdtemp(prefix="bench-translate-")
for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[var] = str(Path(_TMP) / var.lower())  # argostranslate reads these on import
os.environ["ARGOS_PACKAGES_DIR"] = str(Path(_TMP) / "argos-packages")

from pipeline.translate import ApertiumEngine, ArgosEngine, install_package  # noqa: E402
from pipeline.translate.memory import InMemoryTranslationMemory  # noqa: E402
from pipeline.translate.segment import split_sentences  # noqa: E402
from pipeline.translate.translator import Translator  # noqa: E402
from tests.translate.tiny_argos import build_package  # noqa: E402

NTREX = ROOT / "tests" / "data" / "classify" / "ntrex128.dev200.en-fr-es.tsv"
NTREX_LOCAL = ROOT / "tests" / "data" / "translate" / "ntrex128.head30.en-fr-es.tsv"


def french_sentences(count: int) -> list[str]:
    path = NTREX if NTREX.is_file() else NTREX_LOCAL
    base = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        fr = line.split("\t")[3]
        base += [p.text for p in split_sentences(fr, "fr") if p.text.strip()]
    sentences = []
    round_ = 0
    while len(sentences) < count:
        round_ += 1
        for s in base:
            sentences.append(s if round_ == 1 else f"{s[:-1]} (série {round_}){s[-1]}")
    return sentences[:count]


def bench_apertium(sentences: list[str], sample: int, pairs: int) -> None:
    engine = ApertiumEngine()
    if ("fr", "es") not in engine.pairs():
        print("apertium: not installed, skipped")
        report("Apertium fr→es batch vs one process per sentence", "not measured (no apertium)",
               "≥ 20×", False)
        return
    engine.translate_batch(sentences[:5], "fr", "en")  # mode list read once, outside the timing
    batches: list[float] = []
    singles: list[float] = []
    cpu_ratios: list[float] = []
    for index in range(pairs):
        def batched() -> None:
            assert len(engine.translate_batch(sentences, "fr", "es")) == len(sentences)

        def one_each(index: int = index) -> None:
            start = index * sample % max(len(sentences) - sample, 1)
            for sentence in sentences[start:start + sample]:
                subprocess.run(["apertium", "-u", "fr-es"], input=sentence,
                               capture_output=True, text=True, check=True)

        order = [("ours", batched), ("base", one_each)]
        for side, work in order if index % 2 == 0 else order[::-1]:
            taken, _ = measure(work)
            if side == "ours":
                ours = (taken.wall / len(sentences), taken.cpu / len(sentences))
            else:
                base = (taken.wall / sample, taken.cpu / sample)
        batches.append(ours[0])
        singles.append(base[0])
        cpu_ratios.append(base[1] / ours[1])
    ratios = [b / o for o, b in zip(batches, singles, strict=True)]
    speedup = statistics.median(ratios)
    print(f"apertium fr→es: batch of {len(sentences)} sentences "
          f"{statistics.median(batches) * 1000:.2f} ms/sentence; one process per sentence "
          f"(sample of {sample} per pair) {statistics.median(singles) * 1000:.0f} ms/sentence; "
          f"speed-up {speedup:.1f}x wall ({min(ratios):.1f}-{max(ratios):.1f}), "
          f"{statistics.median(cpu_ratios):.1f}x CPU, median of {pairs} pairs")
    report(f"Apertium fr→es, {len(sentences):,} sentences: batch vs one process per sentence",
           f"{speedup:.0f}× wall, {statistics.median(cpu_ratios):.0f}× CPU (per sentence; "
           f"baseline on {sample} sentences per pair)", "≥ 20×", speedup >= 20, speedup)


def bench_argos(sentences: list[str], pairs: int) -> None:
    import argostranslate.sbd
    import argostranslate.translate

    archive = build_package(Path(_TMP) / "build", "fr", "en")
    install_package(archive, Path(os.environ["ARGOS_PACKAGES_DIR"]))

    def one_chunk(self: object, text: str) -> list[str]:
        return [text]

    argostranslate.sbd.MiniSBDSentencizer.split_sentences = one_chunk  # type: ignore[method-assign]
    engine = ArgosEngine([Path(os.environ["ARGOS_PACKAGES_DIR"])])
    engine.translate_batch(sentences[:2], "fr", "en")  # load the model outside the timing
    argostranslate.translate.translate(sentences[0], "fr", "en")
    outputs: dict[str, list[str]] = {}

    def ours() -> None:
        outputs["ours"] = [r.text for r in engine.translate_batch(sentences, "fr", "en")]

    def theirs() -> None:
        outputs["base"] = [argostranslate.translate.translate(s, "fr", "en") for s in sentences]

    result = run_pairs(ours, theirs, pairs)
    same = sum(a == b for a, b in zip(outputs["ours"], outputs["base"], strict=True))
    print(f"argos fr→en (tiny random test model), {len(sentences)} sentences: "
          + result.describe("ArgosEngine.translate_batch", "argostranslate.translate.translate"))
    print(f"  identical outputs: {same}/{len(sentences)}")
    report(f"Argos fr→en, {len(sentences)} sentences: outputs identical to argostranslate's",
           f"{same}/{len(sentences)}", f"{len(sentences)}/{len(sentences)}",
           same == len(sentences), same)
    report(f"Argos fr→en, {len(sentences)} sentences: batch vs argostranslate's API",
           f"{result.speedup:.1f}× wall, {result.cpu_speedup:.1f}× CPU (tiny test model)",
           "≥ 3×", result.speedup >= 3, result.speedup)


def bench_memory(sentences: list[str]) -> None:
    engine = ApertiumEngine()
    if ("fr", "es") not in engine.pairs():
        return
    translator = Translator([engine], memory=InMemoryTranslationMemory())
    first_time, first = measure(lambda: translator.translate_segments(sentences, "fr", "es"))
    calls, sent = translator.engine_calls, translator.sentences_sent
    second_time, second = measure(lambda: translator.translate_segments(sentences, "fr", "es"))
    assert [r.text for r in first] == [r.text for r in second]
    extra_calls = translator.engine_calls - calls
    print(f"translation memory, {len(sentences)} sentences fr→es: first pass "
          f"{first_time.wall:.2f} s ({calls} engine call(s), {sent} sentences sent); "
          f"second pass {second_time.wall:.2f} s, "
          f"{extra_calls} engine calls, {translator.sentences_sent - sent} sentences sent")
    report("Translation memory, second pass over the same sentences: engine calls",
           f"{extra_calls} ({first_time.wall / second_time.wall:.0f}× faster than the first)",
           "0 calls", extra_calls == 0, extra_calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--baseline-sample", type=int, default=20)
    parser.add_argument("--argos-sentences", type=int, default=200)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args()
    note_load("start")
    sentences = french_sentences(args.sentences)
    bench_apertium(sentences, args.baseline_sample, args.pairs)
    bench_argos(sentences[: args.argos_sentences], args.pairs)
    bench_memory(sentences)
    note_load("end")


if __name__ == "__main__":
    main()
