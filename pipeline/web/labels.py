"""Names the interface shows for stored ids (publications, edition states, sections, roles).

The msgids of publications and sections are those of the rendered editions, so one translation
serves both.
"""

from __future__ import annotations

# the names of publications, sections and regions are the e-mails' own (one list, one msgid)
from pipeline.render.labels import PUBLICATIONS as PUBLICATIONS
from pipeline.render.labels import REGIONS as REGIONS
from pipeline.render.labels import SECTIONS
from pipeline.states import EditionStatus, Role, SubmissionStatus, TextState
from pipeline.web.i18n import N_

EDITION_STATUSES = {
    EditionStatus.DRAFT: N_("Draft"),
    EditionStatus.IN_REVIEW: N_("In review"),
    EditionStatus.APPROVED: N_("Approved"),
    EditionStatus.SENDING: N_("Sending"),
    EditionStatus.PAUSED: N_("Paused"),
    EditionStatus.SENT: N_("Sent"),
    EditionStatus.CANCELLED: N_("Cancelled"),
}

ROLES = {Role.EDITOR: N_("Editor"), Role.APPROVER: N_("Approver"),
         Role.AMBASSADOR: N_("Ambassador"), Role.ADMIN: N_("Administrator")}

THEMES = {theme: SECTIONS[f"theme-{theme}"] for theme in (
    "soil-carbon", "practices", "policy", "finance", "science", "food-security",
    "land-restoration", "initiative")}
"""Theme ids by their section's name."""

SUBMISSION_STATUSES = {
    SubmissionStatus.RECEIVED: N_("Received"),
    SubmissionStatus.IN_INBOX: N_("In the inbox"),
    SubmissionStatus.IN_EDITION: N_("In an edition"),
    SubmissionStatus.PUBLISHED: N_("Published"),
    SubmissionStatus.RETURNED: N_("Returned"),
    SubmissionStatus.FAILED: N_("Could not be collected"),
}

WRITTEN_LANGUAGES = {"fr": "français", "en": "English", "es": "español", "pt": "português",
                     "de": "Deutsch", "it": "italiano"}
"""Languages a submission or a source may be written in, each named in itself."""

TEXT_STATES = {
    TextState.ORIGINAL: N_("original"),
    TextState.NEEDS_TRANSLATION: N_("not translated yet"),
    TextState.MACHINE: N_("machine translation"),
    TextState.NEEDS_EDITING: N_("needs editing"),
    TextState.REVIEWED: N_("reviewed"),
    TextState.APPROVED: N_("approved"),
}

TEXT_FLAGS = {
    "unknown_words": N_("unknown words"),
    "wrong_language": N_("wrong language"),
    "numbers_changed": N_("numbers changed"),
    "glossary_violation": N_("glossary term missing"),
    "length_ratio": N_("length differs a lot"),
    "markup_lost": N_("markup lost"),
    "engine_failed": N_("engine failed"),
    "needs_translation": N_("no engine for this pair"),
    "already_in_target_language": N_("already in this language"),
}
"""The quality flags of pipeline.translate.engines, as reviewers read them."""
