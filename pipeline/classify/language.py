"""Language identification with py3langid restricted to the languages sources bring.

Chosen by measurement (``bench/classify_langid.py``, figures in docs/benchmarks.md):
py3langid restricted to the candidate set below was as accurate as lingua's high-accuracy mode on
titles and sentences in FR/EN/ES/PT/IT/DE and about ten times faster; unrestricted, py3langid
confuses short Spanish and English titles with minority languages (Extremaduran, Pidgin).
Text mostly in a script outside the candidate set goes to the unrestricted model so that Thai or
Korean are still named rather than forced into a Latin-script language.
"""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import LanguageIdentifier, _load_identifier

UNDETERMINED = "und"
CANDIDATE_LANGUAGES: tuple[str, ...] = (
    "fr", "en", "es", "pt", "de", "it", "nl", "ca", "ro", "pl",
    "sw", "id", "vi", "tr", "ru", "ar", "zh", "ja",
)  # fmt: skip
DETECT_MAX_CHARS = 300
"""Characters looked at: detection on more text gains nothing measurable and costs time."""
MIN_LETTERS = 3

_LETTER_RE = re.compile(r"[^\W\d_]")
_COVERED_RANGES = (
    "A-Za-z\u00c0-\u024f\u1e00-\u1eff"  # Latin
    "\u0400-\u04ff"  # Cyrillic
    "\u0600-\u06ff\u0750-\u077f"  # Arabic
    "\u3040-\u30ff\u4e00-\u9fff"  # kana and CJK ideographs
)
_COVERED_RE = re.compile(f"[{_COVERED_RANGES}]")
_UNCOVERED_LETTER_RE = re.compile(rf"[^\W\d_{_COVERED_RANGES}]")
"""A letter outside the covered scripts (a word character that is no digit, no "_" and in no
covered range)."""
_ENOUGH_LETTERS_RE = re.compile(rf"[^\W\d_](?:.*?[^\W\d_]){{{MIN_LETTERS - 1}}}", re.S)


@lru_cache(maxsize=1)
def load_identifier() -> LanguageIdentifier:
    """The py3langid model restricted to :data:`CANDIDATE_LANGUAGES` (loaded once)."""
    return _load_identifier(langs=list(CANDIDATE_LANGUAGES))


@lru_cache(maxsize=1)
def load_full_identifier() -> LanguageIdentifier:
    """The unrestricted py3langid model (97 languages), for scripts outside the candidates."""
    return _load_identifier()


def count_script_letters(text: str) -> tuple[int, int]:
    """(letters, letters in a script the candidate languages use) in ``text``."""
    letters = len(_LETTER_RE.findall(text))
    if text.isascii():
        return letters, letters
    return letters, len(_COVERED_RE.findall(text))


def detect_language(text: str) -> str:
    """ISO 639-1 code of the language of ``text``, or ``"und"`` when it cannot be told.

    Never raises; looks at most at :data:`DETECT_MAX_CHARS` characters.
    """
    sample = text[:DETECT_MAX_CHARS]
    if _UNCOVERED_LETTER_RE.search(sample) is None:
        # every letter is in a covered script (most texts): only "are there enough letters?"
        # is left to ask, without counting them all
        if _ENOUGH_LETTERS_RE.search(sample) is None:
            return UNDETERMINED
        identifier = load_identifier()
    else:
        letters, covered = count_script_letters(sample)
        if letters < MIN_LETTERS:
            return UNDETERMINED
        identifier = load_identifier() if covered * 2 >= letters else load_full_identifier()
    lang, _score = identifier.classify(sample)
    return str(lang) if lang else UNDETERMINED
