"""What a rule-based engine knows about a capitalised phrase: its morphological analyser says
whether each word is a proper noun it knows ("Londres", "Premier League": it maps or keeps it),
unknown (copied through), or a common word it would translate ("Podemos" = we can, "Mato" = I
kill, "COD" = cod). Name protection uses this to protect only what the engine would break.

Apertium's analysers (``lt-proc`` on the ``automorf.bin`` of a pair) are found through the mode
files of the installed pairs; without them, :func:`ApertiumLexicon.kinds` returns nothing and
name protection falls back on its word lists alone.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Literal

Kind = Literal["name", "unknown", "closed", "noun", "common"]
"""``name``: a proper noun or acronym the engine knows; ``unknown``: copied as it is; ``closed``:
a function word ("Mientras", "Según"); ``noun``: only a common noun ("Reverendo", "Palacio");
``common``: a word with other readings (verb, adjective: "Mato", "Menor")."""

MODE_DIRS = (Path("/usr/share/apertium/modes"), Path("/usr/local/share/apertium/modes"))
LANGUAGE_CODES = {"eng": "en", "en": "en", "spa": "es", "es": "es", "fra": "fr", "fr": "fr"}
CLOSED_TAGS = frozenset({"cnjcoo", "cnjsub", "cnjadv", "pr", "det", "prn", "rel", "adv",
                         "preadv", "ij", "vbser", "vbhaver", "vaux", "vbmod"})
_UNIT = re.compile(r"\^(.*?)\$")
_ANALYSER = re.compile(r"lt-proc\s+'?([^'\s|]+automorf\.bin)'?")
MAX_CACHE = 50_000


class ApertiumLexicon:
    """Kinds of the words of phrases, from Apertium's analysers; cached."""

    def __init__(self, mode_dirs: Sequence[Path] = MODE_DIRS, timeout_seconds: float = 30.0):
        self.mode_dirs = tuple(mode_dirs)
        self.timeout_seconds = timeout_seconds
        self._cache: dict[tuple[str, str], tuple[tuple[str, Kind], ...]] = {}

    @cached_property
    def analysers(self) -> dict[str, Path]:
        """Language → its analyser, from the first installed mode translating from it."""
        found: dict[str, Path] = {}
        if shutil.which("lt-proc") is None:
            return found
        for directory in self.mode_dirs:
            for mode in sorted(directory.glob("*.mode")) if directory.is_dir() else ():
                source = LANGUAGE_CODES.get(mode.stem.split("-")[0].split("_")[0])
                match = _ANALYSER.search(mode.read_text(encoding="utf-8", errors="replace"))
                if source and match and source not in found and Path(match[1]).is_file():
                    found[source] = Path(match[1])
        return found

    def kinds(self, phrases: Sequence[str], lang: str) -> dict[str, tuple[tuple[str, Kind], ...]]:
        """For each phrase, its units (a word, or words the analyser reads as one name) and
        their kinds; empty when there is no analyser for ``lang``."""
        analyser = self.analysers.get(lang)
        if analyser is None:
            return {}
        todo = [p for p in dict.fromkeys(phrases) if (lang, p) not in self._cache and "\n" not in p]
        if todo:
            if len(self._cache) > MAX_CACHE:
                self._cache.clear()
            lines = self._analyse(analyser, todo)
            for phrase, line in zip(todo, lines, strict=False):
                self._cache[(lang, phrase)] = tuple(
                    (unit.split("/", 1)[0], kind_of(unit)) for unit in _UNIT.findall(line))
        return {p: self._cache[(lang, p)] for p in phrases if (lang, p) in self._cache}

    def _analyse(self, analyser: Path, phrases: list[str]) -> list[str]:
        command = shutil.which("lt-proc")
        if command is None:
            return []
        try:
            done = subprocess.run([command, str(analyser)], input="\n".join(phrases) + "\n",
                                  capture_output=True, text=True, timeout=self.timeout_seconds,
                                  env={"LC_ALL": "C.UTF-8"})
        except (OSError, subprocess.TimeoutExpired):
            return []
        lines = done.stdout.split("\n")
        return lines[:len(phrases)] if len(lines) >= len(phrases) else []


def kind_of(unit: str) -> Kind:
    """The kind of an analysed unit: ``surface/lemma<tags>/lemma<tags>`` or ``surface/*surface``."""
    readings = unit.split("/")[1:]
    if not readings or any(r.startswith("*") for r in readings):
        return "unknown"
    tags = [set(re.findall(r"<([^>]+)>", r)) for r in readings]
    if any("np" in t or "acr" in t for t in tags):
        return "name"
    firsts = {next(iter(re.findall(r"<([^>]+)>", r)), "") for r in readings}
    if firsts <= CLOSED_TAGS:
        return "closed"
    if firsts == {"n"}:
        return "noun"
    return "common"
