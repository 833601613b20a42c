"""Language identification: py3langid (unrestricted / restricted) against lingua, by measurement.

Accuracy and time per call on: titles alone (the labelled set: FR, EN, ES, PT, IT), short
sentences (NTREX-128 lines in EN, FR, ES) and long texts (NTREX documents and the labelled texts).
lingua (package lingua-language-detector) is optional: install it to include it in the table.

Run: .venv/bin/python bench/classify_langid.py
"""

from __future__ import annotations

import csv
import json
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from harness import report
from py3langid.langid import _load_identifier

from pipeline.classify.language import CANDIDATE_LANGUAGES, detect_language

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "classify"

Sample = tuple[str, str]


def load_samples() -> dict[str, list[Sample]]:
    items = [json.loads(line) for line in (DATA / "items.jsonl").read_text().splitlines()]
    with (DATA / "ntrex128.dev200.en-fr-es.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    docs: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        for lang in ("en", "fr", "es"):
            docs[row["doc_id"]][lang].append(row[lang])
    return {
        "titles": [(str(i["title"]), str(i["lang"])) for i in items if i["title"]],
        "sentences": [(row[lang], lang) for row in rows for lang in ("en", "fr", "es")],
        "long texts": [(" ".join(v), lang) for d in docs.values() for lang, v in d.items()]
        + [(str(i["text"]), str(i["lang"])) for i in items if len(str(i["text"])) > 500],
    }


def build_detectors() -> dict[str, Callable[[str], str]]:
    full = _load_identifier()
    restricted = _load_identifier(langs=list(CANDIDATE_LANGUAGES))
    detectors: dict[str, Callable[[str], str]] = {
        "py3langid (97 languages)": lambda t: str(full.classify(t)[0]),
        f"py3langid ({len(CANDIDATE_LANGUAGES)} candidates)": lambda t: str(
            restricted.classify(t)[0]
        ),
        "pipeline detect_language": detect_language,
    }
    try:
        from lingua import IsoCode639_1, LanguageDetectorBuilder
    except ImportError:
        print("lingua not installed: pip install lingua-language-detector to compare it\n")
        return detectors
    codes = [getattr(IsoCode639_1, c.upper()) for c in CANDIDATE_LANGUAGES]
    for name, builder in (
        ("lingua high accuracy", LanguageDetectorBuilder.from_iso_codes_639_1(*codes)),
        (
            "lingua low accuracy",
            LanguageDetectorBuilder.from_iso_codes_639_1(*codes).with_low_accuracy_mode(),
        ),
    ):
        detector = builder.build()

        def detect(text: str, detector: object = detector) -> str:
            found = detector.detect_language_of(text)  # type: ignore[attr-defined]
            return found.iso_code_639_1.name.lower() if found else "und"

        detectors[f"{name} ({len(codes)} candidates)"] = detect
    return detectors


def main() -> None:
    samples = load_samples()
    detectors = build_detectors()
    header = f"{'detector':<34}" + "".join(f"{name:>26}" for name in samples)
    print(header)
    baseline: dict[str, float] = {}
    for det_name, detect in detectors.items():
        for data in samples.values():  # warm up: load models lazily built on first use
            for text, _lang in data[:20]:
                detect(text)
        cells = []
        for set_name, data in samples.items():
            start = time.perf_counter()
            hits = sum(detect(text) == lang for text, lang in data)
            per_call = (time.perf_counter() - start) / len(data)
            baseline.setdefault(set_name, per_call)
            ratio = per_call / baseline[set_name]
            cells.append(f"{hits / len(data):.3f} {per_call * 1e6:5.0f}µs {ratio:4.1f}x")
            if det_name == "pipeline detect_language":
                titles = set_name == "titles"
                report(f"detect_language accuracy, {set_name} ({len(data)})",
                       f"{hits / len(data):.3f} ({per_call * 1e6:.0f} µs per call)",
                       "≥ 0.98" if titles else "—",
                       hits / len(data) >= 0.98 if titles else None, hits / len(data))
        print(f"{det_name:<34}" + "".join(f"{c:>26}" for c in cells))
    print("\naccuracy, time per call, time relative to the first row; sizes:",
          {k: len(v) for k, v in samples.items()})  # fmt: skip


if __name__ == "__main__":
    main()
