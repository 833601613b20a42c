"""Records of edition drafting: what the draft stage reads and the plan it produces.

The lead builds :class:`Candidate`, :class:`Event` and :class:`KeyFigure` records from the store;
:func:`pipeline.draft.draft_press_review` and :func:`pipeline.draft.draft_newsletter` turn them into
an :class:`EditionPlan`, which the render stage reads (structurally: render does not import this
module, it declares the attributes it reads as protocols).

Every record is frozen; collections are tuples or read-only mappings so that a plan is a value:
the same inputs give an equal plan, and :func:`plan_to_json` gives byte-identical JSON for it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from pipeline.errors import EditionError
from pipeline.records import ItemText, TextOrigin
from pipeline.states import TextState

EditionKind = Literal["press-review", "newsletter"]
CandidateKind = Literal[
    "press", "initiative", "partner", "success-story", "key-figure", "practical-sheet"
]
SectionKind = Literal["entries", "editorial", "key-figures", "agenda"]


@dataclass(frozen=True, slots=True)
class LocalText:
    """A title and a short summary in one language, with where the wording comes from."""

    title: str
    summary: str = ""
    origin: TextOrigin = TextState.ORIGINAL

    @classmethod
    def from_item_text(cls, text: ItemText) -> LocalText:
        """The title, summary and origin of a stored :class:`pipeline.records.ItemText`."""
        return cls(text.title, text.summary, text.origin)


@dataclass(frozen=True, slots=True)
class AlsoIn:
    """Another version of the same story: its language, address and outlet."""

    lang: str
    url: str
    source_name: str = ""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One stored item offered to the drafting of an edition."""

    item_id: str
    story_id: str
    source_name: str
    url: str
    original_lang: str
    published_at: datetime | None
    relevant: bool
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    texts: Mapping[str, LocalText]
    """Texts per language code (``fr``, ``en``, ``es``)."""
    outlets_count: int = 1
    also_in: tuple[AlsoIn, ...] = ()
    kind: CandidateKind = "press"
    source_weight: float = 1.0
    collected_at: datetime | None = None
    """Used for the period when ``published_at`` is unknown."""
    image_url: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """An agenda entry: from the team's events list or from an item."""

    event_id: str
    texts: Mapping[str, LocalText]
    """Title and one-line description per language."""
    starts_at: datetime
    ends_at: datetime | None = None
    place: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class KeyFigure:
    """A number, its unit, one sentence of context and a source link."""

    figure_id: str
    value: float
    texts: Mapping[str, LocalText]
    """``title`` is the unit ("tonnes of carbon per hectare"), ``summary`` the context."""
    source_name: str = ""
    source_url: str = ""


@dataclass(frozen=True, slots=True)
class Entry:
    """One story placed in an edition."""

    item_id: str
    story_id: str
    source_name: str
    url: str
    original_lang: str
    published_at: datetime | None
    themes: tuple[str, ...]
    regions: tuple[str, ...]
    texts: Mapping[str, LocalText]
    rank: int
    """1 for the best entry of the whole edition; used to choose what overflows to the web."""
    group: str = ""
    """The region heading this entry sits under ("" when the section is not grouped)."""
    outlets_count: int = 1
    also_in: tuple[AlsoIn, ...] = ()
    image_url: str | None = None


@dataclass(frozen=True, slots=True)
class Section:
    """One section of an edition, in display order."""

    id: str
    kind: SectionKind = "entries"
    entries: tuple[Entry, ...] = ()
    events: tuple[Event, ...] = ()
    figures: tuple[KeyFigure, ...] = ()
    editorial: Mapping[str, LocalText] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EditionPlan:
    """A drafted edition: which entries go where, for every language."""

    kind: EditionKind
    period_start_at: datetime
    period_end_at: datetime
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = ()

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry of the edition, in section order."""
        return tuple(entry for section in self.sections for entry in section.entries)

    def without_entries(self, reasons: Mapping[str, str]) -> EditionPlan:
        """The plan without the entries of these item ids, each named in a warning with its
        reason (an item that cannot be rendered is left out; the edition is still drafted)."""
        sections = tuple(
            replace(section, entries=tuple(e for e in section.entries
                                           if e.item_id not in reasons))
            for section in self.sections)
        warnings = tuple(f"item {item_id} left out: {reason}"
                         for item_id, reason in reasons.items())
        return replace(self, sections=sections, warnings=(*self.warnings, *warnings))


def _encode(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot encode {type(value).__name__}")


def plan_to_json(plan: EditionPlan) -> str:
    """Serialise a plan to canonical JSON (sorted keys): equal plans give identical bytes."""
    return json.dumps(asdict(plan), default=_encode, ensure_ascii=False, sort_keys=True, indent=1)


def _texts(raw: Mapping[str, Any]) -> dict[str, LocalText]:
    return {lang: LocalText(t["title"], t.get("summary", ""), _text_state(t.get("origin")))
            for lang, t in sorted(raw.items())}


def _text_state(raw: str | None) -> TextState:
    """A stored plan's text state (plans drafted before the states were typed said
    ``edited`` for a person's wording)."""
    return TextState.REVIEWED if raw == "edited" else TextState(raw or TextState.ORIGINAL)


def _moment(raw: str | None) -> datetime | None:
    return datetime.fromisoformat(raw) if raw else None


def _entry(raw: Mapping[str, Any]) -> Entry:
    return Entry(
        item_id=raw["item_id"], story_id=raw["story_id"], source_name=raw["source_name"],
        url=raw["url"], original_lang=raw["original_lang"],
        published_at=_moment(raw.get("published_at")), themes=tuple(raw["themes"]),
        regions=tuple(raw["regions"]), texts=_texts(raw["texts"]), rank=raw["rank"],
        group=raw.get("group", ""), outlets_count=raw.get("outlets_count", 1),
        also_in=tuple(AlsoIn(a["lang"], a["url"], a.get("source_name", ""))
                      for a in raw.get("also_in", ())),
        image_url=raw.get("image_url"),
    )


def _section(raw: Mapping[str, Any]) -> Section:
    return Section(
        id=raw["id"], kind=raw.get("kind", "entries"),
        entries=tuple(_entry(e) for e in raw.get("entries", ())),
        events=tuple(Event(e["event_id"], _texts(e["texts"]), datetime.fromisoformat(
            e["starts_at"]), _moment(e.get("ends_at")), e.get("place", ""), e.get("url", ""))
            for e in raw.get("events", ())),
        figures=tuple(KeyFigure(f["figure_id"], f["value"], _texts(f["texts"]),
                                f.get("source_name", ""), f.get("source_url", ""))
                      for f in raw.get("figures", ())),
        editorial=_texts(raw.get("editorial") or {}),
    )


def plan_from_json(document: str) -> EditionPlan:
    """Read back a plan written by :func:`plan_to_json` (e.g. stored with a draft edition).

    Raises :class:`EditionError` naming the problem when the document is not a valid plan.
    """
    try:
        raw = json.loads(document)
        start_at, end_at = raw["period_start_at"], raw["period_end_at"]
        return EditionPlan(
            kind=raw["kind"], period_start_at=datetime.fromisoformat(start_at),
            period_end_at=datetime.fromisoformat(end_at),
            sections=tuple(_section(s) for s in raw["sections"]),
            warnings=tuple(raw.get("warnings", ())),
        )
    except (ValueError, KeyError, TypeError) as error:
        raise EditionError(f"not a valid edition plan: {error!r}") from error
