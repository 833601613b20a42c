"""Headlines and feed summaries as outlets publish them, cleaned when collected.

Every case is a real headline or feed text (address in the comment; texts belong to their
publishers, quoted here as test cases). The Guardian items come from its world feed of
2025-03-01 as saved in a public repository's tests; Le Monde titles as shown on press-aggregator
pages; El País and Prensa Ibérica live-blog titles as published.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.collect.feeds import parse_feed
from pipeline.collect.tidy import strip_tails, tidy_title


@pytest.mark.parametrize(("title", "expected"), [
    # theguardian.com/food (the example)
    ("Supreme comfort food: how to make chicken pie | Felicity Cloake",
     "Supreme comfort food: how to make chicken pie"),
    # theguardian.com/food/2023/mar/22/how-to-make-glamorgan-sausages-recipe-felicity-cloake
    ("How to make Glamorgan sausages | Felicity Cloake's Masterclass",
     "How to make Glamorgan sausages"),
    # a Guardian page title: headline | section | site
    ("Teachers say holidays in term can be worth more than time in school | Education | "
     "The Guardian", "Teachers say holidays in term can be worth more than time in school"),
])
def test_bylines_and_site_names_after_a_bar_go(title: str, expected: str) -> None:
    assert tidy_title(title) == expected


@pytest.mark.parametrize(("title", "expected"), [
    # lemonde.fr, quoted on centredepresse.fr
    ("EN DIRECT, guerre en Ukraine : « Vladimir Poutine a déjà commencé la Troisième Guerre "
     "mondiale et doit être arrêté », affirme Volodymyr Zelensky",
     "Guerre en Ukraine : « Vladimir Poutine a déjà commencé la Troisième Guerre mondiale et "
     "doit être arrêté », affirme Volodymyr Zelensky"),
    # lemonde.fr, quoted on iactu.info
    ("En direct : un adolescent américain tué par Israël en Cisjordanie, selon un responsable "
     "palestinien",
     "Un adolescent américain tué par Israël en Cisjordanie, selon un responsable palestinien"),
    # lemonde.fr, quoted on theworldnews.net
    ("Guerre en Ukraine en direct : au moins deux morts dans un bombardement russe à Kramatorsk",
     "Guerre en Ukraine : au moins deux morts dans un bombardement russe à Kramatorsk"),
    ("Guerre en Ukraine, en direct : Emmanuel Macron annonce un fonds de 100 millions d’euros "
     "pour l’achat direct par Kiev de matériel militaire",
     "Guerre en Ukraine : Emmanuel Macron annonce un fonds de 100 millions d’euros pour l’achat "
     "direct par Kiev de matériel militaire"),
    # elpais.com/internacional/2025-09-14/ultima-hora-del-conflicto-en-oriente-proximo-en-directo
    ("Última hora del conflicto en Oriente Próximo, en directo | Israel recrudece los ataques "
     "contra Ciudad de Gaza y deja sin techo a unas 6.000 personas",
     "Israel recrudece los ataques contra Ciudad de Gaza y deja sin techo a unas 6.000 personas"),
    # elperiodicodearagon.com/internacional/2026/01/09/directo-ultima-hora-conflicto-palestina
    ("Guerra en Oriente Próximo, en directo: última hora y noticias sobre Gaza e Israel",
     "Guerra en Oriente Próximo: última hora y noticias sobre Gaza e Israel"),
    # the "DIRECTO |" prefix, El País style
    ("DIRECTO | Sánchez comparece en el Congreso tras la sentencia del Supremo",
     "Sánchez comparece en el Congreso tras la sentencia del Supremo"),
    # theguardian.com/world/live/2025/mar/01/live-european-leaders-rally-behind-zelenskyy-...
    ("Zelenskyy says ‘crucial’ for Ukraine to have Trump’s support in lengthy statement "
     "following Oval Office argument – live",
     "Zelenskyy says ‘crucial’ for Ukraine to have Trump’s support in lengthy statement "
     "following Oval Office argument"),
])
def test_live_blog_prefixes_and_suffixes_go(title: str, expected: str) -> None:
    assert tidy_title(title) == expected


@pytest.mark.parametrize("title", [
    # theguardian.com: a colon that is part of the headline stays
    "Sebb's, Glasgow G1: restaurant review",
    "How to make cornbread – recipe",
    "‘He defended our honour’: Ukraine reacts to Zelenskyy’s clash with Trump",
    # demo-news fr-02 (encyclopedie-environnement.org)
    "La Grande Muraille Verte : un espoir pour reverdir le Sahel ?",
    "COP28 : ce qu'il faut retenir de l'accord sur les systèmes alimentaires",
    "Live",  # nothing would remain: kept as it is
])
def test_headlines_without_labels_are_kept(title: str) -> None:
    assert tidy_title(title) == title


@pytest.mark.parametrize(("summary", "expected"), [
    # theguardian.com world feed (2025-03-01): paragraphs, then the link text
    ("Back home there was widespread support for Ukraine’s president\nUkrainians have rallied "
     "behind Volodymyr Zelenskyy after his mauling on Friday in the White House.\nContinue "
     "reading...",
     "Back home there was widespread support for Ukraine’s president\nUkrainians have rallied "
     "behind Volodymyr Zelenskyy after his mauling on Friday in the White House."),
    # El País feed as shown by an aggregator (regioncajamarca.gob.pe): "Seguir leyendo"
    ("“Solo falta el cuarto”. Esta sentencia refleja la determinación estratégica del PP.\n\n"
     "Seguir leyendo",
     "“Solo falta el cuarto”. Esta sentencia refleja la determinación estratégica del PP."),
    # 5septiembre.cu: "Leer más"
    ("Frente a las últimas elecciones generales de noviembre de 2019 el incremento ha sido de "
     "casi el triple, del 166 %.\n\nLeer más",
     "Frente a las últimas elecciones generales de noviembre de 2019 el incremento ha sido de "
     "casi el triple, del 166 %."),
    # a feed whose whole description is a "Leer" link
    ("Leer", ""),
    # a French feed: "Lire la suite"
    ("Les agriculteurs du Gers testent les couverts végétaux. Lire la suite...",
     "Les agriculteurs du Gers testent les couverts végétaux."),
    # securityweek.com via WordPress: "The post … appeared first on …"
    ("The flaws were chained to hijack sessions, achieve remote code execution, and elevate "
     "privileges to root. The post Zammad Zero-Days Exploited in AI-Powered DIVD Hack appeared "
     "first on SecurityWeek .",
     "The flaws were chained to hijack sessions, achieve remote code execution, and elevate "
     "privileges to root."),
    ("L’INRAE publie son rapport […]", "L’INRAE publie son rapport…"),
])
def test_link_texts_at_the_end_of_summaries_go(summary: str, expected: str) -> None:
    assert strip_tails(summary) == expected


@pytest.mark.parametrize("summary", [
    "Es importante leer la letra pequeña de los contratos antes de firmar y leer",
    "Our advice: read more.",
    "He urged farmers to continue reading the soil",
])
def test_the_same_words_inside_a_sentence_stay(summary: str) -> None:
    assert strip_tails(summary) == summary


def test_a_feed_escaped_twice_gives_no_literal_entities() -> None:
    # the Guardian escapes its HTML descriptions; a feed that escapes them once more leaves
    # "&nbsp;" and "&lt;p&gt;" in the text after one round of decoding
    feed = (b'<rss version="2.0"><channel><title>t</title><item>'
            b'<title>Arteta&amp;amp;nbsp;is best placed</title>'
            b'<description>&amp;lt;p&amp;gt;Next season will be&amp;amp;nbsp;different'
            b'&amp;lt;/p&amp;gt; &amp;lt;a href="https://www.theguardian.com/x"&amp;gt;Continue '
            b'reading...&amp;lt;/a&amp;gt;</description><link>https://www.theguardian.com/x'
            b'</link></item></channel></rss>')
    entry = parse_feed(feed, fetched_at=datetime(2026, 8, 2, tzinfo=UTC)).entries[0]
    assert entry.title == "Arteta is best placed"
    assert entry.summary == "Next season will be different"


def test_feed_items_are_collected_clean() -> None:
    feed = b"""<rss version="2.0"><channel><title>The Guardian</title><item>
      <title>Supreme comfort food: how to make chicken pie | Felicity Cloake</title>
      <link>https://www.theguardian.com/food/chicken-pie</link>
      <description>&lt;p&gt;A pie to warm the winter.&lt;/p&gt; &lt;a
        href="https://www.theguardian.com/food/chicken-pie"&gt;Continue reading...&lt;/a&gt;
      </description></item></channel></rss>"""
    entry = parse_feed(feed, fetched_at=datetime(2026, 1, 1, tzinfo=UTC)).entries[0]
    assert entry.title == "Supreme comfort food: how to make chicken pie"
    assert entry.summary == "A pie to warm the winter."
