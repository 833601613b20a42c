"""Job: the team's taxonomy keywords and glossary terms, edited from the web app.

Each edit is previewed on the items collected lately (which would be classified, or
translated, differently), then saved to the file the pipeline reads (:mod:`pipeline.teamfiles`:
the team's copy in the data folder, made from the bundled file on the first save, comments
and order kept), checked by the same reader the pipeline uses, and audited with what was
added and removed. A page's edit names the digest of the file it showed: a file changed
meanwhile is not overwritten.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Table

from pipeline.app import App
from pipeline.classify.taxonomy import Taxonomy, load_taxonomy, parse_taxonomy
from pipeline.config import load_sources
from pipeline.errors import ConfigError, FormError
from pipeline.jobs.process import classify_pending
from pipeline.permissions import Action, Actor, require
from pipeline.records import LANGUAGES, THEMES, SourceSpec
from pipeline.store.audit import record_audit
from pipeline.store.processing import PendingItem
from pipeline.store.recent import load_recent_items
from pipeline.teamfiles import (
    digest_of,
    edit_toml_file,
    glossary_edit_path,
    glossary_path,
    read_bytes,
    taxonomy_edit_path,
    taxonomy_path,
    team_taxonomy,
)
from pipeline.translate.glossary import Glossary, load_glossary, parse_glossary

SECTIONS = ("relevance", *THEMES)
"""What the taxonomy page edits: the relevance vocabulary and each theme."""
TERM_KINDS = ("strong", "keywords", "exclude")
EDITED_LANGUAGES = ("fr", "en", "es")
MAX_TERMS = 1000
MAX_TERM = 120
PREVIEW_WINDOW = timedelta(days=30)
PREVIEW_ITEMS = 500
SHOWN_CHANGES = 50

Lists = dict[tuple[str, str], list[str]]
Change = Callable[[tomlkit.TOMLDocument], None]


@dataclass(frozen=True, slots=True)
class TeamFile:
    """A team file as a page shows it: where it is read from, its digest (what an edit
    must name), and whether it is the team's copy yet."""

    path: Path
    digest: str
    data: dict[str, Any]
    copy: bool


def _read(path: Path, edit_path: Path) -> TeamFile:
    raw = read_bytes(path)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"not valid TOML: {exc}", file=str(path)) from None
    return TeamFile(path, digest_of(raw), data, path == edit_path)


def taxonomy_file(app: App) -> TeamFile:
    return _read(taxonomy_path(app.settings), taxonomy_edit_path(app.settings))


def glossary_file(app: App) -> TeamFile:
    return _read(glossary_path(app.settings), glossary_edit_path(app.settings))


def section_table(data: Mapping[str, Any], section: str) -> dict[str, Any]:
    table = data.get("relevance") if section == "relevance" else \
        data.get("themes", {}).get(section)
    return table if isinstance(table, dict) else {}


def section_lists(data: Mapping[str, Any], section: str) -> Lists:
    table = section_table(data, section)
    return {(kind, lang): [str(t) for t in table.get(kind, {}).get(lang, [])]
            for kind in TERM_KINDS for lang in EDITED_LANGUAGES}


def read_lines(text: str, field_name: str) -> list[str]:
    """One term a line (blank lines and repeats dropped), each checked for length."""
    terms: list[str] = []
    for line in text.splitlines():
        term = " ".join(line.split())
        if not term or term in terms:
            continue
        if len(term) > MAX_TERM or any(ord(c) < 32 for c in term):
            raise FormError(f"a term of at most {MAX_TERM} characters a line", path=field_name,
                            code="term_long")
        terms.append(term)
    if len(terms) > MAX_TERMS:
        raise FormError(f"at most {MAX_TERMS} terms", path=field_name, code="too_many")
    return terms


def _check_section(section: str) -> None:
    if section not in SECTIONS:
        raise FormError("unknown section", path="section", code="missing")


def taxonomy_change(section: str, lists: Lists) -> Change:
    """Set the section's lists (``strong.fr = [...]``), keeping everything else as it is."""
    def change(document: tomlkit.TOMLDocument) -> None:
        table: Any = document["relevance"] if section == "relevance" else \
            document["themes"][section]
        for (kind, lang), terms in lists.items():
            if kind in table and lang in table[kind]:
                if list(table[kind][lang]) != terms:
                    table[kind][lang] = terms
            elif terms:
                table.add(tomlkit.key([kind, lang]), terms)
    return change


def _changed_text(read_path: Path, change: Change) -> str:
    document = tomlkit.parse(read_bytes(read_path).decode("utf-8"))
    change(document)
    return tomlkit.dumps(document)


def _as_form_error(exc: ConfigError) -> FormError:
    return FormError(str(exc), path="", code="invalid")


# --- taxonomy ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Relabelled:
    item_id: int
    title: str
    before: tuple[bool, tuple[str, ...]]
    """Relevant, themes: as the taxonomy in use classifies it."""
    after: tuple[bool, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Preview:
    checked: int
    changed: list[Any] = field(default_factory=list)
    """The first changed items (:data:`SHOWN_CHANGES`)."""
    total: int = 0


def _recent(app: App) -> list[tuple[PendingItem, str | None]]:
    with app.session(readonly=True) as db:
        return load_recent_items(db, since_at=datetime.now(UTC) - PREVIEW_WINDOW,
                                 limit=PREVIEW_ITEMS)


def _specs(app: App) -> dict[str, SourceSpec]:
    try:
        return {s.id: s for s in load_sources(app.settings.sources_path)}
    except ConfigError:
        return {}


def preview_taxonomy(app: App, actor: Actor, section: str, lists: Lists) -> Preview:
    """Which recent items the edited lists would classify differently (relevance or
    themes) from the taxonomy in use."""
    require(actor, Action.EDIT)
    _check_section(section)
    read_path = taxonomy_path(app.settings)
    try:
        edited = parse_taxonomy(tomllib.loads(_changed_text(read_path,
                                                            taxonomy_change(section, lists))))
    except ConfigError as exc:
        raise _as_form_error(exc) from None
    return compare_taxonomies(app, team_taxonomy(app.settings), edited)


def compare_taxonomies(app: App, current: Taxonomy, edited: Taxonomy) -> Preview:
    specs = _specs(app)
    changed: list[Relabelled] = []
    items = _recent(app)
    total = 0
    for item, _lang in items:
        spec = specs.get(item.source_id or "")
        before = classify_pending(item, spec, current)
        after = classify_pending(item, spec, edited)
        if (before.relevant, before.themes) != (after.relevant, after.themes):
            total += 1
            if len(changed) < SHOWN_CHANGES:
                changed.append(Relabelled(item.id, item.title, (before.relevant, before.themes),
                                          (after.relevant, after.themes)))
    return Preview(len(items), changed, total)


def _list_changes(before: Lists, after: Lists) -> dict[str, dict[str, list[str]]]:
    added = {f"{k}.{lang}": [t for t in after[k, lang] if t not in before.get((k, lang), [])]
             for k, lang in after}
    removed = {f"{k}.{lang}": [t for t in before.get((k, lang), []) if t not in after[k, lang]]
               for k, lang in after}
    return {"added": {k: v for k, v in added.items() if v},
            "removed": {k: v for k, v in removed.items() if v}}


def save_taxonomy(app: App, actor: Actor, section: str, lists: Lists, digest: str) -> None:
    """Save the section's lists to the team's taxonomy (audited)."""
    require(actor, Action.EDIT)
    _check_section(section)
    current = taxonomy_file(app)
    before = section_lists(current.data, section)
    try:
        edit_toml_file(current.path, taxonomy_edit_path(app.settings), digest,
                       taxonomy_change(section, lists), check=load_taxonomy)
    except FormError:
        raise
    except ConfigError as exc:
        if type(exc) is not ConfigError:
            raise  # FileChanged
        raise _as_form_error(exc) from None
    with app.session() as db:
        record_audit(db, actor.name, "taxonomy.edited", f"taxonomy:{section}",
                     file=str(taxonomy_edit_path(app.settings)),
                     **_list_changes(before, lists))


# --- glossary ------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Retranslated:
    item_id: int
    title: str
    lang: str
    terms_before: tuple[str, ...]
    terms_after: tuple[str, ...]


def glossary_entries(data: Mapping[str, Any]) -> tuple[list[dict[str, str]], list[str]]:
    terms = [{k: str(v) for k, v in t.items()} for t in data.get("terms", [])
             if isinstance(t, dict)]
    return terms, [str(k) for k in data.get("keep", [])]


def term_change(index: int | None, values: Mapping[str, str] | None) -> Change:
    """Replace term ``index`` (None: add one at the end; ``values`` None: remove it)."""
    def change(document: tomlkit.TOMLDocument) -> None:
        if "terms" not in document:
            document.append("terms", tomlkit.aot())
        terms = document["terms"]
        if not isinstance(terms, AoT):
            raise ConfigError("expected an array of tables [[terms]]", path="terms")
        if index is not None and not 0 <= index < len(terms):
            raise FormError("no such term", path="index", code="missing")
        if values is None:
            assert index is not None
            del terms[index]
            return
        cleaned = {lang: " ".join(values.get(lang, "").split()) for lang in LANGUAGES}
        if index is None:
            table = tomlkit.table()
            table.trivia.indent = "\n" if len(terms) else ""
            first = list(terms[0]) if len(terms) else []  # the file's own order of languages
            for lang in sorted(cleaned, key=lambda x: first.index(x) if x in first else 9):
                if cleaned[lang]:
                    table[lang] = cleaned[lang]
            terms.append(table)
            return
        existing = terms[index]
        assert isinstance(existing, Table)
        for lang, text in cleaned.items():
            if text and existing.get(lang) != text:
                existing[lang] = text
            elif not text and lang in existing:
                del existing[lang]
    return change


def keep_change(names: Sequence[str]) -> Change:
    def change(document: tomlkit.TOMLDocument) -> None:
        document["keep"] = list(names)
    return change


def check_term(values: Mapping[str, str]) -> dict[str, str]:
    cleaned = {}
    for lang in LANGUAGES:
        text = values.get(lang, "")
        if len(text) > MAX_TERM or any(ord(c) < 32 for c in text):
            raise FormError(f"at most {MAX_TERM} characters, one line", path=lang,
                            code="term_long")
        cleaned[lang] = " ".join(text.split())
    if sum(1 for text in cleaned.values() if text) < 2:
        raise FormError("a term needs at least two languages", path="en", code="two_languages")
    return cleaned


def preview_glossary(app: App, actor: Actor, change: Change) -> Preview:
    """Which recent items would be translated differently: a term of the glossary in use
    or of the edited one is found in their original title or summary with a different
    equivalent."""
    require(actor, Action.EDIT)
    current_file = glossary_file(app)
    try:
        edited = parse_glossary(tomllib.loads(_changed_text(current_file.path, change)))
        current = parse_glossary(current_file.data)
    except ConfigError as exc:
        raise _as_form_error(exc) from None
    return compare_glossaries(app, current, edited)


def _found(glossary: Glossary, text: str, source: str, target: str) -> tuple[str, ...]:
    return tuple(f"{m.source_text} → {m.target_text}"
                 for m in glossary.find_terms(text, source, target))


def compare_glossaries(app: App, current: Glossary, edited: Glossary) -> Preview:
    changed: list[Retranslated] = []
    items = _recent(app)
    total = 0
    for item, lang in items:
        source = lang or item.lang_hint or item.source_lang or ""
        if source not in LANGUAGES:
            continue
        text = f"{item.title}\n{item.summary}"
        for target in LANGUAGES:
            if target == source:
                continue
            before, after = _found(current, text, source, target), \
                _found(edited, text, source, target)
            if before != after:
                total += 1
                if len(changed) < SHOWN_CHANGES:
                    changed.append(Retranslated(item.id, item.title, target, before, after))
    return Preview(len(items), changed, total)


def save_glossary(app: App, actor: Actor, change: Change, digest: str, *, action: str,
                  **details: Any) -> None:
    """Save an edit to the glossary the pipeline reads (audited)."""
    require(actor, Action.EDIT)
    current = glossary_file(app)
    try:
        edit_toml_file(current.path, glossary_edit_path(app.settings), digest, change,
                       check=load_glossary)
    except FormError:
        raise
    except ConfigError as exc:
        if type(exc) is not ConfigError:
            raise  # FileChanged
        raise _as_form_error(exc) from None
    with app.session() as db:
        record_audit(db, actor.name, action, "glossary",
                     file=str(glossary_edit_path(app.settings)), **details)


__all__ = ["EDITED_LANGUAGES", "SECTIONS", "TERM_KINDS", "Preview", "Relabelled",
           "Retranslated", "TeamFile", "check_term", "compare_glossaries",
           "compare_taxonomies", "glossary_entries", "glossary_file", "keep_change",
           "preview_glossary", "preview_taxonomy", "read_lines", "save_glossary",
           "save_taxonomy", "section_lists", "section_table", "taxonomy_change",
           "taxonomy_file", "term_change"]
