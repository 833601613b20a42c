"""Sentences of a text, per language: the one splitter that summaries and translation share.

A sentence ends at ``. ! ? …`` (with any closing quote or bracket) followed by a space and
something that can start a sentence (a capital, a digit, an opening quote, ``¿``, ``¡``). A full
stop after an abbreviation of the language ("M. Dupont", "Robert Downey Jr. y", "EE. UU.",
"p. ej.", "etc.") or after an initial ("J. Dupont") does not end one. Joining the pieces with
their recorded separators gives back the text exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS: dict[str, frozenset[str]] = {
    "en": frozenset({
        "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "inc", "ltd", "co",
        "corp", "jr", "sr", "no", "nos", "fig", "approx", "dept", "est", "jan", "feb", "mar",
        "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n",
        "gov", "govt", "gen", "rev", "vol", "al", "sen", "rep", "lt", "col", "sgt", "capt",
        "mt", "ft", "univ", "messrs", "ph.d", "a.m", "p.m"}),
    "fr": frozenset({
        "m", "mm", "mme", "mmes", "mlle", "mlles", "mgr", "dr", "pr", "me", "st", "ste", "etc",
        "cf", "p", "pp", "env", "av", "apr", "j.-c", "éd", "vol", "n°", "no", "fig", "min",
        "max", "janv", "févr", "avr", "juil", "sept", "oct", "nov", "déc", "al", "c.-à-d",
        "ex", "cie", "bd", "hab", "jr", "sr"}),
    "es": frozenset({
        "sr", "sra", "sras", "srs", "srta", "dr", "dra", "d", "dña", "ud", "uds", "etc", "pág",
        "págs", "p", "ej", "p. ej", "núm", "vol", "fig", "aprox", "av", "avda", "ene", "feb",
        "abr", "jun", "jul", "ago", "sept", "oct", "nov", "dic", "al", "ee.uu", "ee",
        "uu", "cía", "lic", "ing", "jr", "gral", "art", "arts", "prof", "profa", "admón",
        "depto"}),
}
"""Words that take a full stop without ending a sentence (lower case, without the final dot)."""

_BOUNDARY = re.compile(
    r"(?P<end>[.!?…]+[\"'”’»)\]]*)(?P<space>\s+)(?=[\"'“‘«(\[¿¡]?\s?[A-ZÀ-ÖØ-Þ0-9])"
)
_WORD_BEFORE = re.compile(r"([\w.°-]+)$")
SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
"""A text that ends with this ends a sentence."""


@dataclass(frozen=True, slots=True)
class Piece:
    """A sentence and the text that followed it in the segment."""

    text: str
    separator: str = ""


def split_sentences(text: str, lang: str, *, max_chars: int = 1000) -> list[Piece]:
    """Split a text into sentences; ``"".join(p.text + p.separator)`` gives ``text`` back.

    Sentences longer than ``max_chars`` are cut at a space (anywhere when there is none)."""
    if not text.strip():
        return [Piece(text)] if text else []
    lead = text[: len(text) - len(text.lstrip())]
    body = text[len(lead):]
    abbreviations = ABBREVIATIONS.get(lang, frozenset())
    pieces: list[Piece] = []
    start = 0
    for m in _BOUNDARY.finditer(body):
        if m.group("end") == "." and is_abbreviation(body[start:m.start()], abbreviations):
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


def sentences_of(text: str, lang: str) -> list[str]:
    """The sentences of ``text`` (spaces normalised), without their separators."""
    return [p.text for p in split_sentences(" ".join(text.split()), lang, max_chars=10_000)
            if p.text]


def join_pieces(pieces: list[Piece]) -> str:
    return "".join(p.text + p.separator for p in pieces)


def ends_sentence(text: str, lang: str) -> bool:
    """True when ``text`` ends with a sentence end (not a full stop after an abbreviation)."""
    text = text.rstrip()
    if not SENTENCE_END.search(text):
        return False
    stripped = text.rstrip("\"'”’»)]")
    if stripped.endswith("...") or not stripped.endswith("."):
        return True
    return not is_abbreviation(stripped[:-1], ABBREVIATIONS.get(lang, frozenset()))


def is_abbreviation(before: str, abbreviations: frozenset[str]) -> bool:
    """Does the text just before a full stop end with an abbreviation or an initial?"""
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
