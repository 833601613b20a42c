"""Regions resolved from context: ambiguous names, institutions, regional bodies, the outlet's
country."""

from __future__ import annotations

import pytest

from pipeline.classify import classify_item


def test_an_ambiguous_place_yields_to_the_other_places_and_the_outlet_country() -> None:
    text = ("La Junta de Extremadura instala barreras de ceniza en el embalse de Los Ángeles "
            "tras el incendio que quemó 3.000 hectáreas de monte y cultivos.")
    result = classify_item("Barreras contra la ceniza en el embalse de Los Ángeles", text,
                           source_country="ES")
    assert result.regions[:1] == ("europe",)
    context = result.evidence["region_context"]
    assert "Los Ángeles" in context["ambiguous_dropped"]  # type: ignore[index]
    alone = classify_item("Embalse de Los Ángeles: nivel bajo", "El embalse sigue bajo.",
                          source_country="ES")
    assert alone.regions[:1] == ("europe",)


@pytest.mark.parametrize(("title", "region"), [
    ("El INTA mide el carbono del suelo en la siembra directa", "latin-america-caribbean"),
    ("The Met Office warns of a dry summer for farmers", "europe"),
    ("La Moncloa aprueba un plan de regadío", "europe"),
    ("La Maison-Blanche annonce un plan pour les sols", "north-america"),
])
def test_an_institution_stands_for_its_country(title: str, region: str) -> None:
    assert classify_item(title, "").regions[:1] == (region,)


def test_a_regional_farm_union_is_in_europe() -> None:
    result = classify_item("Les Paysans de la Loire misent sur l'agroécologie",
                           "Les agriculteurs des Pays de la Loire testent les couverts végétaux.")
    assert result.regions[:1] == ("europe",)


def test_an_item_naming_no_place_takes_its_outlet_country_region() -> None:
    text = "Les agriculteurs craignent pour leurs récoltes après trois mois sans pluie."
    assert classify_item("Sécheresse : les céréaliers inquiets", text,
                         source_country="FR").regions == ("europe",)
    assert classify_item("Sécheresse : les céréaliers inquiets", text).regions == ("global",)


def test_an_item_about_the_world_is_global_whatever_the_outlet_country() -> None:
    result = classify_item("La faim progresse dans le monde",
                           "Trois milliards de personnes ne peuvent s'offrir un régime sain.",
                           source_country="FR")
    assert result.regions == ("global",)
    un = classify_item("FAO: hunger keeps rising", "The report counts 733 million hungry people.",
                       source_country="MX")
    assert un.regions == ("global",)


def test_worldwide_words_do_not_outvote_the_places_named() -> None:
    text = ("Kenya's maize harvest is the world's worry this year: farmers in Nakuru and Kitui "
            "lost half their crop, the FAO says.")
    assert classify_item("Kenya's maize harvest fails", text).regions[:1] == ("africa",)


def test_a_newspaper_named_le_monde_is_not_the_world() -> None:
    text = "Selon « Le Monde », les agriculteurs des Pays de la Loire manquent d'eau."
    result = classify_item("Les éleveurs face à la sécheresse", text, source_country="FR")
    assert result.regions[:1] == ("europe",)


def test_a_tie_between_two_regions_goes_to_the_outlet_country() -> None:
    result = classify_item("Farmers' opposition to UK-Australia trade deal grows",
                           "Opposition among UK farmers is rising towards the trade deal with "
                           "Australia.", source_country="GB")
    assert result.regions[:1] == ("europe",)
    elsewhere = classify_item("Farmers' opposition to UK-Australia trade deal grows",
                              "Opposition among UK farmers is rising towards the trade deal "
                              "with Australia.", source_country="US")
    assert elsewhere.regions[:1] == ("global",)


@pytest.mark.parametrize(("title", "text"), [
    ("Cop 27 draft deal published amid stalemate on loss and damage funding",
     "Delegates at the summit in Sharm el-Sheikh hope to agree in the coming days."),
    ("COP25: las claves del nuevo acuerdo por el clima",
     "La cumbre de casi 200 países celebrada en Madrid terminó con dos días de retraso."),
    ("UN land conference opens", "Ministers met in Nairobi to discuss drought."),
])
def test_a_un_body_or_summit_in_the_title_is_global_whatever_its_venue(title: str,
                                                                         text: str) -> None:
    result = classify_item(title, text, source_country="IE")
    assert result.regions == ("global",)


def test_a_un_body_beside_a_place_in_the_title_keeps_the_place() -> None:
    result = classify_item("FAO warns of hunger in the Sahel",
                           "Farmers in Niger and Mali lost their harvests.")
    assert result.regions[:1] == ("africa",)


@pytest.mark.parametrize(("title", "region"), [
    ("Sequía: pérdidas de arroz en Lambayeque y Piura", "latin-america-caribbean"),
    ("Incendios en Chubut y Neuquén", "latin-america-caribbean"),
    ("La Secretaría de Agricultura promueve la agricultura de conservación",
     "latin-america-caribbean"),
    ("Le Commissariat général au développement durable publie son bilan", "europe"),
])
def test_latin_american_provinces_and_shared_ministries_name_their_region(title: str,
                                                                          region: str) -> None:
    assert classify_item(title, "").regions[:1] == (region,)


@pytest.mark.parametrize("title", [
    "Para los agricultores, la sequía es lo peor",
    "Corrientes marinas y clima: un estudio",
    "Sucre et betteraves : la récolte baisse",
])
def test_sentence_initial_words_are_not_latin_american_places(title: str) -> None:
    assert classify_item(title, "").regions == ("global",)
