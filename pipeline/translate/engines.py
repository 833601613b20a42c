"""The one interface every translation engine implements, and the result of one segment.

An engine translates a batch of segments from one language to another and returns exactly one
:class:`SegmentResult` per segment, in the same order, whatever happens: a segment the engine
could not translate comes back unchanged with a flag (``engine_failed``), never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal, Protocol, TypeVar, runtime_checkable

ResultOrigin = Literal["machine", "memory", "original", "needs_translation"]

FLAG_UNKNOWN_WORDS = "unknown_words"
FLAG_ENGINE_FAILED = "engine_failed"
FLAG_NEEDS_TRANSLATION = "needs_translation"
FLAG_WRONG_LANGUAGE = "wrong_language"
FLAG_NUMBERS_CHANGED = "numbers_changed"
FLAG_LENGTH_RATIO = "length_ratio"
FLAG_GLOSSARY_VIOLATION = "glossary_violation"
FLAG_MARKUP_LOST = "markup_lost"
FLAG_ALREADY_TARGET = "already_in_target_language"

PLACEHOLDER = re.compile(r"zxq\d+", re.IGNORECASE)
"""Tokens :mod:`pipeline.translate.protect` puts in the text; engines must not flag them."""

FAILURE_FLAGS = frozenset({FLAG_ENGINE_FAILED, FLAG_NEEDS_TRANSLATION})
"""A result carrying one of these was not translated: never remember it."""


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SegmentResult:
    """One translated segment, what went wrong with it, and who made it."""

    text: str
    flags: tuple[str, ...] = ()
    engine: str = ""
    engine_version: str = ""
    unknown: tuple[str, ...] = ()
    """Words the engine did not know (Apertium's ``*word`` marks), cleaned from ``text``."""
    origin: ResultOrigin = "machine"

    @property
    def engine_label(self) -> str:
        """``"name version"`` for provenance, empty when no engine produced the text."""
        return f"{self.engine} {self.engine_version}".strip()

    @property
    def failed(self) -> bool:
        return any(flag in FAILURE_FLAGS for flag in self.flags)


@runtime_checkable
class Engine(Protocol):
    """A machine translation engine."""

    name: str

    @property
    def version(self) -> str: ...

    def pairs(self) -> frozenset[tuple[str, str]]:
        """The (source, target) directions this engine can do right now (pivots included)."""
        ...

    def translate_batch(
        self, segments: Sequence[str], source: str, target: str
    ) -> list[SegmentResult]:
        """Translate every segment; same count and order as ``segments``, always."""
        ...


def keep_segments(
    segments: Sequence[str], flag: str, *, engine: str = "", engine_version: str = ""
) -> list[SegmentResult]:
    """Results that keep each segment unchanged, each marked with ``flag``."""
    origin: ResultOrigin = "needs_translation" if flag == FLAG_NEEDS_TRANSLATION else "machine"
    return [
        SegmentResult(text=s, flags=(flag,), engine=engine, engine_version=engine_version,
                      origin=origin)
        for s in segments
    ]


def merge_flags(*groups: Sequence[str]) -> tuple[str, ...]:
    """Union of flag lists, first occurrence order kept."""
    seen: dict[str, None] = {}
    for group in groups:
        for flag in group:
            seen.setdefault(flag, None)
    return tuple(seen)



def pick_legs(available: Mapping[tuple[str, str], T], source: str, target: str, pivot: str
              ) -> list[tuple[str, str, T]] | None:
    """``[(leg source, leg target, what translates it)]``: the direct pair when available,
    else both legs through ``pivot``; None when the pair cannot be done."""
    if (source, target) in available:
        return [(source, target, available[source, target])]
    if (source, pivot) in available and (pivot, target) in available:
        return [(source, pivot, available[source, pivot]),
                (pivot, target, available[pivot, target])]
    return None


def translate_legs(
    segments: Sequence[str], legs: Sequence[T] | None,
    translate_leg: Callable[[T, list[str]], list[SegmentResult]], *, engine: str,
    engine_version: str,
) -> list[SegmentResult]:
    """Pass ``segments`` through each leg in turn (one leg, or two through a pivot language;
    None: the pair cannot be done, every segment needs a translator). A segment a leg could
    not translate keeps its original text and the leg's flags, and skips the later legs;
    flags and unknown words add up over the legs."""
    if legs is None:
        return keep_segments(segments, FLAG_NEEDS_TRANSLATION)
    results = [SegmentResult(text=s, engine=engine, engine_version=engine_version)
               for s in segments]
    for leg in legs:
        todo = [i for i, r in enumerate(results) if not r.failed and r.text.strip()]
        if not todo:
            break
        done = translate_leg(leg, [results[i].text for i in todo])
        for i, leg_result in zip(todo, done, strict=True):
            before = results[i]
            results[i] = replace(
                before, text=segments[i] if leg_result.failed else leg_result.text,
                flags=merge_flags(before.flags, leg_result.flags),
                unknown=tuple(dict.fromkeys(before.unknown + leg_result.unknown)))
    return results
