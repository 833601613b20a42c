"""Cut texts into translation segments and sentences, and put them back together.

A title, a summary or one body paragraph is a *segment*. Each segment is split into sentences
(the unit of the translation memory and of neural engines) with a per-language list of
abbreviations, so that ``M. Dupont``, ``Dr. Smith``, ``p. ej.`` or ``3.5`` do not end a
sentence. Sentences longer than ``max_chars`` are cut at a space. Joining the pieces with their
recorded separators gives back the segment exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "inc",
                     "ltd", "co", "jr", "sr", "no", "fig", "approx", "dept", "est", "jan",
                     "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
                     "dec", "u.s", "u.k", "gov", "gen", "rev", "vol", "al"}),
    "fr": frozenset({"m", "mm", "mme", "mmes", "mlle", "dr", "pr", "me", "st", "ste", "etc",
                     "cf", "p", "pp", "env", "av", "apr", "j.-c", "éd", "vol", "n°", "no",
                     "fig", "min", "max", "janv", "févr", "avr", "juil", "sept", "oct", "nov",
                     "déc", "al", "c.-à-d", "ex"}),
    "es": frozenset({"sr", "sra", "srta", "dr", "dra", "d", "dña", "ud", "uds", "etc", "pág",
                     "págs", "p", "ej", "p. ej", "núm", "vol", "fig", "aprox", "av", "avda",
                     "ene", "feb", "mar", "abr", "jun", "jul", "ago", "sept", "oct", "nov",
                     "dic", "al", "ee.uu", "cía", "lic", "ing"}),
}

# A sentence end: terminal punctuation, optional closing quotes/brackets, then spaces, then
# something that can start a sentence (capital, digit, opening quote, ¿ ¡).
_BOUNDARY = re.compile(
    r"(?P<end>[.!?…]+[\"'”’»)\]]*)(?P<space>\s+)(?=[\"'“‘«(\[¿¡]?\s?[A-ZÀ-ÖØ-Þ0-9])"
)
_WORD_BEFORE = re.compile(r"([\w.°-]+)$")
_PARAGRAPH = re.compile(r"(\n\s*)")


@dataclass(frozen=True, slots=True)
class Piece:
    """A sentence and the text that followed it in the segment."""

    text: str
    separator: str = ""


def split_sentences(text: str, lang: str, *, max_chars: int = 1000) -> list[Piece]:
    """Split one segment into sentences; ``"".join(p.text + p.separator)`` gives ``text``."""
    if not text.strip():
        return [Piece(text)] if text else []
    lead = text[: len(text) - len(text.lstrip())]
    body = text[len(lead):]
    abbreviations = ABBREVIATIONS.get(lang, frozenset())
    pieces: list[Piece] = []
    start = 0
    for m in _BOUNDARY.finditer(body):
        if m.group("end") == "." and _is_abbreviation(body[start:m.start()], abbreviations):
            continue
        pieces.append(Piece(body[start:m.end("end")], m.group("space")))
        start = m.end()
    tail = body[start:]
    stripped = tail.rstrip()
    pieces.append(Piece(stripped, tail[len(stripped):]))
    pieces = [cut for piece in pieces for cut in _cut_long(piece, max_chars)]
    if lead:
        pieces.insert(0, Piece("", lead))
    return pieces


def join_pieces(pieces: list[Piece]) -> str:
    return "".join(p.text + p.separator for p in pieces)


def split_paragraphs(text: str) -> list[Piece]:
    """Split a body into paragraphs (line breaks kept as separators)."""
    parts = _PARAGRAPH.split(text)
    return [Piece(parts[i], parts[i + 1] if i + 1 < len(parts) else "")
            for i in range(0, len(parts), 2)]


def _is_abbreviation(before: str, abbreviations: frozenset[str]) -> bool:
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if len(word) == 1 and word.isalpha():
        return True  # an initial: « J. Dupont »
    if word in abbreviations:
        return True
    last = before.rsplit(None, 1)[-1].lower().rstrip(".") if before.strip() else ""
    return last in abbreviations


def _cut_long(piece: Piece, max_chars: int) -> list[Piece]:
    """Cut a sentence longer than ``max_chars`` at spaces (or anywhere if it has none)."""
    text = piece.text
    if len(text) <= max_chars:
        return [piece]
    cuts: list[Piece] = []
    while len(text) > max_chars:
        at = text.rfind(" ", max_chars // 2, max_chars)
        if at <= 0:
            cuts.append(Piece(text[:max_chars], ""))
            text = text[max_chars:]
        else:
            cuts.append(Piece(text[:at], " "))
            text = text[at + 1:]
    cuts.append(Piece(text, piece.separator))
    return cuts
