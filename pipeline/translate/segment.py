"""Cut texts into translation segments and sentences, and put them back together.

A title, a summary or one body paragraph is a *segment*. Each segment is split into sentences
(the unit of the translation memory and of neural engines) by :mod:`pipeline.sentences`, the
splitter summaries use too, with its per-language list of abbreviations, so that ``M. Dupont``,
``Dr. Smith``, ``p. ej.`` or ``3.5`` do not end a sentence. Sentences longer than ``max_chars``
are cut at a space. Joining the pieces with their recorded separators gives back the segment
exactly.
"""

from __future__ import annotations

import re

from pipeline.sentences import ABBREVIATIONS, Piece, join_pieces, split_sentences

_PARAGRAPH = re.compile(r"(\n\s*)")

__all__ = ["ABBREVIATIONS", "Piece", "join_pieces", "split_paragraphs", "split_sentences"]


def split_paragraphs(text: str) -> list[Piece]:
    """Split a body into paragraphs (line breaks kept as separators)."""
    parts = _PARAGRAPH.split(text)
    return [Piece(parts[i], parts[i + 1] if i + 1 < len(parts) else "")
            for i in range(0, len(parts), 2)]
