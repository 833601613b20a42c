"""The translation service: memory first, then engines in order, glossary-safe, checked.

``Translator.translate_segments`` is the one entry point: a segment is a title, a summary or a
body paragraph. Each segment is split into sentences; sentences the memory knows are never sent
to an engine; the rest are protected (markup, addresses, glossary terms → placeholders), sent in
one batch to the first engine that can do the pair, restored, checked and remembered. A
sentence an engine failed on goes to the next engine; when no engine can do it, the text is kept
and flagged ``needs_translation`` for a person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from pipeline.errors import TranslationError
from pipeline.records import ItemText
from pipeline.states import TextState
from pipeline.translate.apertium import ApertiumEngine
from pipeline.translate.engines import (
    FLAG_ALREADY_TARGET,
    FLAG_GLOSSARY_VIOLATION,
    FLAG_NEEDS_TRANSLATION,
    Engine,
    SegmentResult,
    keep_segments,
    merge_flags,
)
from pipeline.translate.glossary import Glossary
from pipeline.translate.lexicon import ApertiumLexicon
from pipeline.translate.memory import TranslationMemory
from pipeline.translate.names import candidate_names
from pipeline.translate.protect import protect_text, restore_text
from pipeline.translate.quality import check_translation, is_in_language
from pipeline.translate.segment import Piece, join_pieces, split_paragraphs, split_sentences

_SPACES = re.compile(r"(?<=\S) {2,}(?=\S)")
_SPACE_BEFORE = re.compile(r"(?<=\w) +(?=[,.)\]](?:\s|$))")
_SPACE_AFTER = re.compile(r"(?<=[(\[]) +")


class Translator:
    """Translate segments with a memory, a glossary and engines tried in order."""

    def __init__(
        self,
        engines: Sequence[Engine],
        *,
        memory: TranslationMemory | None = None,
        glossary: Glossary | None = None,
        pair_engines: Mapping[tuple[str, str], Sequence[str]] | None = None,
        protect_names: bool = True,
        lexicon: ApertiumLexicon | None = None,
    ) -> None:
        self.engines = list(engines)
        self.protect_names = protect_names
        """Keep proper names as written (see :mod:`pipeline.translate.names`)."""
        self.lexicon = lexicon if lexicon is not None else ApertiumLexicon()
        """What the rule-based engine knows of a name (see :mod:`pipeline.translate.lexicon`)."""
        self.memory = memory
        self.glossary = glossary
        self.pair_engines = dict(pair_engines or {})
        self.engine_calls = 0
        """Batches sent to engines (the memory benchmark expects 0 on a second pass)."""
        self.sentences_sent = 0

    def candidates(self, source: str, target: str, engine: str | None = None) -> list[Engine]:
        """Engines able to do ``source → target``, in the order they will be tried."""
        known = {e.name: e for e in self.engines}
        if engine is not None:
            if engine not in known:
                raise TranslationError(
                    f"unknown engine {engine!r} (configured: {', '.join(known) or 'none'})")
            order = [known[engine]]
        elif (source, target) in self.pair_engines:
            order = [known[n] for n in self.pair_engines[source, target] if n in known]
        else:
            order = self.engines
        return [e for e in order if (source, target) in _safe_pairs(e)]

    def translate_segments(
        self, segments: Sequence[str], source: str, target: str, *, engine: str | None = None
    ) -> list[SegmentResult]:
        """One result per segment, same order; never raises for a bad segment."""
        results: list[SegmentResult | None] = [None] * len(segments)
        pieces: dict[int, list[Piece]] = {}
        for i, segment in enumerate(segments):
            if not segment.strip() or source == target:
                results[i] = SegmentResult(segment, origin="original")
            elif is_in_language(segment, target) and not is_in_language(segment, source):
                results[i] = SegmentResult(segment, flags=(FLAG_ALREADY_TARGET,),
                                           origin="original")
            else:
                pieces[i] = split_sentences(segment, source)
        sentences = [p.text for i in pieces for p in pieces[i] if p.text.strip()]
        done = self._translate_sentences(list(dict.fromkeys(sentences)),
                                         [segments[i] for i in pieces], source, target, engine)
        for i, segment_pieces in pieces.items():
            results[i] = done.get(segments[i]) or _assemble(segment_pieces, done)
        return [r if r is not None else SegmentResult("", origin="original") for r in results]

    def translate_item(self, item: ItemText, target: str) -> ItemText:
        """The item's title, summary and body paragraphs translated into ``target``."""
        return self.translate_items([item], target)[0]

    def translate_items(self, items: Sequence[ItemText], target: str) -> list[ItemText]:
        """Many items into ``target`` with one engine batch per source language (an item
        already in ``target`` comes back as it is)."""
        out: list[ItemText | None] = [item if item.lang == target else None for item in items]
        by_lang: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            if out[i] is None:
                by_lang.setdefault(item.lang, []).append(i)
        for lang, indexes in by_lang.items():
            layouts: list[tuple[int, list[Piece]]] = []
            segments: list[str] = []
            for i in indexes:
                item = items[i]
                body = split_paragraphs(item.body) if item.body else []
                layouts.append((len(segments), body))
                segments += [item.title, item.summary, *(p.text for p in body)]
            results = self.translate_segments(segments, lang, target)
            for i, (start, body) in zip(indexes, layouts, strict=True):
                mine = results[start:start + 2 + len(body)]
                out[i] = _item_from_results(mine, body, target)
        return [item for item in out if item is not None]

    def _translate_sentences(
        self, sentences: list[str], segments: list[str], source: str, target: str,
        engine: str | None,
    ) -> dict[str, SegmentResult]:
        """Translations of ``sentences``; whole ``segments`` are only looked up (corrections
        a person made to a whole segment are remembered whole)."""
        done: dict[str, SegmentResult] = {}
        if self.memory is not None and sentences:
            asked = list(dict.fromkeys([*segments, *sentences]))
            for src, tgt in self.memory.lookup(source, target, asked).items():
                done[src] = SegmentResult(tgt, origin="memory",
                                          flags=self._check(src, tgt, source, target))
        todo = [s for s in sentences if s not in done]
        if not todo:
            return done
        kinds = None
        if self.protect_names and self._uses_apertium(source, target, engine):
            kinds = self.lexicon.kinds  # one analyser run for the whole batch, then cached
            kinds([n.text for s in todo for n in candidate_names(s, source)], source)
        protected = [protect_text(s, source, target, self.glossary, names=self.protect_names,
                                  kinds=kinds) for s in todo]
        raw = self._run_engines([p.text for p in protected], source, target, engine)
        remembered: dict[str, list[tuple[str, str]]] = {}
        for sentence, prot, result in zip(todo, protected, raw, strict=True):
            if result.failed:
                done[sentence] = replace(result, text=sentence)
                continue
            text, restore_flags = restore_text(result.text, prot)
            text = _tidy_spacing(text)
            flags = merge_flags(result.flags, restore_flags,
                                self._check(sentence, text, source, target))
            done[sentence] = replace(result, text=text, flags=flags)
            remembered.setdefault(result.engine_label, []).append((sentence, text))
        if self.memory is not None:
            for label, pairs in remembered.items():
                self.memory.remember(source, target, pairs, "machine", label or None)
        return done

    def _uses_apertium(self, source: str, target: str, engine: str | None) -> bool:
        """The first engine for the pair is Apertium: its lexicon tells which names it knows."""
        order = self.candidates(source, target, engine)
        return bool(order) and isinstance(order[0], ApertiumEngine)

    def _check(self, source_text: str, text: str, source: str, target: str) -> tuple[str, ...]:
        """Quality flags that can be computed from the two texts alone (memory hits too)."""
        flags = check_translation(source_text, text, source, target)
        if self.glossary is not None:
            lowered = text.lower()
            if any(m.target_text.lower() not in lowered
                   for m in self.glossary.find_terms(source_text, source, target)):
                flags = (*flags, FLAG_GLOSSARY_VIOLATION)
        return flags

    def _run_engines(
        self, texts: list[str], source: str, target: str, engine: str | None
    ) -> list[SegmentResult]:
        results = keep_segments(texts, FLAG_NEEDS_TRANSLATION)
        todo = list(range(len(texts)))
        for candidate in self.candidates(source, target, engine):
            if not todo:
                break
            self.engine_calls += 1
            self.sentences_sent += len(todo)
            try:
                got = candidate.translate_batch([texts[i] for i in todo], source, target)
            except Exception:  # an engine that breaks must not stop the others
                continue
            if len(got) != len(todo):
                continue
            for i, result in zip(todo, got, strict=True):
                if not result.failed or results[i].origin == "needs_translation":
                    results[i] = result
            todo = [i for i in todo if results[i].failed]
        return results


def remember_correction(
    memory: TranslationMemory, source_lang: str, target_lang: str, source_text: str,
    corrected_text: str, *, origin: str = TextState.REVIEWED, editor: str | None = None,
) -> int:
    """Store a person's translation: per sentence when both sides split alike, else whole."""
    pairs = [(source_text.strip(), corrected_text.strip())]
    src = [p.text for p in split_sentences(source_text, source_lang) if p.text.strip()]
    tgt = [p.text for p in split_sentences(corrected_text, target_lang) if p.text.strip()]
    if len(src) == len(tgt) > 1:
        pairs += list(zip(src, tgt, strict=True))
    memory.remember(source_lang, target_lang, pairs, origin, editor)
    return len(pairs)


def _item_from_results(results: list[SegmentResult], body: list[Piece],
                       target: str) -> ItemText:
    body_text = join_pieces([Piece(r.text, p.separator)
                             for r, p in zip(results[2:], body, strict=True)])
    needs = any(r.origin == "needs_translation" for r in results)
    engines = [r.engine_label for r in results if r.engine_label]
    return ItemText(
        lang=target, title=results[0].text, summary=results[1].text, body=body_text,
        origin=TextState.NEEDS_TRANSLATION if needs else TextState.MACHINE,
        engine=engines[0] if engines else None,
        flags=merge_flags(*(r.flags for r in results)),
        unknown=tuple(dict.fromkeys(word for r in results[:2] for word in r.unknown)),
    )


def _assemble(pieces: list[Piece], done: Mapping[str, SegmentResult]) -> SegmentResult:
    parts = [done.get(p.text) if p.text.strip() else None for p in pieces]
    text = join_pieces([Piece(r.text if r else p.text, p.separator)
                        for r, p in zip(parts, pieces, strict=True)])
    found = [r for r in parts if r is not None]
    if any(r.origin == "needs_translation" for r in found):
        origin = "needs_translation"
    elif found and all(r.origin == "memory" for r in found):
        origin = "memory"
    else:
        origin = "machine"
    machine = [r for r in found if r.engine]
    return SegmentResult(
        text=text, flags=merge_flags(*(r.flags for r in found)),
        engine=machine[0].engine if machine else "",
        engine_version=machine[0].engine_version if machine else "",
        unknown=tuple(dict.fromkeys(w for r in found for w in r.unknown)),
        origin=origin,  # type: ignore[arg-type]
    )


def _tidy_spacing(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _SPACE_BEFORE.sub("", text)
    return _SPACE_AFTER.sub("", text)


def _safe_pairs(engine: Engine) -> frozenset[tuple[str, str]]:
    try:
        return engine.pairs()
    except Exception:  # an engine that cannot even list its pairs is not available
        return frozenset()
