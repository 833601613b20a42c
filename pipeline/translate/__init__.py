"""Translation stage: FR/EN/ES for every text, glossary-safe, remembered, flagged for review.

Public surface (the composing layer calls these; see each module for details):

- :class:`Translator` — ``translate_segments(segments, source, target, engine=None)`` and
  ``translate_item(item_text, target)``; memory first, engines in order, glossary, flags.
- :func:`build_translator` — a translator from the settings' engine names.
- :class:`ApertiumEngine`, :class:`ArgosEngine`, :func:`install_package` — the engines.
- :class:`TranslationMemory` (protocol), :class:`InMemoryTranslationMemory`,
  :func:`export_tmx`, :func:`import_tmx`, :func:`remember_correction`.
- :func:`load_glossary`, :class:`Glossary`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.records import ENGINE_NAMES
from pipeline.translate.apertium import ApertiumEngine
from pipeline.translate.argos import ArgosEngine, install_package
from pipeline.translate.engines import Engine, SegmentResult
from pipeline.translate.glossary import Glossary, load_glossary
from pipeline.translate.memory import (
    InMemoryTranslationMemory,
    TranslationMemory,
    export_tmx,
    import_tmx,
    remember_entries,
    write_tmx,
)
from pipeline.translate.translator import Translator, remember_correction

__all__ = [
    "ENGINE_NAMES",
    "ApertiumEngine",
    "ArgosEngine",
    "Engine",
    "Glossary",
    "InMemoryTranslationMemory",
    "SegmentResult",
    "TranslationMemory",
    "Translator",
    "build_engines",
    "build_translator",
    "export_tmx",
    "import_tmx",
    "install_package",
    "load_glossary",
    "remember_correction",
    "remember_entries",
    "write_tmx",
]


def build_engines(names: Sequence[str]) -> list[Engine]:
    """Engines in the order given (the settings' ``translation_engines``)."""
    engines: list[Engine] = []
    for i, name in enumerate(names):
        key = name.strip().lower()
        if key == "apertium":
            engines.append(ApertiumEngine())
        elif key == "argos":
            engines.append(ArgosEngine())
        else:
            raise ConfigError(f"unknown translation engine {name!r} (known: "
                              f"{', '.join(ENGINE_NAMES)})", path=f"translation_engines[{i}]")
    return engines


def build_translator(
    engine_names: Sequence[str] = ENGINE_NAMES,
    *,
    memory: TranslationMemory | None = None,
    glossary_path: Path | None = None,
    pair_engines: Mapping[tuple[str, str], Sequence[str]] | None = None,
) -> Translator:
    """A translator with the named engines, a memory (in-memory unless given) and the glossary
    of ``glossary_path`` (which must exist; None: no glossary). ``pair_engines`` gives some
    pairs an engine order of their own."""
    glossary = load_glossary(glossary_path) if glossary_path is not None else None
    names = list(dict.fromkeys([*engine_names, *(n for order in (pair_engines or {}).values()
                                                  for n in order)]))
    return Translator(build_engines(names), memory=memory or InMemoryTranslationMemory(),
                      glossary=glossary, pair_engines=pair_engines)
