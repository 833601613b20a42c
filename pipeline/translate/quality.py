"""Light checks of a machine translation, shown to reviewers as flags.

- ``wrong_language``: the output does not look like the target language (py3langid, restricted
  to FR/EN/ES, only on texts long enough to tell);
- ``numbers_changed``: the numbers (digits) of the source and the output differ;
- ``length_ratio``: the output is far shorter or longer than the source.

Unknown words and glossary violations are flagged where they are found (engine, placeholders).
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from pipeline.records import LANGUAGES
from pipeline.translate.engines import (
    FLAG_LENGTH_RATIO,
    FLAG_NUMBERS_CHANGED,
    FLAG_WRONG_LANGUAGE,
)

MIN_LETTERS_FOR_LANGUAGE = 30
MIN_CONFIDENCE = 0.9
LENGTH_RATIO_RANGE = (0.4, 2.5)
MIN_CHARS_FOR_RATIO = 20
_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d{3})*(?:[.,]\d+)?")
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str) -> tuple[str | None, float]:
    """The most likely of FR/EN/ES and its probability; ``None`` when the text is too short."""
    if len(_LETTER.findall(text)) < MIN_LETTERS_FOR_LANGUAGE:
        return None, 0.0
    lang, probability = _identifier().classify(text)
    return str(lang), float(probability)


def is_in_language(text: str, lang: str) -> bool:
    """True when ``text`` is confidently written in ``lang``."""
    detected, probability = detect_language(text)
    return detected == lang and probability >= MIN_CONFIDENCE


def numbers_of(text: str) -> Counter[str]:
    """The numbers of a text, written without group or decimal separators (3,5 = 3.5 = 35)."""
    return Counter(re.sub(r"\D", "", n) for n in _NUMBER.findall(text))


def check_translation(source: str, translated: str, source_lang: str,
                      target_lang: str) -> tuple[str, ...]:
    """Flags for one translated sentence or segment."""
    flags: list[str] = []
    if source_lang != target_lang:
        detected, probability = detect_language(translated)
        if detected is not None and detected != target_lang and probability >= MIN_CONFIDENCE:
            flags.append(FLAG_WRONG_LANGUAGE)
    if numbers_of(source) != numbers_of(translated):
        flags.append(FLAG_NUMBERS_CHANGED)
    if len(source.strip()) >= MIN_CHARS_FOR_RATIO:
        ratio = len(translated.strip()) / len(source.strip())
        low, high = LENGTH_RATIO_RANGE
        if not low <= ratio <= high:
            flags.append(FLAG_LENGTH_RATIO)
    return tuple(flags)
