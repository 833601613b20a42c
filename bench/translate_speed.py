"""Translation speed: the project's engines against their naive use, measured in the same run.

    .venv/bin/python bench/translate_speed.py [--sentences 2000] [--baseline-sample 100]

1. Apertium: N French sentences (NTREX-128 sentences, made distinct by a numbered suffix)
   through ``ApertiumEngine.translate_batch`` (many sentences per process) against one
   ``apertium fr-es`` process per sentence. The per-sentence baseline is timed on a sample and
   extrapolated to N (said in the output).
2. Argos: the tiny random-weight test package (built here, as the tests do) through
   ``ArgosEngine.translate_batch`` (one CTranslate2 call) against
   ``argostranslate.translate.translate`` called once per sentence. argostranslate's sentence
   splitter (MiniSBD, which would download a model) is replaced by "one sentence = one chunk"
   for the baseline. Same beam size (4) and decoding limit (256) on both sides.
3. Translation memory: a second pass of the N sentences through ``Translator`` with an
   in-memory memory: engine calls counted (must be 0).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
_TMP = tempfile.mkdtemp(prefix="bench-translate-")
for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
    os.environ[var] = str(Path(_TMP) / var.lower())  # argostranslate reads these on import
os.environ["ARGOS_PACKAGES_DIR"] = str(Path(_TMP) / "argos-packages")

from pipeline.translate import ApertiumEngine, ArgosEngine, install_package  # noqa: E402
from pipeline.translate.memory import InMemoryTranslationMemory  # noqa: E402
from pipeline.translate.segment import split_sentences  # noqa: E402
from pipeline.translate.translator import Translator  # noqa: E402
from tests.translate.tiny_argos import build_package  # noqa: E402

NTREX = ROOT.parent / "shared/data/parallel/ntrex128/ntrex128.dev200.en-fr-es.tsv"
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


def bench_apertium(sentences: list[str], sample: int) -> None:
    engine = ApertiumEngine()
    if ("fr", "es") not in engine.pairs():
        print("apertium: not installed, skipped")
        return
    start = time.perf_counter()
    results = engine.translate_batch(sentences, "fr", "es")
    batched = time.perf_counter() - start
    runs = engine.process_runs
    assert len(results) == len(sentences)
    start = time.perf_counter()
    for sentence in sentences[:sample]:
        subprocess.run(["apertium", "-u", "fr-es"], input=sentence, capture_output=True,
                       text=True, check=True)
    per_sentence = (time.perf_counter() - start) / sample
    naive = per_sentence * len(sentences)
    print(f"apertium fr→es, {len(sentences)} sentences")
    print(f"  project engine (batched): {batched:.2f} s "
          f"({runs} processes incl. 2 for -l/-V, {len(sentences) / batched:.0f} sentences/s)")
    print(f"  one process per sentence: {per_sentence * 1000:.0f} ms/sentence measured on "
          f"{sample} sentences → {naive:.1f} s extrapolated to {len(sentences)}")
    print(f"  speed-up: {naive / batched:.1f}x (target ≥ 20x)")


def bench_argos(sentences: list[str]) -> None:
    import argostranslate.sbd
    import argostranslate.translate

    archive = build_package(Path(_TMP) / "build", "fr", "en")
    install_package(archive, Path(os.environ["ARGOS_PACKAGES_DIR"]))

    def one_chunk(self: object, text: str) -> list[str]:
        return [text]

    argostranslate.sbd.MiniSBDSentencizer.split_sentences = one_chunk  # type: ignore[method-assign]
    engine = ArgosEngine([Path(os.environ["ARGOS_PACKAGES_DIR"])], beam_size=4,
                         max_decoding_length=256)
    engine.translate_batch(sentences[:2], "fr", "en")  # load the model outside the timing
    argostranslate.translate.translate(sentences[0], "fr", "en")
    start = time.perf_counter()
    engine.translate_batch(sentences, "fr", "en")
    batched = time.perf_counter() - start
    start = time.perf_counter()
    for sentence in sentences:
        argostranslate.translate.translate(sentence, "fr", "en")
    naive = time.perf_counter() - start
    print(f"argos fr→en (tiny random test model), {len(sentences)} sentences")
    print(f"  project engine (one translate_batch call): {batched:.2f} s")
    print(f"  argostranslate.translate.translate per sentence: {naive:.2f} s")
    print(f"  speed-up: {naive / batched:.1f}x (target ≥ 3x)")


def bench_memory(sentences: list[str]) -> None:
    engine = ApertiumEngine()
    if ("fr", "es") not in engine.pairs():
        return
    translator = Translator([engine], memory=InMemoryTranslationMemory())
    start = time.perf_counter()
    first = translator.translate_segments(sentences, "fr", "es")
    first_time = time.perf_counter() - start
    calls, sent = translator.engine_calls, translator.sentences_sent
    start = time.perf_counter()
    second = translator.translate_segments(sentences, "fr", "es")
    second_time = time.perf_counter() - start
    assert [r.text for r in first] == [r.text for r in second]
    print(f"translation memory, {len(sentences)} sentences fr→es")
    print(f"  first pass: {first_time:.2f} s, {calls} engine call(s), {sent} sentences sent")
    print(f"  second pass: {second_time:.2f} s, {translator.engine_calls - calls} engine calls, "
          f"{translator.sentences_sent - sent} sentences sent "
          f"({first_time / second_time:.0f}x faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--baseline-sample", type=int, default=100)
    parser.add_argument("--argos-sentences", type=int, default=200)
    args = parser.parse_args()
    sentences = french_sentences(args.sentences)
    bench_apertium(sentences, args.baseline_sample)
    bench_argos(sentences[: args.argos_sentences])
    bench_memory(sentences)


if __name__ == "__main__":
    main()
