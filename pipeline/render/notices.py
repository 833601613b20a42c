"""Short plain-text mails to one person: the double opt-in confirmation, and the link to
one's preferences (``templates/email/notices/``), in the person's language."""

from __future__ import annotations

from jinja2 import TemplateError

from pipeline.errors import RenderError
from pipeline.records import LANGUAGES
from pipeline.render.email import make_environment
from pipeline.render.i18n import load_translations
from pipeline.render.labels import N_, PUBLICATIONS

SUBJECTS = {
    "confirm": N_("Confirm your subscription to the « 4 per 1000 » Initiative"),
    "manage": N_("Your subscription to the « 4 per 1000 » Initiative"),
}

BOTH = N_("%(first)s and %(second)s")


def publication_names(publications: list[str], lang: str) -> str:
    """"the Press Review and the Newsletter", in ``lang``."""
    gettext = load_translations(lang).gettext
    names = [gettext(PUBLICATIONS[p]) for p in publications if p in PUBLICATIONS]
    if len(names) == 2:
        return gettext(BOTH) % {"first": names[0], "second": names[1]}
    return names[0] if names else ""


def render_notice(kind: str, lang: str, **values: str) -> tuple[str, str]:
    """(subject, text) of a notice in ``lang``."""
    if kind not in SUBJECTS or lang not in LANGUAGES:
        raise RenderError(f"no notice {kind!r} in {lang!r}")
    try:
        text = make_environment(lang).get_template(f"notices/{kind}.txt").render(values)
    except TemplateError as error:
        raise RenderError(f"{lang}: notice {kind}: {error}") from error
    return load_translations(lang).gettext(SUBJECTS[kind]), text.strip() + "\n"


__all__ = ["SUBJECTS", "publication_names", "render_notice"]
