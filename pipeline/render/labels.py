"""Translatable labels of sections, themes, regions and publications.

The strings are marked with ``N_`` so that ``pybabel extract`` finds them; they are translated
when an edition is rendered.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(message: str) -> str:
    """Mark a string for extraction without translating it."""
    return message


PUBLICATIONS: dict[str, str] = {
    "press-review": N_("Press Review"),
    "newsletter": N_("Newsletter"),
}

SECTIONS: dict[str, str] = {
    "theme-soil-carbon": N_("Soil carbon"),
    "theme-practices": N_("Farming practices"),
    "theme-policy": N_("Policy"),
    "theme-finance": N_("Finance"),
    "theme-science": N_("Science"),
    "theme-food-security": N_("Food security"),
    "theme-land-restoration": N_("Land restoration"),
    "theme-initiative": N_("The Initiative"),
    "theme-other": N_("Other news"),
    "editorial": N_("Editorial"),
    "initiative": N_("News of the Initiative"),
    "partners": N_("News from Partners and Members"),
    "success-stories": N_("Success stories"),
    "key-figures": N_("Key figures"),
    "practical-sheets": N_("Practical information sheets"),
    "agenda": N_("Agenda"),
    "from-the-press": N_("From the press"),
}

REGIONS: dict[str, str] = {
    "africa": N_("Africa"),
    "asia": N_("Asia"),
    "europe": N_("Europe"),
    "latin-america-caribbean": N_("Latin America and the Caribbean"),
    "north-america": N_("North America"),
    "oceania": N_("Oceania"),
    "global": N_("Global"),
}

INITIATIVE = N_("« 4 per 1000 » Initiative")
ALL_EDITIONS = N_("All editions")
SUBJECT = N_("%(publication)s of the « 4 per 1000 » Initiative – %(period)s")
PREHEADER = N_("%(count)d stories on soils, agriculture and climate, in %(language)s.")


def label_section(section_id: str, gettext: Callable[[str], str]) -> str:
    """The translated title of a section (its id when unknown)."""
    return gettext(SECTIONS[section_id]) if section_id in SECTIONS else section_id


def label_region(region: str, gettext: Callable[[str], str]) -> str:
    """The translated name of a region ("" for no region)."""
    return gettext(REGIONS[region]) if region in REGIONS else region
