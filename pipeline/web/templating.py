"""Server-rendered pages: Jinja2 templates of ``pipeline/web/templates`` (package data, read
with the package loader), one environment per interface language with its catalog installed.

Templates translate with ``{{ _("Text") }}`` (``_("Hello %(name)s", name=x)`` for values;
``ngettext`` for plurals) and format dates with the ``day``, ``moment`` and ``days`` filters of
their language. Every page gets ``lang``, ``csrf_token``, ``visitor``, ``can(action)``,
``static_url(name)`` and ``csrf_field()`` (the hidden input every POST form carries).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from pipeline.catalogs import load_translations
from pipeline.permissions import Action
from pipeline.records import LANGUAGES
from pipeline.web.i18n import LANGUAGE_NAMES, format_day, format_days, format_moment
from pipeline.web.security import CSRF_FIELD
from pipeline.web.static import StaticFiles


@pass_context
def csrf_field(context: Context) -> Markup:
    """The hidden CSRF input of a POST form."""
    token = context.resolve("csrf_token")
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')


def make_environment(lang: str, static: StaticFiles) -> Environment:
    env = Environment(
        loader=PackageLoader("pipeline.web", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(load_translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        static_url=static.url, csrf_field=csrf_field, LANGUAGE_NAMES=LANGUAGE_NAMES,
        LANGUAGES=LANGUAGES, Action=Action)
    env.filters["day"] = lambda value: format_day(value, lang)
    env.filters["moment"] = lambda value: format_moment(value, lang)

    def days(start_at: datetime, last_at: datetime) -> str:
        return format_days(start_at, last_at, lang)

    env.filters["days"] = days
    return env


class Templates:
    """One environment per language; templates are compiled once per language and cached."""

    def __init__(self, static: StaticFiles) -> None:
        self.envs = {lang: make_environment(lang, static) for lang in LANGUAGES}

    def render(self, name: str, lang: str, context: Mapping[str, Any]) -> str:
        return self.envs[lang].get_template(name).render(context)

    def gettext(self, lang: str, message: str, **values: Any) -> str:
        """A string of Python code translated (``%(name)s`` placeholders filled)."""
        text = load_translations(lang).ugettext(message)
        return text % values if values else text
