"""Argos Translate: installed ``.argosmodel`` packages run through CTranslate2, batched.

The engine reads the installed packages (``metadata.json``, ``model/``, ``sentencepiece.model``)
with argostranslate's own package reader, but translates a whole batch of sentences in one call
to ``ctranslate2.Translator.translate_batch`` instead of argostranslate's one-text-at-a-time
path, and never touches argostranslate's sentence splitters (Stanza and MiniSBD would download
models): the translator splits sentences itself. Decoding uses argostranslate's own settings
(beam size, length penalty, device, threads), so a sentence comes out exactly as
``argostranslate.translate.translate`` would give it (``tests/translate/test_argos.py`` checks
it). A missing direct pair is translated through English. ``install_package`` installs a local
``.argosmodel`` file, or, when online, a package from the Argos index.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.errors import TranslationError
from pipeline.translate.engines import (
    FLAG_ENGINE_FAILED,
    SegmentResult,
    keep_segments,
    pick_legs,
    translate_legs,
)

PIVOT = "en"
LANGS = ("fr", "en", "es")
ARGOS_LENGTH_PENALTY = 0.2
"""The length penalty argostranslate decodes with: a constant in its
``translate.apply_packaged_translation`` (not a setting), hence the pinned version range. With
CTranslate2's default (1.0) most outputs differ from argostranslate's."""


@dataclass
class ArgosPackage:
    """One installed translation package, loaded on first use."""

    path: Path
    source: str
    target: str
    version: str
    package: Any = None
    translator: Any = None


def default_packages_dirs() -> list[Path]:
    from argostranslate import settings

    return [Path(p) for p in settings.package_dirs]


def read_package_dirs(dirs: Sequence[Path]) -> dict[tuple[str, str], ArgosPackage]:
    """Installed translate packages of ``dirs`` by (source, target); the newest wins."""
    found: dict[tuple[str, str], ArgosPackage] = {}
    for base in dirs:
        if not base.is_dir():
            continue
        for meta_path in sorted(base.glob("*/metadata.json")):
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if meta.get("type", "translate") != "translate" or not (
                    meta_path.parent / "model").is_dir():
                continue
            source, target = meta.get("from_code"), meta.get("to_code")
            if not isinstance(source, str) or not isinstance(target, str):
                continue
            pkg = ArgosPackage(meta_path.parent, source, target,
                               str(meta.get("package_version", "")))
            old = found.get((source, target))
            if old is None or _version_key(pkg.version) > _version_key(old.version):
                found[source, target] = pkg
    return found


class ArgosEngine:
    """Batched translation with installed Argos packages (pivot through English)."""

    name = "argos"

    def __init__(
        self,
        packages_dirs: Sequence[Path] | None = None,
        *,
        beam_size: int | None = None,
        max_batch_size: int = 32,
        max_decoding_length: int = 256,
        max_input_length: int = 1024,
    ) -> None:
        self._dirs = list(packages_dirs) if packages_dirs is not None else None
        self.beam_size = beam_size
        """None: argostranslate's setting (``ARGOS_BEAM_SIZE``, 4 by default)."""
        self.max_batch_size = max_batch_size
        self.max_decoding_length = max_decoding_length
        self.max_input_length = max_input_length
        self.batch_calls = 0
        """Calls to ``Translator.translate_batch`` (for benchmarks and tests)."""
        self._packages: dict[tuple[str, str], ArgosPackage] | None = None

    @property
    def version(self) -> str:
        import argostranslate

        return getattr(argostranslate, "__version__", "") or _dist_version("argostranslate")

    @property
    def packages(self) -> dict[tuple[str, str], ArgosPackage]:
        if self._packages is None:
            dirs = self._dirs if self._dirs is not None else default_packages_dirs()
            self._packages = read_package_dirs(dirs)
        return self._packages

    def reload(self) -> None:
        """Forget the package list (after an install)."""
        self._packages = None

    def pairs(self) -> frozenset[tuple[str, str]]:
        return frozenset((s, t) for s in LANGS for t in LANGS if s != t and self._legs(s, t))

    def _legs(self, source: str, target: str) -> list[ArgosPackage] | None:
        legs = pick_legs(self.packages, source, target, PIVOT)
        return None if legs is None else [package for _, _, package in legs]

    def translate_batch(
        self, segments: Sequence[str], source: str, target: str
    ) -> list[SegmentResult]:
        legs = self._legs(source, target)
        label = " + ".join(f"{p.source}-{p.target} {p.version}".strip() for p in legs or ())
        return translate_legs(segments, legs, self._translate_leg_safely, engine=self.name,
                              engine_version=label)

    def _translate_leg_safely(self, pkg: ArgosPackage, sentences: list[str]
                              ) -> list[SegmentResult]:
        try:
            return [SegmentResult(text) for text in self._translate_leg(pkg, sentences)]
        except Exception:  # a broken model: keep the text, flag it, let another engine try
            pkg.translator = None  # load it afresh next time
            return keep_segments(sentences, FLAG_ENGINE_FAILED)

    def _translate_leg(self, pkg: ArgosPackage, sentences: list[str]) -> list[str]:
        self._load(pkg)
        tokenizer = pkg.package.tokenizer
        tokens = [tokenizer.encode(" ".join(s.split())) for s in sentences]
        prefix = pkg.package.target_prefix
        self.batch_calls += 1
        # Decoding as argostranslate's apply_packaged_translation does (one hypothesis); only the
        # batching differs: many sentences per call, batched by examples.
        outputs = pkg.translator.translate_batch(
            tokens,
            target_prefix=[[prefix]] * len(tokens) if prefix else None,
            beam_size=self._beam_size(),
            length_penalty=ARGOS_LENGTH_PENALTY,
            max_batch_size=self.max_batch_size,
            max_decoding_length=self.max_decoding_length,
            max_input_length=self.max_input_length,
            replace_unknowns=True,
        )
        texts = []
        for output in outputs:  # argostranslate drops the prefix and the leading space
            text = tokenizer.decode(output.hypotheses[0])
            if prefix and text.startswith(prefix):
                text = text[len(prefix):]
            texts.append(text.strip())
        return texts

    def _beam_size(self) -> int:
        if self.beam_size is not None:
            return self.beam_size
        from argostranslate import settings

        return int(settings.beam_size)

    def _load(self, pkg: ArgosPackage) -> None:
        if pkg.translator is not None:
            return
        import ctranslate2
        from argostranslate import settings
        from argostranslate.package import Package

        pkg.package = Package(pkg.path)
        pkg.translator = ctranslate2.Translator(
            str(pkg.path / "model"), device=settings.device, compute_type=settings.compute_type,
            inter_threads=settings.inter_threads, intra_threads=settings.intra_threads)


def install_package(path_or_name: str | Path, packages_dir: Path | None = None) -> Path:
    """Install a local ``.argosmodel`` file, or ``SRC-TGT`` (e.g. ``fr-en``) from the Argos
    index when online; return the installed package directory."""
    path = Path(path_or_name)
    if path.exists():
        return install_package_file(path, packages_dir)
    name = str(path_or_name)
    if "-" not in name or name.count("-") != 1:
        raise TranslationError(f"{name}: no such file, and not a pair such as fr-en")
    source, target = name.split("-")
    return install_from_index(source, target, packages_dir=packages_dir)


def install_package_file(path: Path, packages_dir: Path | None = None) -> Path:
    """Validate an ``.argosmodel`` zip (one top directory with ``metadata.json`` and
    ``model/``, no path escaping it) and extract it into ``packages_dir``."""
    target_dir = packages_dir or default_packages_dirs()[0]
    if not zipfile.is_zipfile(path):
        raise TranslationError(f"{path}: not an Argos package (not a zip archive)")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        tops = {PurePosixPath(n).parts[0] for n in names if n.strip("/")}
        if len(tops) != 1:
            raise TranslationError(f"{path}: an Argos package holds exactly one directory")
        top = tops.pop()
        for n in names:
            parts = PurePosixPath(n).parts
            if n.startswith("/") or ".." in parts or "\\" in n:
                raise TranslationError(f"{path}: unsafe path in archive: {n!r}")
        if f"{top}/metadata.json" not in names or not any(
                n.startswith(f"{top}/model/") for n in names):
            raise TranslationError(f"{path}: missing {top}/metadata.json or {top}/model/")
        try:
            meta = json.loads(archive.read(f"{top}/metadata.json"))
        except ValueError:
            raise TranslationError(f"{path}: metadata.json is not valid JSON") from None
        if not meta.get("from_code") or not meta.get("to_code"):
            raise TranslationError(f"{path}: metadata.json lacks from_code or to_code")
        target_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target_dir) as staging:
            archive.extractall(staging)
            destination = target_dir / top
            if destination.exists():
                shutil.rmtree(destination)
            shutil.move(str(Path(staging) / top), destination)
    return destination


def install_from_index(source: str, target: str, packages_dir: Path | None = None) -> Path:
    """Download and install a package from the Argos index (needs the network)."""
    from argostranslate import package as argos_package

    argos_package.update_package_index()
    candidates = [p for p in argos_package.get_available_packages()
                  if p.from_code == source and p.to_code == target]
    if not candidates:
        raise TranslationError(
            f"no Argos package {source}-{target} in the index (offline, or no such pair)")
    try:
        downloaded = Path(candidates[0].download())
    except Exception as exc:
        raise TranslationError(f"downloading the {source}-{target} package failed: {exc}") \
            from None
    return install_package_file(downloaded, packages_dir)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split(".") if p.isdigit())


def _dist_version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "unknown"
