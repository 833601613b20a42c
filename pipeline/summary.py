"""The short summary an edition shows: two or three whole sentences, never a cut word.

Feeds often give a teaser cut mid-sentence ("…") while the article page gives the full text;
the summary prefers whole sentences from the start of the body, and falls back to the feed's
summary trimmed at a sentence or word boundary.
"""

from __future__ import annotations

import re

MAX_SUMMARY_CHARS = 420
_SENTENCE_END = re.compile(r"(?<=[.!?»\"”])\s+(?=[«\"“¿¡A-ZÀ-ÖØ-Þ0-9])")
_SPACES = re.compile(r"\s+")


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(_SPACES.sub(" ", text).strip()) if s.strip()]


def make_summary(summary: str, body: str, title: str = "",
                 max_chars: int = MAX_SUMMARY_CHARS) -> str:
    """Two or three sentences (at most ``max_chars``), not repeating the title."""
    source = body if len(body.strip()) > len(summary.strip()) else summary
    sentences = split_sentences(source)
    if sentences and title and _same(sentences[0], title):
        sentences = sentences[1:]
    chosen: list[str] = []
    for sentence in sentences:
        if len(chosen) >= 3 or (chosen and len(" ".join([*chosen, sentence])) > max_chars):
            break
        chosen.append(sentence)
    text = " ".join(chosen)
    if not chosen or len(text) > max_chars:
        text = _trim_words(" ".join(sentences) if not chosen else text, max_chars)
    return text


def _same(a: str, b: str) -> bool:
    def norm(s: str) -> str:
        return re.sub(r"\W+", " ", s).strip().lower()
    a, b = norm(a), norm(b)
    return a == b or a.startswith(b) or (len(a) >= 40 and b.startswith(a))


def _trim_words(text: str, max_chars: int) -> str:
    text = text.rstrip(" …").strip()
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + " …"
