"""The title and short summary an edition shows: whole sentences, never a cut word.

- **Title not cut mid-sentence.** Some feeds cut the headline mid-sentence and start the summary
  with the rest in lower case, or make the title from the first words of the text and end it
  with "…". The title then takes the whole first sentence, and the summary starts after it.
- **The title is not repeated** at the start of the summary (many feeds start the description
  with the headline, with or without a full stop after it).
- **Whole sentences.** The summary is the first two or three sentences (at most
  :data:`MAX_SUMMARY_CHARS`) of the page's text, else of the feed's summary, split by
  :mod:`pipeline.sentences` (so "Robert Downey Jr." or "EE. UU." do not end one). A teaser that
  stops mid-sentence loses its unfinished sentence, or ends with " …" after its last whole word.
  A paragraph that ends without a full stop (a standfirst) is a sentence of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.sentences import SENTENCE_END, ends_sentence, sentences_of

MAX_SUMMARY_CHARS = 420
MAX_TITLE_CHARS = 300
"""A title completed from the summary may grow up to this; beyond, it keeps its cut."""
CUT_TEASER_CHARS = 200
"""A last paragraph this long with no full stop at all was cut by the feed."""
ELLIPSIS = " …"
_WORD = re.compile(r"\w+")
_CUT_MARKS = ("…", "...")
_BYLINE = re.compile(
    r"^(?:By|Par|Por|Publié par|Publicado por|Posted by)\s+[A-ZÀ-Þ][\w'’.-]*"
    r"(?:\s+(?:[A-ZÀ-Þ][\w'’.-]*|de|del|da|van|von|y|et|and))*\.?$")
_DATELINE = re.compile(r"\b(?:1[89]|20)\d\d\b|\b\d{1,2}[:h]\d\d\b")
_LEAD = " \t\n.…:;,–—-|?!»\"”’)"


@dataclass(frozen=True, slots=True)
class Sentence:
    text: str
    whole: bool
    """False for the unfinished last sentence of a cut teaser."""


def split_text(text: str, lang: str) -> list[Sentence]:
    """Sentences of a multi-line text; a line ending without a full stop ends a sentence."""
    paragraphs = [p for p in (" ".join(line.split()) for line in text.split("\n")) if p]
    out: list[Sentence] = []
    for number, paragraph in enumerate(paragraphs):
        found = sentences_of(paragraph, lang)
        for position, sentence in enumerate(found):
            if position < len(found) - 1 or number < len(paragraphs) - 1:
                whole = not sentence.endswith(_CUT_MARKS) or position < len(found) - 1
            elif sentence.endswith(_CUT_MARKS):
                whole = False
            elif ends_sentence(sentence, lang):
                whole = True
            else:  # the text's last words: cut, unless a short standfirst without a stop
                whole = len(found) == 1 and len(sentence) < CUT_TEASER_CHARS
            out.append(Sentence(sentence, whole))
    return out


def make_title(text: str, lang: str, max_chars: int = 160) -> str:
    """A title for an item that has none: the text's first sentence, or its first words + " …"."""
    sentences = split_text(text, lang)
    if not sentences:
        return ""
    first = sentences[0].text
    if len(first) <= max_chars:
        return _as_title(first)
    return trim_words(first, max_chars)


def make_headline(title: str, summary: str, body: str, lang: str) -> tuple[str, str]:
    """The title made whole when the feed cut it mid-sentence, and the summary left over.

    Returns ``(title, summary)``; the summary loses the part that went into the title, and the
    title when it was repeated at its start.
    """
    title = " ".join(title.split())
    core = title.rstrip(" .…") if title.endswith(_CUT_MARKS) else title
    cut = core != title
    for text, is_summary in ((_tidy_lines(summary), True), (_tidy_lines(body), False)):
        if not text or not core:
            continue
        end = match_words(core, text, partial_last=cut)
        if end is not None:
            follows = text[end:].lstrip(" \"'”’»)]")
            first = split_text(text, lang)[0].text
            if (cut or _starts_lower(follows)) and end < len(first) <= MAX_TITLE_CHARS:
                return _as_title(first), _rest(text, first) if is_summary else summary
            if is_summary:
                return title, text[end:].lstrip(_LEAD)
            continue
        lead = text.lstrip(" .…")
        if not ends_sentence(title, lang) and _starts_lower(lead):
            first = split_text(lead, lang)[0].text
            if len(core) + 1 + len(first) <= MAX_TITLE_CHARS:
                return _as_title(f"{core} {first}"), _rest(lead, first) if is_summary else summary
    return title, summary


def make_summary(summary: str, body: str, title: str = "", lang: str = "",
                 max_chars: int = MAX_SUMMARY_CHARS) -> str:
    """Two or three whole sentences (at most ``max_chars``), not repeating the title."""
    summary, body = _tidy_lines(summary), _tidy_lines(body)
    source = body if len(body) > len(summary) else summary
    if title:
        end = match_words(title.rstrip(" .…"), source, partial_last=False)
        if end is not None and source[end:].strip(_LEAD):
            source = source[end:].lstrip(_LEAD)
    sentences = split_text(source, lang)
    if sentences and title and same_text(sentences[0].text, title):
        sentences = sentences[1:]
    while len(sentences) > 1 and _is_credit(sentences[0].text):
        sentences = sentences[1:]
    if len(sentences) > 1 and not sentences[-1].whole:
        sentences = sentences[:-1]  # the teaser stops mid-sentence: keep the whole ones
    chosen: list[Sentence] = []
    for sentence in sentences:
        if len(chosen) >= 3 or (chosen and _length([*chosen, sentence]) > max_chars):
            break
        chosen.append(sentence)
    if not chosen:
        return ""
    text = _join(chosen)
    if len(text) > max_chars:
        return trim_words(text, max_chars)
    if not chosen[-1].whole and not text.endswith(_CUT_MARKS):
        return drop_last_word(text)
    return text


def same_text(a: str, b: str) -> bool:
    """Equal once case, punctuation and spacing are ignored (or one starts the other)."""
    def norm(s: str) -> str:
        return " ".join(_WORD.findall(s.lower()))
    a, b = norm(a), norm(b)
    return bool(a and b) and (a == b or a.startswith(b) or (len(a) >= 40 and b.startswith(a)))


def match_words(head: str, text: str, *, partial_last: bool) -> int | None:
    """Where ``text`` stops repeating the words of ``head`` (case and punctuation ignored), or
    None when it does not start with them. With ``partial_last``, the last word of ``head`` may
    be the start of a longer word of ``text`` ("consecu…" / "consecuencias")."""
    wanted = [w.lower() for w in _WORD.findall(head)]
    if len(wanted) < 3:
        return None
    words = _WORD.finditer(text)
    end = 0
    for index, expected in enumerate(wanted):
        match = next(words, None)
        if match is None:
            return None
        word = match.group(0).lower()
        last = index == len(wanted) - 1
        if word != expected and not (last and partial_last and word.startswith(expected)):
            return None
        end = match.end()
    return end


def trim_words(text: str, max_chars: int) -> str:
    """``text`` cut after its last whole word within ``max_chars``, then " …"."""
    return drop_last_word(text[: max_chars + 1])


def drop_last_word(text: str) -> str:
    """``text`` without its last (maybe cut) word, ended with " …"."""
    text = text.rstrip(" …").strip()
    head = text.rsplit(" ", 1)[0] if " " in text else text
    return head.rstrip(",;:—–-(«\"“ ") + ELLIPSIS


def _tidy_lines(text: str) -> str:
    return "\n".join(" ".join(line.split()) for line in text.split("\n") if line.strip())


def _rest(text: str, first: str) -> str:
    return text[len(first):].lstrip(_LEAD) if text.startswith(first) else text


def _join(sentences: list[Sentence]) -> str:
    """Sentences joined by spaces; a standfirst without a full stop gets one when more follows."""
    parts = [s.text if i == len(sentences) - 1 or SENTENCE_END.search(s.text) else s.text + "."
             for i, s in enumerate(sentences)]
    return " ".join(parts)


def _length(sentences: list[Sentence]) -> int:
    return sum(len(s.text) + 1 for s in sentences)


def _is_credit(sentence: str) -> bool:
    """A by-line ("By Wole Fatunbi.") or a dateline ("le 2 juillet 2019, 12:09") before the
    text proper."""
    if _BYLINE.match(sentence):
        return True
    return len(sentence.split()) <= 6 and bool(_DATELINE.search(sentence)) and not \
        SENTENCE_END.search(sentence)


def _as_title(sentence: str) -> str:
    sentence = sentence.strip()
    if sentence.endswith(".") and not sentence.endswith("..."):
        return sentence[:-1]
    return sentence


def _starts_lower(text: str) -> bool:
    return bool(text) and text[0].islower() and not (len(text) > 1 and text[1].isupper())
