"""The files the team edits from the web app, and which copy the pipeline reads.

The package ships a taxonomy (``pipeline/classify/data/taxonomy.toml``) and a glossary
(``translations/glossary.toml``). An installed package is no place to write to, so the team's
edits live in the data folder (the ``data_dir`` setting, ``<var_dir>/data`` by default):

- the first save from the taxonomy or glossary page copies the bundled file there (comments
  and order kept) and changes the copy;
- from then on every job reads the copy: classification (``pipeline process``, submissions,
  the taxonomy page's preview) and translation;
- deleting the copy goes back to the bundled file (a newer version of the package may ship a
  newer one: the copy shadows it until then).

``PIPELINE_GLOSSARY_PATH``, when it names a file of the administrator's, wins: that file is
read and the glossary page edits it in place.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import tomlkit
from tomlkit.exceptions import TOMLKitError

from pipeline.classify.taxonomy import DEFAULT_TAXONOMY_PATH, Taxonomy, load_taxonomy
from pipeline.errors import ConfigError, FileChanged
from pipeline.resources import GLOSSARY_PATH
from pipeline.settings import Settings

T = TypeVar("T")
MAX_FILE_BYTES = 5 * 1024 * 1024

TAXONOMY_FILE = "taxonomy.toml"
GLOSSARY_FILE = "glossary.toml"


def bundled_glossary_path() -> Path:
    """The glossary the package ships (the ``glossary_path`` setting's default)."""
    return GLOSSARY_PATH


def glossary_is_named(settings: Settings) -> bool:
    """True when the administrator named a glossary file of their own."""
    return settings.glossary_path.resolve() != bundled_glossary_path().resolve()


def taxonomy_edit_path(settings: Settings) -> Path:
    """Where an edit of the taxonomy is saved."""
    return settings.resolved_data_dir / TAXONOMY_FILE


def glossary_edit_path(settings: Settings) -> Path:
    """Where an edit of the glossary is saved."""
    if glossary_is_named(settings):
        return settings.glossary_path
    return settings.resolved_data_dir / GLOSSARY_FILE


def taxonomy_path(settings: Settings) -> Path:
    """The taxonomy the pipeline reads: the team's copy once there is one, else the bundled
    file."""
    copy = taxonomy_edit_path(settings)
    return copy if copy.is_file() else DEFAULT_TAXONOMY_PATH


def glossary_path(settings: Settings) -> Path:
    """The glossary the pipeline reads (the administrator's file, else the team's copy once
    there is one, else the bundled file)."""
    edited = glossary_edit_path(settings)
    return edited if edited.is_file() else settings.glossary_path


def bundled_taxonomy_path() -> Path:
    return DEFAULT_TAXONOMY_PATH


def team_taxonomy(settings: Settings) -> Taxonomy:
    """The taxonomy the pipeline reads, compiled once per version of the file."""
    path = taxonomy_path(settings)
    stat = path.stat()
    return _compiled(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _compiled(path: str, mtime_ns: int, size: int) -> Taxonomy:
    del mtime_ns, size  # the cache key: a changed file is compiled again
    return load_taxonomy(path)


# --- changing a team file: read, check it is the one the page showed, change, check, replace --

def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes (b"" when there is none), read up to one byte past ``limit``."""
    try:
        with path.open("rb") as handle:
            return handle.read(limit + 1)
    except FileNotFoundError:
        return b""
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc}", file=str(path)) from None


@contextlib.contextmanager
def folder_lock(path: Path) -> Iterator[None]:
    """An exclusive lock on the file's folder (the file itself is replaced, not rewritten,
    so a lock on it would not outlive a write)."""
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(folder, fcntl.LOCK_UN)
        os.close(folder)


def edit_toml_file(read_path: Path, write_path: Path, expected_digest: str,
                   change: Callable[[tomlkit.TOMLDocument], None],
                   check: Callable[[Path], T]) -> tuple[str, T]:
    """Change a TOML file with tomlkit (comments, order and quoting kept), if it is still the
    one whose bytes had ``expected_digest``; ``check`` reads the result from a file beside
    the target before it replaces it atomically (the same reader the pipeline uses, so what
    it would refuse is refused). ``read_path`` may be the bundled file a first edit copies
    to ``write_path``. Returns the new text and what ``check`` read."""
    write_path.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(write_path):
        data = read_bytes(read_path)
        if digest_of(data) != expected_digest:
            raise FileChanged("the file changed since this page was opened (edited by hand, "
                              "or from another page): nothing was written; reload to see it",
                              file=str(read_path))
        if len(data) > MAX_FILE_BYTES:
            raise ConfigError("file too large", file=str(read_path))
        try:
            document = tomlkit.parse(data.decode("utf-8"))
        except (TOMLKitError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not valid TOML: {exc}", file=str(read_path)) from None
        change(document)
        text = tomlkit.dumps(document)
        handle, temporary = tempfile.mkstemp(prefix=f".{write_path.name}.", suffix=".tmp",
                                             dir=write_path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
                out.write(text)
            try:
                checked = check(Path(temporary))
            except ConfigError as exc:
                refused = ConfigError(str(exc).replace(temporary, str(write_path)))
                refused.path = exc.path
                raise refused from None
            if write_path.exists():
                os.chmod(temporary, write_path.stat().st_mode & 0o7777)
            os.replace(temporary, write_path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
    return text, checked


__all__ = [
    "bundled_glossary_path",
    "bundled_taxonomy_path",
    "digest_of",
    "edit_toml_file",
    "folder_lock",
    "glossary_edit_path",
    "glossary_is_named",
    "glossary_path",
    "read_bytes",
    "taxonomy_edit_path",
    "taxonomy_path",
    "team_taxonomy",
]
