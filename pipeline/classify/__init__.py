"""Classification stage: language, relevance, themes, regions and cross-language story links.

Pure: takes text and source defaults, returns :class:`pipeline.records.Classification`; never
touches the database. Public entry points are re-exported here.
"""

from __future__ import annotations

from .classifier import classify_collected_item, classify_item
from .evaluation import EvaluationReport, evaluate_classifier, format_report
from .gazetteer import build_gazetteer, load_default_gazetteer
from .language import detect_language
from .stories import StoryCandidate, link_stories
from .taxonomy import load_default_taxonomy, load_taxonomy

__all__ = [
    "EvaluationReport",
    "StoryCandidate",
    "build_gazetteer",
    "classify_collected_item",
    "classify_item",
    "detect_language",
    "evaluate_classifier",
    "format_report",
    "link_stories",
    "load_default_gazetteer",
    "load_default_taxonomy",
    "load_taxonomy",
]
