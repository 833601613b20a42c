"""The project's gettext catalogs, compiled in memory once per language.

One set of catalogs (``translations/<lang>/LC_MESSAGES/messages.po``, installed as package
data: see :mod:`pipeline.resources`) serves the e-mails (:mod:`pipeline.render.i18n`), the web
app (:mod:`pipeline.web.i18n`), the team's notifications and the letters to people. They are
compiled when first used, so a fresh checkout works without a compile step.
"""

from __future__ import annotations

import io
from functools import lru_cache

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from pipeline.records import LANGUAGES
from pipeline.resources import CATALOGS_DIR


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@lru_cache(maxsize=len(LANGUAGES))
def load_translations(lang: str) -> Translations:
    """The compiled catalog of ``lang``; an unknown language or a missing file gives the
    msgids (English)."""
    po_path = CATALOGS_DIR / lang / "LC_MESSAGES" / "messages.po"
    if lang not in LANGUAGES or not po_path.is_file():
        return Translations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


__all__ = ["N_", "load_translations"]
