"""Apertium: a real offline rule-based engine (EN↔ES, FR↔ES direct; FR↔EN through ES).

Many segments go through one ``apertium`` process: the segments of a chunk are sent one per line
(Apertium keeps line breaks) and the output is split back into lines. A process that dies, hangs
past its deadline or loses a line is killed (its whole process group) and its chunk is halved and
retried in fresh processes, so every segment gets a result: translated, or kept with the
``engine_failed`` flag once a single segment fails on its own or the engine keeps failing.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from pipeline.translate.engines import (
    FLAG_ENGINE_FAILED,
    FLAG_UNKNOWN_WORDS,
    PLACEHOLDER,
    SegmentResult,
    pick_legs,
    translate_legs,
)

LANGUAGE_CODES = {"eng": "en", "en": "en", "spa": "es", "es": "es", "fra": "fr", "fr": "fr"}
"""Apertium mode names use two- or three-letter codes; the pipeline uses two."""

PIVOT = "es"
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "Oe", "æ": "ae", "Æ": "Ae"})
_MARKED = re.compile(r"(?<![\w*#@])([*#@]+)(\w[\w'’-]*)")
_LINE_BREAKS = re.compile(r"[\r\n\x00\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
_ENDED = re.compile(r"[.!?…]\W*$")
STOP = " ."
"""Added to a line without a sentence end: Apertium's transfer rules work on sentences, and a
line break alone does not end one, so a title's last words could move into the next segment
("… in Kenya and Ethiopia" / "Soils are …" → "… en Kenya y Tierras" / "de Etiopía son …")."""
_STOP_OUT = re.compile(r"\s*\.\s*$")


class EngineRunError(Exception):
    """One run of the engine process failed (crash, timeout, lost lines)."""


@dataclass(frozen=True, slots=True)
class _Leg:
    mode: str
    source: str
    target: str


def clean_marks(text: str, source: str) -> tuple[str, tuple[str, ...]]:
    """Remove Apertium's ``*unknown``, ``#generation`` and ``@untranslated`` marks.

    A mark that was already in the source (a ``#hashtag``, an ``@handle``) is kept.
    Returns the cleaned text and the marked words.
    """
    unknown: list[str] = []

    def _strip(match: re.Match[str]) -> str:
        marks, word = match.group(1), match.group(2)
        if marks + word in source:
            return match.group(0)
        kept = "".join(m for m in marks if m + word in source)
        if not PLACEHOLDER.fullmatch(word):
            unknown.append(word)
        return kept + word

    return _MARKED.sub(_strip, text), tuple(dict.fromkeys(unknown))


class ApertiumEngine:
    """Translate through the ``apertium`` command, many segments per process."""

    name = "apertium"

    def __init__(
        self,
        command: str = "apertium",
        *,
        name: str = "apertium",
        timeout_seconds: float = 60.0,
        chunk_chars: int = 200_000,
        max_failures: int = 4,
    ) -> None:
        self.command = command
        self.name = name
        self.timeout_seconds = timeout_seconds
        self.chunk_chars = chunk_chars
        self.max_failures = max_failures
        self.process_runs = 0
        """How many engine processes were started (for benchmarks and tests)."""

    @cached_property
    def version(self) -> str:
        out = self._run_simple(["-V"])
        return out.strip().split()[-1] if out.strip() else "unknown"

    @cached_property
    def modes(self) -> dict[tuple[str, str], str]:
        """Direct (source, target) → mode name, from ``apertium -l``."""
        found: dict[tuple[str, str], str] = {}
        for line in self._run_simple(["-l"]).split():
            parts = line.strip().split("-")
            if len(parts) != 2 or parts[0] not in LANGUAGE_CODES or parts[1] not in LANGUAGE_CODES:
                continue
            found.setdefault((LANGUAGE_CODES[parts[0]], LANGUAGE_CODES[parts[1]]), line.strip())
        return found

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset((s, t) for s in ("fr", "en", "es") for t in ("fr", "en", "es")
                         if s != t and self._legs(s, t))

    def _legs(self, source: str, target: str) -> list[_Leg] | None:
        legs = pick_legs(self.modes, source, target, PIVOT)
        return None if legs is None else [_Leg(mode, s, t) for s, t, mode in legs]

    def translate_batch(
        self, segments: Sequence[str], source: str, target: str
    ) -> list[SegmentResult]:
        return translate_legs(segments, self._legs(source, target), self._translate_leg,
                              engine=self.name, engine_version=self.version)

    def _translate_leg(self, leg: _Leg, segments: list[str]) -> list[SegmentResult]:
        lines = [_LINE_BREAKS.sub(" ", s).strip() for s in segments]
        if leg.source == "fr":  # the French dictionaries spell « coeur », not « cœur »
            lines = [s.translate(_LIGATURES) for s in lines]
        stopped = [bool(line) and not _ENDED.search(line) for line in lines]
        sent = [line + STOP if stop else line for line, stop in zip(lines, stopped, strict=True)]
        outputs: list[str | None] = [None] * len(lines)
        failures = 0
        pending: list[tuple[int, int]] = list(self._chunks(sent))
        while pending:
            start, end = pending.pop(0)
            if failures >= self.max_failures:
                continue  # the engine keeps failing: keep the rest unchanged
            try:
                translated = self._run_chunk(sent[start:end], leg.mode)
            except EngineRunError:
                failures += 1
                if end - start > 1:
                    middle = (start + end) // 2
                    pending[:0] = [(start, middle), (middle, end)]
                continue
            outputs[start:end] = [_STOP_OUT.sub("", out) if stopped[i] else out
                                  for i, out in enumerate(translated, start)]
        results = []
        for line, out in zip(lines, outputs, strict=True):
            if out is None:
                results.append(SegmentResult(text=line, flags=(FLAG_ENGINE_FAILED,),
                                             engine=self.name, engine_version=self.version))
                continue
            cleaned, unknown = clean_marks(out, line)
            results.append(SegmentResult(
                text=cleaned, flags=(FLAG_UNKNOWN_WORDS,) if unknown else (),
                engine=self.name, engine_version=self.version, unknown=unknown))
        return results

    def _chunks(self, lines: list[str]) -> list[tuple[int, int]]:
        chunks: list[tuple[int, int]] = []
        start, size = 0, 0
        for i, line in enumerate(lines):
            if size and size + len(line) > self.chunk_chars:
                chunks.append((start, i))
                start, size = i, 0
            size += len(line) + 1
        if start < len(lines):
            chunks.append((start, len(lines)))
        return chunks

    def _run_chunk(self, lines: list[str], mode: str) -> list[str]:
        text = "\n".join(lines) + "\n"
        timeout = self.timeout_seconds + len(text) / 5_000
        out = self._communicate([mode], text, timeout)
        result = out.split("\n")
        if result and result[-1] == "":
            result.pop()
        if len(result) != len(lines):
            raise EngineRunError(f"apertium returned {len(result)} lines for {len(lines)}")
        return [line.strip() for line in result]

    def _run_simple(self, args: list[str]) -> str:
        try:
            return self._communicate(args, "", 30.0, check=False)
        except (EngineRunError, OSError):
            return ""

    def _communicate(self, args: list[str], text: str, timeout: float, *,
                     check: bool = True) -> str:
        if shutil.which(self.command) is None:
            raise EngineRunError(f"{self.command} not found")
        self.process_runs += 1
        env = {**os.environ, "LC_ALL": "C.UTF-8"}
        with subprocess.Popen(
            [self.command, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True, env=env,
        ) as process:
            try:
                out, _ = process.communicate(text.encode("utf-8"), timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill_group(process)
                raise EngineRunError(f"apertium timed out after {timeout:.0f} s") from None
            except BaseException:
                _kill_group(process)
                raise
        if check and process.returncode != 0:
            raise EngineRunError(f"apertium exited with status {process.returncode}")
        return out.decode("utf-8", errors="replace")


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """Kill the engine and every process of its pipeline (they share a session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.kill()
    process.communicate()
