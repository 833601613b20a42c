"""Titles and summaries of real items, as an edition shows them.

Texts: the demo articles (../shared/data/demo-news, publishers' texts, local use with
attribution) and news pages found with the search tool (address in each case; texts belong to
their publishers, quoted as test cases).
"""

from __future__ import annotations

import pytest

from pipeline.sentences import ends_sentence, sentences_of
from pipeline.summary import make_headline, make_summary, make_title

# lemonde.fr live page of 2023-02-01, as stored by theworldnews.net (the stored copy is cut
# mid-word, as feed teasers often are)
LE_MONDE = ("« Je suis certainement en train d’examiner la question », a-t-il déclaré sur CNN. "
            "M. Nétanyahou s’est également proposé comme médiateur, si les belligérants et Washi")
# explorandomagazine.com/gastronomia/aceite-de-oliva-espaol-en-el-punto-de-mira-...
OLIVE_OIL = ("El sector teme que un incremento arancelario reduzca la competitividad del aceite "
             "español frente a competidores como Italia, Grecia o Túnez, en un momento en que el "
             "consumo en EE. UU. sigue impulsado por la búsqueda de productos saludables. Para "
             "productores y empresarios, la amenaza no es menor.")
# sensacine.com.mx/noticias/noticia-1000072212/
OSCAR = ("En la edición 2024 de los Premios Oscar, Robert Downey Jr. confirmó una vez más que es "
         "todo una estrella de Hollywood. Con su papel como el magnate genio de Tony Stark en Iron "
         "Man, muy pronto Downey Jr. se convirtió en uno de los actores más cotizados.")
# demo-news fr-02, encyclopedie-environnement.org: the feed repeats the headline
GMV_TITLE = "La Grande Muraille Verte : un espoir pour reverdir le Sahel ?"
GMV_SUMMARY = (
    "La Grande Muraille Verte : un espoir pour reverdir le Sahel ? La Grande Muraille Verte "
    "d’Afrique (GMV) est une initiative panafricaine qui vise à lutter contre la désertification "
    "dans le désert du Sahara et au Sahel. A l’origine conçue comme une plantation massive "
    "d’arbres traversant d’ouest en est …")
# demo-news fr-03, umr-ecosols.fr: the headline glued to the text, no stop between them
MADAGASCAR_TITLE = ("L'agriculture de conservation dans les systèmes de culture du riz à "
                    "Madagascar : durabilité et adoption")
MADAGASCAR_SUMMARY = (
    f"{MADAGASCAR_TITLE} L’augmentation de la population malgache et le manque d’espaces "
    "irrigués pour la production de riz conduit à une utilisation croissante des terres des "
    "collines ferrallitiques (tanety) pour …")
# demo-news fr-01, news.un.org/fr/story/2022/05/1120302: first sentence of the text
PAM = ("La désertification - à la fois une conséquence et un contributeur majeur au changement "
       "climatique - est l'une des menaces les plus insidieuses et les plus négligées pour la "
       "sécurité alimentaire, la nutrition et les systèmes alimentaires durables, indique le PAM "
       "dans un communiqué.")
PAM_NEXT = ("Parallèlement aux conflits et aux crises économiques, elle contribue à la croissance "
            "sans précédent du nombre de personnes souffrant d'insécurité alimentaire dans le "
            "monde.")


@pytest.mark.parametrize(("text", "lang", "expected"), [
    (LE_MONDE, "fr", 2),   # "M." does not end a sentence
    (OLIVE_OIL, "es", 2),  # nor does "EE." in "EE. UU."
    (OSCAR, "es", 2),      # nor "Jr."
])
def test_abbreviations_do_not_end_sentences(text: str, lang: str, expected: int) -> None:
    assert len(sentences_of(text, lang)) == expected


def test_a_teaser_cut_mid_word_loses_its_unfinished_sentence() -> None:
    summary = make_summary(LE_MONDE, "", "Guerre en Ukraine", "fr")
    assert summary == ("« Je suis certainement en train d’examiner la question », a-t-il déclaré "
                       "sur CNN.")


def test_a_single_unfinished_sentence_ends_with_an_ellipsis_after_a_whole_word() -> None:
    cut = OLIVE_OIL[:211]  # "… consumo en EE. UU. sigue impulsado por la búsq"
    assert cut.endswith("búsq")
    summary = make_summary(cut, "", "Aranceles", "es")
    assert summary.endswith("por la …") and summary[:-2] in OLIVE_OIL
    # a short line without a stop is a standfirst, kept whole (the limit of the rule)
    standfirst = "Melvyn Bragg and guests discuss the history of ideas"  # BBC Radio 4 feed
    assert make_summary(standfirst, "", "In Our Time", "en") == standfirst


def test_a_long_sentence_is_cut_at_a_word_with_an_ellipsis() -> None:
    summary = make_summary(OLIVE_OIL, "", "Aranceles", "es", max_chars=120)
    assert len(summary) <= 122 and summary.endswith(" …")
    assert summary[:-2] in OLIVE_OIL and OLIVE_OIL[len(summary) - 2] == " "


def test_summary_sentences_are_whole_and_keep_the_abbreviation() -> None:
    summary = make_summary(OLIVE_OIL, "", "Aranceles", "es")
    assert summary == OLIVE_OIL
    assert ends_sentence(summary, "es")


def test_the_title_repeated_at_the_start_of_the_summary_goes() -> None:
    title, rest = make_headline(GMV_TITLE, GMV_SUMMARY, "", "fr")
    assert title == GMV_TITLE
    summary = make_summary(rest, "", title, "fr")
    assert summary == ("La Grande Muraille Verte d’Afrique (GMV) est une initiative panafricaine "
                       "qui vise à lutter contre la désertification dans le désert du Sahara et au "
                       "Sahel.")


def test_a_title_glued_to_the_summary_without_a_stop_goes_too() -> None:
    title, rest = make_headline(MADAGASCAR_TITLE, MADAGASCAR_SUMMARY, "", "fr")
    assert title == MADAGASCAR_TITLE
    assert make_summary(rest, "", title, "fr").startswith("L’augmentation de la population")


def test_a_title_that_is_the_first_sentence_is_not_repeated() -> None:
    title, rest = make_headline(PAM, f"{PAM} {PAM_NEXT}", "", "fr")
    assert make_summary(rest, "", title, "fr") == PAM_NEXT


def test_a_title_cut_with_an_ellipsis_takes_its_whole_sentence() -> None:
    # a feed without headlines makes one of the first 100 characters of the text
    title, rest = make_headline(PAM[:100].rsplit(" ", 1)[0] + "…", f"{PAM} {PAM_NEXT}", "", "fr")
    assert title == PAM.removesuffix(".")
    assert make_summary(rest, "", title, "fr") == PAM_NEXT


def test_a_title_cut_mid_sentence_takes_the_rest_from_the_summary() -> None:
    # the headline stops mid-sentence and the summary goes on in lower case
    head, tail = PAM[:120].rsplit(" ", 1)[0], PAM[len(PAM[:120].rsplit(" ", 1)[0]) + 1:]
    assert tail[0].islower()
    title, rest = make_headline(head, f"{tail} {PAM_NEXT}", "", "fr")
    assert title == PAM.removesuffix(".")
    assert make_summary(rest, "", title, "fr") == PAM_NEXT


def test_an_item_without_a_title_gets_its_first_sentence_not_cut_words() -> None:
    assert make_title(f"{PAM} {PAM_NEXT}", "fr", max_chars=300) == PAM.removesuffix(".")
    short = make_title(f"{PAM} {PAM_NEXT}", "fr", max_chars=80)
    assert short.endswith(" …") and short[:-2] in PAM and len(short) <= 82


def test_a_standfirst_without_a_stop_is_a_sentence_of_its_own() -> None:
    # theguardian.com/world/2025/mar/01/ukraine-reacts-zelenskyy-clash-trump: the standfirst
    # paragraph has no full stop; the summary must not run it into the next sentence
    summary = make_summary(
        "Back home there was widespread support for Ukraine’s president, but also dismay at his "
        "car-crash encounter in the Oval Office\nUkrainians have rallied behind Volodymyr "
        "Zelenskyy after his mauling on Friday in the White House.", "", "Ukraine reacts", "en")
    assert summary.startswith("Back home there was widespread support for Ukraine’s president, "
                              "but also dismay at his car-crash encounter in the Oval Office. "
                              "Ukrainians have rallied")


def test_a_dateline_or_a_by_line_does_not_open_the_summary() -> None:
    # demo-news fr-08 (agroperspectives.fr): headline, then the date line, then the text
    text = ("Stocker du carbone dans les sols : principaux résultats de l'étude INRA 4 pour 1000\n"
            "le 2 juillet 2019, 12:09\nL’initiative 4 pour 1000 lancée par la France à "
            "l’occasion de la Conférence de Paris sur le climat (COP21) propose d’augmenter "
            "chaque année d’un quatre millième le stock de carbone présent dans tous les sols.")
    title = "Stocker du carbone dans les sols : principaux résultats de l'étude INRA 4 pour 1000"
    assert make_summary("", text, title, "fr").startswith("L’initiative 4 pour 1000 lancée")
    # demo-news en-04 (FARA): headline, then "By  Wole Fatunbi"
    text = ("Exploring the state of Knowledge and Action for Optimizing Soil Carbon in Africa\n\n"
            "By  Wole Fatunbi\n\nThe state of knowledge and technologies about soil carbon "
            "management was the crux of discussion at the inaugural workshop.")
    assert make_summary("", text, "Exploring the state of Knowledge and Action for Optimizing "
                        "Soil Carbon in Africa", "en").startswith("The state of knowledge")
