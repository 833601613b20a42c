"""Writing ``sources.toml`` back from the web app, the file staying the source of truth.

The administrator may edit the file by hand at any time; the sources page changes it with
tomlkit, which keeps comments, blank lines, key order and quoting as they were, and changes
only the keys it sets. Before the file is replaced, the new text is written beside it and
read by :func:`pipeline.config.load_sources`: exactly what the command line does, so a
change the command line would refuse is refused with the same message, and the file is never
left half-written (``os.replace``). A change carries the digest of the file the page showed;
if the file changed since (by hand, or from another page), nothing is written
(:class:`~pipeline.errors.FileChanged`). Writers of one file take a lock on its folder.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, InlineTable, Table

from pipeline.config import MAX_SOURCES_FILE_BYTES, load_sources
from pipeline.errors import ConfigError
from pipeline.records import SourceSpec
from pipeline.teamfiles import digest_of, edit_toml_file, read_bytes

Change = Callable[[tomlkit.TOMLDocument], None]


@dataclass(frozen=True, slots=True)
class SourcesFile:
    """The file as read now: its text's digest (what a change must name), and its sources,
    or the error that makes the command line refuse it."""

    path: Path
    digest: str
    specs: list[SourceSpec]
    error: str | None = None


def read_sources_file(path: Path) -> SourcesFile:
    data = read_bytes(path, MAX_SOURCES_FILE_BYTES)
    if not path.exists():
        return SourcesFile(path, digest_of(b""), [])
    try:
        specs = load_sources(path)
    except ConfigError as exc:
        return SourcesFile(path, digest_of(data), [], str(exc))
    return SourcesFile(path, digest_of(data), specs)


def _sources_array(document: tomlkit.TOMLDocument) -> AoT | Array:
    if "sources" not in document:
        document.append("sources", tomlkit.aot())
    sources = document["sources"]
    if not isinstance(sources, AoT | Array):
        raise ConfigError("expected an array of tables ([[sources]])", path="sources")
    return sources


def find_table(document: tomlkit.TOMLDocument, source_id: str) -> Table | InlineTable:
    for table in _sources_array(document):
        if isinstance(table, Table | InlineTable) and table.get("id") == source_id:
            return table
    raise ConfigError(f"no source {source_id!r} in the file", path="id")


def set_values(table: Table | InlineTable, values: Mapping[str, Any],
               defaults: Mapping[str, Any] | None = None) -> None:
    """Set keys (None removes one); keys already there keep their place and comments. A new
    key goes right after the table's last key, not after the comments and blank lines that
    end the table in the file (tomlkit counts a section comment announcing the next table
    as the end of this one, and its public ``add`` would append below it)."""
    new = {}
    for key, value in values.items():
        if value is None:
            if key in table:
                del table[key]
        elif key not in table:
            if defaults is None or key not in defaults or defaults[key] != value:
                new[key] = value  # a key at its default value is not written in
        elif table.get(key) != value:
            table[key] = value
    container = table.value if isinstance(table, Table) else None
    for key, value in new.items():
        anchor = next(reversed(list(container)), None) if container else None
        if container is None or anchor is None:
            table[key] = value
        else:
            # tomlkit's Container._insert_after (tomlkit is pinned below 0.16 for it); the
            # document is written out right after, so the Table's own view is not read again
            container._insert_after(anchor, key, value)


def set_source(source_id: str, values: Mapping[str, Any],
               defaults: Mapping[str, Any] | None = None) -> Change:
    """Set a source's keys; one missing from its table and at its ``defaults`` value stays
    out of the file."""
    def change(document: tomlkit.TOMLDocument) -> None:
        set_values(find_table(document, source_id), values, defaults)
    return change


def add_source(values: Mapping[str, Any]) -> Change:
    """A new ``[[sources]]`` table at the end of the file."""
    def change(document: tomlkit.TOMLDocument) -> None:
        sources = _sources_array(document)
        table: Table | InlineTable = tomlkit.table() if isinstance(sources, AoT) else \
            tomlkit.inline_table()
        for key, value in values.items():
            if value is not None:
                table[key] = value
        if isinstance(table, Table) and len(sources):
            table.trivia.indent = "\n"  # a blank line before it, as between the others
        sources.append(table)
    return change


def edit_sources_file(path: Path, expected_digest: str, change: Change) -> SourcesFile:
    """Apply ``change`` to the file if it is still the one read with ``expected_digest``,
    check the result as the command line would (:func:`~pipeline.config.load_sources`), and
    replace the file atomically."""
    text, specs = edit_toml_file(path, path, expected_digest, change, check=load_sources)
    return SourcesFile(path, digest_of(text.encode("utf-8")), specs)


__all__ = ["SourcesFile", "add_source", "digest_of", "edit_sources_file", "find_table",
           "read_sources_file", "set_source", "set_values"]
