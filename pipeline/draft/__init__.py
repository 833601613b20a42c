"""Edition drafting: choose, merge, rank and group items into an :class:`EditionPlan`.

Pure functions of their inputs (no database, no clock): the lead loads candidates from the store.
"""

from pipeline.draft.edition import draft_newsletter, draft_press_review, select_events
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
    "AlsoIn",
    "Candidate",
    "EditionPlan",
    "Entry",
    "Event",
    "KeyFigure",
    "LocalText",
    "Section",
    "draft_newsletter",
    "draft_press_review",
    "parse_events",
    "plan_from_json",
    "plan_to_json",
    "select_events",
]
