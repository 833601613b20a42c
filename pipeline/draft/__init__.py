"""Edition drafting: choose, merge, rank and group items into an :class:`EditionPlan`.

Pure functions of their inputs (no database, no clock): the lead loads candidates from the store.
"""

from pipeline.draft.assemble import (
    SectionSpec,
    assemble_plan,
    section_for,
    section_layout,
)
from pipeline.draft.edition import (
    DEFAULT_SECTION_ORDER,
    draft_newsletter,
    draft_press_review,
    select_events,
)
from pipeline.draft.events import parse_events
from pipeline.draft.plan import (
    AlsoIn,
    Candidate,
    EditionPlan,
    Entry,
    Event,
    KeyFigure,
    LocalText,
    Section,
    plan_from_json,
    plan_to_json,
)

__all__ = [
    "DEFAULT_SECTION_ORDER",
    "AlsoIn",
    "Candidate",
    "EditionPlan",
    "Entry",
    "Event",
    "KeyFigure",
    "LocalText",
    "Section",
    "SectionSpec",
    "assemble_plan",
    "draft_newsletter",
    "draft_press_review",
    "parse_events",
    "plan_from_json",
    "plan_to_json",
    "section_for",
    "section_layout",
    "select_events",
]
