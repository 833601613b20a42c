"""Typed records that flow one way through the stages.

collect → classify → translate → draft → render → send → archive

Stages import this module and :mod:`pipeline.errors`, never each other; :mod:`pipeline.jobs`
composes them and is the only place that talks to both a stage and the store.
All datetimes are timezone-aware UTC and their names end in ``_at``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pipeline.states import TextState

LANGUAGES: tuple[str, ...] = ("fr", "en", "es")
ENGINE_NAMES: tuple[str, ...] = ("argos", "apertium")
"""The translation engines the pipeline knows (settings name them; pipeline.translate builds
them)."""
"""The three publication languages, in the Initiative's order."""

THEMES: tuple[str, ...] = (
    "soil-carbon",
    "practices",
    "policy",
    "finance",
    "science",
    "food-security",
    "land-restoration",
    "initiative",
)
REGIONS: tuple[str, ...] = (
    "africa",
    "asia",
    "europe",
    "latin-america-caribbean",
    "north-america",
    "oceania",
    "global",
)

SourceKind = Literal["feed", "page"]
Relevance = Literal["always", "check"]
SourceSection = Literal["press", "partner", "initiative"]


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """One entry of ``sources.toml``, validated."""

    id: str
    name: str
    url: str
    kind: SourceKind
    lang: str
    region: str | None = None
    themes: tuple[str, ...] = ()
    enabled: bool = True
    country: str | None = None
    """ISO 3166 code of the outlet's country: the region of its items when they name no place,
    and the context that settles an ambiguous place name."""
    interval_minutes: int = 360
    follow_links: bool = False
    relevance: Relevance = "check"
    section: SourceSection = "press"
    """Where the source's items go in the Newsletter: press (the "from the press" block),
    partner (news from Partners and Members) or initiative (news of the Initiative)."""


@dataclass(frozen=True, slots=True)
class FetchState:
    """What a source remembers between fetches (conditional GET)."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True, slots=True)
class CollectedItem:
    """One media item as collected, before any processing."""

    source_id: str
    url: str
    canonical_url: str
    title: str
    fetched_at: datetime
    content_hash: str
    guid: str | None = None
    summary: str = ""
    """Plain text (sanitised, tags stripped)."""
    body: str = ""
    """Main text of the article page when it could be had, else empty."""
    lang_hint: str | None = None
    author: str | None = None
    publisher: str | None = None
    """The outlet that published the item when it differs from the source (RSS ``<source>``)."""
    published_at: datetime | None = None
    enclosures: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    """The feed's own categories of the item (RSS ``<category>``, Atom ``term``/``label``)."""
    fallback: str | None = None
    """Why the article page was not used and the feed's summary was kept (robots.txt,
    a fetch error…); None when the page was used or never sought."""


@dataclass(frozen=True, slots=True)
class ReadDocument:
    """The items a fetched feed or page gives, once each, in document order (what a parse
    worker returns: defined here, not beside the parsers, so that receiving it loads none)."""

    items: list[CollectedItem]
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class Article:
    """An article page's main text and metadata, as a parse worker extracted them."""

    title: str
    text: str
    lang: str | None
    published_at: datetime | None
    author: str | None
    url: str | None = None
    warnings: tuple[str, ...] = ()


FetchOutcome = Literal["new", "unchanged", "not_modified", "failed"]


@dataclass(slots=True)
class SourceResult:
    """What one fetch of one source gave."""

    source_id: str
    outcome: FetchOutcome
    items: list[CollectedItem] = field(default_factory=list)
    state: FetchState = field(default_factory=FetchState)
    error: str | None = None
    retry_after_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)
    bytes_received: int = 0


@dataclass(frozen=True, slots=True)
class Classification:
    """What the classifier decided about one item, and why."""

    lang: str
    relevant: bool
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    relevance_score: float = 0.0
    evidence: dict[str, object] = field(default_factory=dict)


TextOrigin = TextState
"""Where a text's wording comes from and how far people have checked it (``origin`` fields
of the records hold a :class:`~pipeline.states.TextState`)."""


@dataclass(frozen=True, slots=True)
class ItemText:
    """Title, summary and body of an item in one language, with provenance."""

    lang: str
    title: str
    summary: str
    body: str = ""
    origin: TextState = TextState.ORIGINAL
    engine: str | None = None
    flags: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()
    """Words the engine did not know and left as they were (the review marks them)."""


@dataclass(frozen=True, slots=True)
class LanguageState:
    """Whether an edition can go out in one language: the ids of what has no text in it
    (``missing``: items, figures, events, ``editorial``) and of what is still unreviewed
    machine output (``unreviewed``)."""

    missing: tuple[str, ...] = ()
    unreviewed: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not self.missing

    def to_json(self) -> dict[str, Any]:
        return {"complete": self.complete, "missing": list(self.missing),
                "unreviewed": list(self.unreviewed)}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> LanguageState:
        def ids(key: str) -> tuple[str, ...]:
            value = raw.get(key)
            return tuple(str(i) for i in value) if isinstance(value, list) else ()

        return cls(missing=ids("missing"), unreviewed=ids("unreviewed"))


@dataclass(frozen=True, slots=True)
class StoryCandidate:
    """What story linking (pipeline.classify.stories) needs to know about one item, as the
    store gives it (pipeline.store.stories)."""

    id: str
    lang: str
    title: str
    text: str = ""
    published_at: datetime | None = None
    translated_titles: Mapping[str, str] = field(default_factory=dict)
    """Machine or human translations of the title, by language code (``{"en": "..."}``)."""
    source: str = ""
    """The outlet; two items of one outlet are not linked as reports of one story."""
