"""What outlets wrap around a headline and a feed summary, taken off when an item is collected.

- **Titles** lose live-blog labels ("DIRECTO | …", "En direct, …", "…, en directo | …",
  "… – live"), section labels ("Opinion | …", "VÍDEO: …", "… | Education | The Guardian") and
  by-lines after a bar ("… | Felicity Cloake", "… | Felicity Cloake's masterclass").
- **Summaries** lose the link texts feeds end with ("Continue reading...", "Lire la suite",
  "Seguir leyendo", "Leer", "[…]") and WordPress's "The post … appeared first on …" line.

Each rule works on the three languages at once (a feed's language is only a hint), only at the
edges of a text, and never leaves an empty title: when nothing would remain, the text is kept.
"""

from __future__ import annotations

import re

LIVE_LABELS = (
    "en direct", "en directo", "directo", "en vivo", "en continu", "live", "live updates",
    "live blog", "minuto a minuto", "última hora", "ultima hora", "dernière minute",
    "dernière heure", "breaking", "breaking news", "as it happened", "urgent", "urgente",
)
SECTION_LABELS = (
    "opinion", "opinión", "tribune", "point de vue", "editorial", "éditorial", "analysis",
    "analyse", "análisis", "interview", "entretien", "entrevista", "video", "vídeo", "vidéo",
    "videos", "vídeos", "vidéos", "audio", "photos", "fotos", "galería", "en images",
    "en imágenes", "in pictures", "podcast", "exclusive", "exclusif", "exclusiva", "watch",
    "explainer", "décryptage", "fact check", "verificación", "letters", "cartas", "chronique",
    "columna", "crónica", "reportage", "reportaje", "obituary", "nécrologie", "obituario",
    "sponsored", "publireportage", "contenido patrocinado", "publicité", "newsletter",
    "education", "environment", "world news", "science", "opinión y análisis", "the guardian",
)
"""Labels that stand alone before or after a bar, or before a colon or comma."""

_LABELS = sorted({*LIVE_LABELS, *SECTION_LABELS}, key=len, reverse=True)
_LABEL_ALT = "|".join(re.escape(label) for label in _LABELS)
_LIVE_ALT = "|".join(re.escape(label) for label in sorted(LIVE_LABELS, key=len, reverse=True))
_PREFIX = re.compile(rf"^\s*(?:{_LABEL_ALT})\s*(?:[:|.]|\s[–—-])\s*", re.IGNORECASE)
_LIVE_PREFIX = re.compile(rf"^\s*(?:{_LIVE_ALT})\s*,\s*", re.IGNORECASE)
_INNER_LIVE = re.compile(rf",?\s+(?:{_LIVE_ALT})(?=\s*[:|–—])", re.IGNORECASE)
_SUFFIX = re.compile(
    rf"\s*(?:\s[–—-]\s*|:\s*|\(\s*)(?:{_LIVE_ALT}|video|vídeo|vidéo|podcast|in pictures|audio"
    r"|en images|en imágenes)\s*\)?\s*$", re.IGNORECASE)
_BAR = re.compile(r"\s+\|\s+")
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|de|del|da|das|do|dos|van|von|der|den|la|le"
                        r"|y|et|and|&)$")

TAILS = (
    r"continue reading", r"keep reading", r"read more", r"read the full (?:story|article)",
    r"read full (?:story|article)", r"full story", r"lire la suite", r"lire plus",
    r"lire l[’']article(?: complet)?", r"la suite", r"en savoir plus", r"seguir leyendo",
    r"sigue leyendo", r"leer más", r"leer mas", r"leer el artículo completo",
    r"leer artículo completo", r"leer", r"ver más", r"más información",
)
_TAIL = re.compile(
    r"(?:^|(?<=[\n.!?…»\"”)\]]))[ \t]*[\[(]?\s*(?:" + "|".join(TAILS)
    + r")\s*(?:\.\.\.|…|»|›|→|>>)?\s*[\])]?\s*$", re.IGNORECASE)
_ELLIPSIS_TAIL = re.compile(r"\s*[\[(](?:…|\.\.\.|\+)[\])]\s*$")
_WORDPRESS = re.compile(
    r"\s*(?:The post .{1,300}? appeared first on .{1,200}?"
    r"|L[’']article .{1,300}? est apparu en premier sur .{1,200}?"
    r"|La entrada .{1,300}? se publicó primero en .{1,200}?"
    r"|El post .{1,300}? apareció primero en .{1,200}?)\.?\s*$", re.DOTALL)


def tidy_title(title: str) -> str:
    """The headline without live-blog and section labels or a by-line after a bar."""
    original = title.strip()
    text = _drop_bar_parts(original)
    for _ in range(3):
        before = text
        text = _PREFIX.sub("", text, count=1)
        text = _LIVE_PREFIX.sub("", text, count=1)
        text = _INNER_LIVE.sub("", text, count=1)
        text = _SUFFIX.sub("", text, count=1)
        if text == before:
            break
    text = text.strip(" |:,–—-")
    if len(text.split()) < 2:
        return original
    if text != original and text[:1].islower() and not _starts_with_brand(text):
        text = text[:1].upper() + text[1:]
    return text


def strip_tails(summary: str) -> str:
    """The feed summary without its "Continue reading" / "Lire la suite" / "Leer" tail."""
    text = summary.rstrip()
    for _ in range(4):
        before = text
        if _may_end_with_wordpress_line(text):
            text = _WORDPRESS.sub("", text)
        if _TAIL_END.search(_without_trailers(text)[-TAIL_WORDS_REACH:]):
            text = _TAIL.sub("", text)
        text = text.rstrip()
        if text.endswith(("]", ")")):
            text = _ELLIPSIS_TAIL.sub("…", text).rstrip()
        if text == before:
            break
    return text


# Cheap tests that a tail pattern cannot match, so that its regular expression (which tries
# every position of the summary) runs only when one can: a matched tail ends the text.
_TAIL_MARKS = frozenset(".…»›→>])")
"""What may follow a tail's words, besides spaces: dots, arrows, a closing bracket."""
_TAIL_END = re.compile(r"(?:" + "|".join(TAILS) + r")$", re.IGNORECASE)
TAIL_WORDS_REACH = 40
"""Longer than the longest tail's words ("leer el artículo completo")."""
_WORDPRESS_MARKERS = ("appeared first on", "est apparu en premier sur", "se publicó primero en",
                      "apareció primero en")


def _without_trailers(text: str) -> str:
    """The text without the spaces and marks that may follow a tail's words: if a tail ends
    the text, its words now do."""
    end = len(text)
    while end and (text[end - 1].isspace() or text[end - 1] in _TAIL_MARKS):
        end -= 1
    return text[:end]


def _may_end_with_wordpress_line(text: str) -> bool:
    """WordPress's line ends the (right-stripped) text with at most 200 characters after its
    marker words."""
    end = text[-240:]
    return any(marker in end for marker in _WORDPRESS_MARKERS)


def _drop_bar_parts(title: str) -> str:
    """Of "a | b | c", keep the headline: labels, live-blog names and trailing by-lines go."""
    parts = [p.strip() for p in _BAR.split(title) if p.strip()]
    if len(parts) < 2:
        return title
    kept = [p for p in parts if not _is_label(p) and not _names_live_blog(p)]
    while len(kept) > 1 and _is_byline(kept[-1]):
        kept.pop()
    if not kept:
        return title
    long_enough = [p for p in kept if len(p.split()) >= 4]
    return long_enough[0] if long_enough else max(kept, key=len)


def _is_label(part: str) -> bool:
    return part.strip(" .:,").lower() in _LABELS


def _names_live_blog(part: str) -> bool:
    """"Última hora del conflicto en Oriente Próximo, en directo" names a live blog."""
    return bool(re.search(rf"(?:^|[\s,])(?:{_LIVE_ALT})\s*$", part, re.IGNORECASE))


def _is_byline(part: str) -> bool:
    """A short run of capitalised words: "Felicity Cloake", "Felicity Cloake's masterclass"."""
    words = part.split()
    if not 1 <= len(words) <= 5 or re.search(r"[\d?!:;«»\"“”]", part):
        return False
    if not words[0][:1].isupper():
        return False
    names = sum(bool(_NAME_WORD.match(w)) for w in words)
    return names >= len(words) - 1


def _starts_with_brand(text: str) -> bool:
    """"iPhone", "eBay": a lower-case letter followed by a capital is kept as written."""
    return len(text) > 1 and text[1].isupper()
