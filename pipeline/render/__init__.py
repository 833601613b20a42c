"""Rendering of editions: HTML email (Jinja2 → MJML → HTML), plain text, iCalendar, web archive.

Reads a drafted plan structurally (see :mod:`pipeline.render.model`); never touches the database.
"""

from pipeline.render.archive import build_page, check_slug, write_archive
from pipeline.render.email import (
    MAX_EMAIL_BYTES,
    EditionLinks,
    build_mjml,
    compile_mjml,
    find_unrenderable,
    render_all,
    render_edition,
    write_rendered,
)
from pipeline.render.i18n import load_translations
from pipeline.render.ical import export_agenda, write_agenda
from pipeline.render.model import RenderedEdition
from pipeline.render.safety import check_url, sanitize_html
from pipeline.render.views import find_machine_translated, find_untranslated

__all__ = [
    "MAX_EMAIL_BYTES",
    "EditionLinks",
    "RenderedEdition",
    "build_mjml",
    "build_page",
    "check_slug",
    "check_url",
    "compile_mjml",
    "export_agenda",
    "find_machine_translated",
    "find_unrenderable",
    "find_untranslated",
    "load_translations",
    "render_all",
    "render_edition",
    "sanitize_html",
    "write_agenda",
    "write_archive",
    "write_rendered",
]
