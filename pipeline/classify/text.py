"""Text preparation shared by the classifier: cleaning, bounding, tokenising and stemming.

Everything here is pure and bounded: input longer than the caps is cut before any regular
expression runs over it, so a 5 MB body costs no more than a long article.
"""

from __future__ import annotations

import html
import operator
import re
import unicodedata
from collections.abc import Iterable

import snowballstemmer

TITLE_MAX_CHARS = 1_000
TEXT_MAX_CHARS = 12_000
"""Characters of body text looked at (about 2,000 words: the lead and the first sections)."""

MAX_STEM_CHARS = 40
"""Longer tokens are not stemmed (no keyword is that long; Snowball slows down on them)."""

STEMMER_NAMES: dict[str, str] = {
    "fr": "french",
    "en": "english",
    "es": "spanish",
    "pt": "portuguese",
    "de": "german",
    "it": "italian",
}

_TAG_RE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>|<!--.*?-->|<[^>]{0,2000}>", re.S | re.I)
_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+")
_THOUSANDS_RE = re.compile(r"(\d)[.,\u00a0\u202f ](?=\d{3}(?!\d))")
"""A digit and the thousands separator after it; the digit is put back (measured faster than a
look-behind for the digit)."""
_KEEP_DIGIT = operator.itemgetter(1)
"""The replacement: the digit alone (a function: a template such as ``r"\\1"`` is parsed by a
Python-level call on every ``sub``)."""


def clean_text(text: str, max_chars: int) -> str:
    """Strip HTML left in ``text``, unescape entities, drop NULs and cut to ``max_chars``.

    The input is cut (with some slack for tags) before any regular expression runs.
    """
    if not text:
        return ""
    text = text[: max_chars * 2]
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.replace("\x00", " ")
    return text.strip()[:max_chars]


def fold_accents(word: str) -> str:
    """``"Côte"`` → ``"Cote"``: drop combining marks (keeps the case)."""
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


FOLDED_WORDS: dict[str, str] = {}
FOLD_CACHE_MAX = 200_000


def fold_word(word: str) -> str:
    """``"Côte"`` → ``"cote"``: lower case and accents dropped, cached."""
    folded = FOLDED_WORDS.get(word)
    if folded is None:
        if len(FOLDED_WORDS) >= FOLD_CACHE_MAX:
            FOLDED_WORDS.clear()
        folded = FOLDED_WORDS[word] = fold_accents(word.lower())
    return folded


def tokenize_words(text: str) -> list[str]:
    """Words of ``text`` in their original case: runs of letters or of digits.

    Hyphens and apostrophes split words ("l'agroécologie" → "l", "agroécologie"), and so does
    a change from letters to digits ("COP28" → "COP", "28"), in keywords and texts alike.
    Thousands separators are dropped ("1.000", "1 000" and "1,000" → "1000").
    """
    return _TOKEN_RE.findall(_THOUSANDS_RE.sub(_KEEP_DIGIT, text))


class Stemmer:
    """A cached Snowball stemmer for one language that also folds accents and case.

    ``stem("Séquestration")`` → ``"sequestr"``. Unknown languages fall back to case and accent
    folding only. The cache is bounded so a text full of unique tokens cannot grow it forever.
    """

    CACHE_MAX = 200_000

    def __init__(self, lang: str) -> None:
        self.lang = lang
        name = STEMMER_NAMES.get(lang)
        self._stemmer = snowballstemmer.stemmer(name) if name else None
        self._cache: dict[str, str] = {}

    def stem(self, word: str) -> str:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        lowered = word.lower()
        if self._stemmer is None or len(word) > MAX_STEM_CHARS:
            stemmed = lowered  # Snowball is slow on huge tokens, and they are no keywords
        else:
            stemmed = self._stemmer.stemWord(lowered)
        result = fold_accents(stemmed)
        if len(self._cache) >= self.CACHE_MAX:
            self._cache.clear()
        self._cache[word] = result
        return result

    def stem_words(self, words: Iterable[str]) -> list[str]:
        """The stem of each word: one cache look-up per word (through ``map``, no Python
        frame per word); only the words not met before are stemmed."""
        words = words if isinstance(words, list) else list(words)
        stems = list(map(self._cache.get, words))
        if None in stems:
            stem = self.stem
            stems = [stem(word) if cached is None else cached
                     for word, cached in zip(words, stems, strict=True)]
        return stems  # type: ignore[return-value]


_STEMMERS: dict[str, Stemmer] = {}


def get_stemmer(lang: str) -> Stemmer:
    """The shared :class:`Stemmer` for ``lang`` (one per process)."""
    stemmer = _STEMMERS.get(lang)
    if stemmer is None:
        stemmer = _STEMMERS[lang] = Stemmer(lang)
    return stemmer
