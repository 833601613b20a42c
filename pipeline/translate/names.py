"""Proper names that translation must leave as they are: found in the source text, protected
like glossary terms (a placeholder the engine copies through, the name put back after).

Rule-based engines translate names made of common words word by word: "Mar Menor" → "Minor
Sea", "Mato Grosso" → "Kill Grosso", "Podemos" → "Can", "(COD)" → "(MORUE)". A name is:

- an **acronym** in capitals ("FAO", "MAPAQ", "COP28"), and any capitals in parentheses
  ("(COD)"), unless the whole text is in capitals;
- a **run of capitalised words**, joined by lower-case particles ("Sierra Norte de Puebla",
  "Mato Grosso", "Louis Robert", "The Nature Conservancy"), wherever it stands; a leading
  article is left out in French and Spanish ("la Sierra…"), kept in English when the rest is
  two words or more ("The Nature Conservancy");
- in French and Spanish, a **single capitalised word** inside a sentence ("Podemos", "Inrae"):
  these languages write common nouns in lower case.

Left to the engine, which knows them: country and territory names (CLDR, through Babel, as the
classifier's gazetteer), names of institutions and of events (a run holding "Ministerio",
"Commission", "University", "Conference"…: "Ministerio de Hacienda" → "Ministry of Finance"),
months and days, and English single words (nationalities, titles). A text written in Title Case
(an English headline) only gets its acronyms protected. Equivalents the team fixes
("Conference of the Parties" → "Conférence des Parties") go in the glossary, which wins.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from babel import Locale

from pipeline.translate.lexicon import Kind

KindsLookup = Callable[[Sequence[str], str], dict[str, tuple[tuple[str, Kind], ...]]]
"""``(phrases, lang)`` → the units of each phrase and their kinds (see :mod:`.lexicon`)."""

LANGS = ("fr", "en", "es")

_WORD = re.compile(r"[^\W\d_][\w'’-]*|\d[\w/.-]*\w|\d")
_SENTENCE_START = frozenset(".!?:;«»\"“”‘’([—–-•|>")
_ACRONYM_IN_PARENS = re.compile(r"\(([A-ZÀ-Þ][A-ZÀ-Þ0-9&./-]{1,11})\)")



def _words(text: str) -> frozenset[str]:
    return frozenset(word.lower() for word in text.split())


PARTICLES = {
    "fr": _words("de du des d' d’ la le les l' l’ et"),
    "en": _words("of the and de la van von der"),
    "es": _words("de del la las los el y e"),
}
"""Lower-case words that may join the capitalised words of one name."""
CONJUNCTIONS = _words("y e et and")
"""Part a run of capitalised words into names ("Vicente Plata y el Presidente de la Sociedad")."""
ARTICLES = {
    "fr": _words("le la les l' l’ un une des"),
    "en": _words("the a an"),
    "es": _words("el la los las un una unos unas"),
}
_ALL_ARTICLES = frozenset().union(*ARTICLES.values())
_LINKS = _words("de del du des d' d’ of")
INSTITUTION_WORDS = _words("""
Ministry Ministère Ministerio Ministro Ministre Minister Department Département Departamento
Government Gouvernement Gobierno State States État États Estado Estados Republic République
República Kingdom Royaume Reino Parliament Parlement Parlamento Senate Sénat Senado Congress
Congrès Congreso Assembly Assemblée Asamblea Council Conseil Consejo Commission Comisión
Committee Comité Court Cour Tribunal Supreme Suprême Supremo Union Unión Nations Naciones
Nacional National Nationale Organization Organisation Organización Agency Agence Agencia
Bank Banque Banco Fund Fonds Fondo Programme Program Programa Institute Institut Instituto
University Université Universidad College School École Escuela Academy Académie Academia
Centre Center Centro Office Oficina Service Servicio Authority Autorité Autoridad Board
Secretariat Secrétariat Secretaría Secretary Secrétaire Secretario Director Directeur Director
Directorate Direction Dirección Conference Conférence Conferencia Summit Sommet Cumbre Forum
Foro Convention Convención Protocol Protocole Protocolo Agreement Accord Acuerdo Declaration
Déclaration Declaración Treaty Traité Tratado Law Loi Ley Act Directive Directiva Decree
Décret Decreto Regulation Règlement Reglamento Strategy Stratégie Estrategia Plan Policy
Politique Política Report Rapport Informe Day Journée Día Week Semaine Semana Year Année Año
Month Mois Mes International Internationale Internacional World Mondial Mondiale Mundial
Global European Européenne Européen Europea Europeo African Africaine Africano Africana
American Américaine Americano Americana Federation Fédération Federación Association
Association Asociación Society Société Sociedad Alliance Alianza Network Réseau Red Group
Groupe Grupo Party Parti Partido Coalition Coalición Prize Prix Premio Award Cup Coupe Copa
League Ligue Liga Championship Championnat Campeonato Games Jeux Juegos Olympic Olympique
Olímpico Police Policía Army Armée Ejército Navy Force Forces Fuerza Fuerzas Initiative
Iniciativa President Président Presidente Prime Premier Primer Chancellor Chancelier
Canciller King Roi Rey Queen Reine Reina Pope Pape Papa Church Église Iglesia Palace Palais
Palacio Castle Château Castillo Museum Musée Museo Cathedral Cathédrale Catedral Community
Communauté Comunidad Society Société Sociedad Foundation Fondation Fundación Officer Chief
Executive Commissioner Commissaire Comisario Ambassador Ambassadeur Embajador Mayor Maire
Alcalde Governor Gouverneur Gobernador Chairman Chairwoman Chair Speaker Spokesman Spokeswoman
Spokesperson Porte-parole Portavoz Deputy Député Diputado Diputada Presiding
""")
"""Words of names that have a translation ("Ministerio de Hacienda", "World Bank"): a run of
capitalised words holding one of them is left to the engine."""
FUNCTION_WORDS = _words("""
in on at for from with by to as of one two three this that these those his her its their our my
your some many most all both each every after before when while if but and or so yet although
because since during under over between among against without within into through across despite
like unlike such there here what which who how why where then now also only just even
en dans pour par avec sans selon après avant depuis pendant lors quand si mais ou donc or ni car
ce cet cette ces son sa ses leur leurs notre nos votre vos mon ma mes tout tous toute toutes
comme aussi encore déjà puis alors ainsi chez vers sous sur entre contre
por para con sin según tras desde durante cuando mientras aunque pero si como este esta estos
estas ese esa esos esas aquel su sus nuestro nuestra todo todos toda todas también ya luego
entonces así hacia bajo sobre entre contra otro otra otros otras cada
""")
"""Words that open a sentence with a capital without being names ("In June", "Mientras…")."""
NAME_INTRODUCERS = _words("""
party parti partido coalition coalición group groupe grupo league ligue liga cup coupe copa
prize prix premio president président presidente king roi rey queen reine reina pope pape papa
""")
"""Institution words that introduce a name rather than head one ("el partido Podemos")."""
TITLES = _words("""
Sir Dr Doctor Docteur Doctora Mr Mrs Ms Monsieur Madame Mademoiselle Señor Señora Señorita Sr Sra
Don Doña Reverend Reverendo Révérend Rev Father Padre Père Captain Capitán Capitaine Capt
General Général Colonel Coronel Professor Profesor Professeur Prof Inspector Inspecteur Detective
Detective Judge Juez Juge Senator Senador Sénateur Lord Lady Prince Príncipe Princess Princesa
Princesse Saint San Santa Sainte St
""")
"""Titles before a name: translated, so left out of it ("Reverendo David Johnson")."""
CALENDAR = _words("""
January February March April May June July August September October November December
Monday Tuesday Wednesday Thursday Friday Saturday Sunday
""")
COMMON_CAPITALISED = _words("""
January February March April May June July August September October November December
Monday Tuesday Wednesday Thursday Friday Saturday Sunday North South East West Northern
Southern Eastern Western Central Nord Sud Est Ouest Norte Sur Este Oeste Internet Web
COVID Covid
""")


@dataclass(frozen=True, slots=True)
class NameSpan:
    start: int
    end: int
    text: str
    at_start: bool = False
    """The name opens a sentence (its first word may be a capitalised function word)."""


def find_names(text: str, lang: str, kinds: KindsLookup | None = None) -> list[NameSpan]:
    """Spans of ``text`` (in ``lang``) holding names to keep as they are, in text order.

    With ``kinds`` (an engine's lexicon), a name the engine knows as a name or does not know at
    all is left to it (it maps "Londres" to "London", copies "Harlem"), and leading function
    words or titles are left out ("Mientras Willoughby", "Reverendo David Johnson")."""
    spans = candidate_names(text, lang)
    if kinds is None or not spans:
        return spans
    known = kinds([span.text for span in spans], lang)
    refined = [_refine(span, known.get(span.text)) for span in spans]
    return [span for span in refined if span is not None]


def _refine(span: NameSpan, units: tuple[tuple[str, Kind], ...] | None) -> NameSpan | None:
    """Leave to the engine a name whose every word it knows as a proper noun ("Londres",
    "Premier League"); drop a capitalised function word opening a sentence ("Mientras
    Willoughby"), a common noun opening a sentence before "de" and a name ("Productores de
    Canelones": only "Canelones" is kept), and a title before known names ("Reverendo David
    Johnson"). Unknown words stay
    protected: through a pivot language they may be read as common words ("Mato" = I kill)."""
    if not units:
        return span
    kinds = [kind for _, kind in units]
    first = 0
    if (span.at_start and len(units) > 2 and kinds[0] in ("noun", "common")
            and units[1][0].lower() in _LINKS
            and any(k in ("name", "unknown") for k in kinds[2:])):
        first = 2  # "Productores de Canelones": a common noun opening the sentence, then a name
    while first < len(kinds) - 1 and (
            (kinds[first] == "closed" and span.at_start and first == 0
             and units[0][0].lower() not in _ALL_ARTICLES)
            or (kinds[first] == "noun" and all(k == "name" for k in kinds[first + 1:]))):
        first += 1
    last = len(kinds)
    while last - first > 1 and kinds[last - 1] == "name" and span.text[:span.text.rfind(
            units[last - 1][0])].rstrip().split(" ")[-1].lower() in _LINKS:
        last -= 1  # "Stamford Bridge de Londres": the engine knows "Londres" on its own
    if all(k == "name" for k in kinds[first:last]):
        return None
    if last < len(kinds):
        cut = span.text.rfind(units[last][0])
        head = span.text[:cut].rstrip()
        span = replace(span, end=span.start + len(head.rsplit(" ", 1)[0]),
                       text=head.rsplit(" ", 1)[0])
    offset = 0
    for surface, _ in units[:first]:
        offset = span.text.find(surface, offset) + len(surface)
    lead = len(span.text[offset:]) - len(span.text[offset:].lstrip(" '’"))
    return replace(span, start=span.start + offset + lead, text=span.text[offset + lead:])


def candidate_names(text: str, lang: str) -> list[NameSpan]:
    """The names found by the word lists alone (before asking the engine's lexicon)."""
    if lang not in LANGS or not text.strip():
        return []
    letters = [c for c in text if c.isalpha()]
    shouting = bool(letters) and sum(c.isupper() for c in letters) > len(letters) / 2
    spans = [NameSpan(m.start(1), m.end(1), m.group(1))
             for m in _ACRONYM_IN_PARENS.finditer(text)]
    words = list(_WORD.finditer(text))
    title_case = lang == "en" and _is_title_case(words)
    index = 0
    while index < len(words):
        word = words[index].group(0)
        if not shouting and _is_acronym(word):
            spans.append(NameSpan(words[index].start(), words[index].end(), word))
            index += 1
            continue
        if not _is_capitalised(word) or shouting or title_case:
            index += 1
            continue
        end = _run_end(words, index, lang)
        start = index
        for position in [*range(index, end), end]:
            word = words[position].group(0).lower() if position < end else ""
            if position == end or word in CONJUNCTIONS or _is_breaker(word):
                # "Vicente Plata y el Presidente de…": a conjunction parts two names
                part = words[start:position]
                while (start > index and part and len(part) > 1
                       and part[0].group(0).lower() in PARTICLES[lang]):
                    part = part[1:]  # "… English of the Parties": not "of the Parties"
                while part and part[-1].group(0).lower() in PARTICLES[lang]:
                    part = part[:-1]
                if part:
                    spans.extend(_names_in_run(text, words, words.index(part[0]), part, lang))
                start = position + 1
        index = end
    return _without_overlaps(spans)


def _names_in_run(text: str, words: list[re.Match[str]], index: int, run: list[re.Match[str]],
                  lang: str) -> list[NameSpan]:
    if len(run) == 1 and _is_acronym(run[0].group(0)):
        return [NameSpan(run[0].start(), run[0].end(), run[0].group(0))]
    lowered = [m.group(0).lower() for m in run]
    if any(w in INSTITUTION_WORDS for w in lowered):
        return []
    at_start = _starts_sentence(text, words, index)
    first = 0
    if lowered[0] in ARTICLES[lang] and len(run) > 1:
        capitalised = [w for w in run[1:] if _is_capitalised(w.group(0))]
        keep_article = lang == "en" and len(capitalised) >= 2
        if not keep_article:
            first = 1
            at_start = False
    while first < len(run) - 1 and (
            run[first].group(0).lower().rstrip(".") in TITLES
            or (at_start and first == 0 and run[0].group(0).lower() in FUNCTION_WORDS)):
        first += 1
        at_start = False
    run = run[first:]
    while len(run) > 2 and run[-2].group(0).lower() in _LINKS and _is_place(run[-1].group(0),
                                                                              lang):
        run = run[:-2]  # "Sierra Madre Oriental de México": the country is the engine's
    if not run or (len(run) == 1 and run[0].group(0).lower() in TITLES):
        return []
    name = text[run[0].start():run[-1].end()]
    capitalised = [w for w in run if _is_capitalised(w.group(0))]
    if _is_place(name, lang) or all(w.group(0).lower() in COMMON_CAPITALISED
                                    for w in capitalised):
        return []
    if len(capitalised) >= 2:
        return [NameSpan(run[0].start(), run[-1].end(), name, at_start)]
    if lang == "en" or at_start or _is_acronym(name) or _inside_institution(words, index):
        return []
    return [NameSpan(run[0].start(), run[-1].end(), name)]


def _inside_institution(words: list[re.Match[str]], index: int, reach: int = 6) -> bool:
    """A capitalised word a few words after an institution word belongs to its name
    ("ministère de l'Agriculture, des Pêcheries", "Ministerio de Agricultura, Pesca y
    Alimentación") and has a translation."""
    for word in words[max(0, index - reach):index]:
        lowered = word.group(0).lower()
        for part in re.split(r"['’]", lowered):
            if part in INSTITUTION_WORDS and part not in NAME_INTRODUCERS:
                return True
    return False


def _run_end(words: list[re.Match[str]], start: int, lang: str) -> int:
    """One past the last word of the run of capitalised words starting at ``start`` (lower-case
    particles only between two capitalised words)."""
    end = start + 1
    position = start + 1
    while position < len(words):
        word = words[position].group(0)
        if not _adjacent(words[position - 1], words[position]):
            break
        if _is_capitalised(word) or _is_acronym(word):
            position += 1
            end = position
        elif word.lower() in PARTICLES[lang]:
            position += 1
        else:
            break
    return end


def _adjacent(first: re.Match[str], second: re.Match[str]) -> bool:
    """Only spaces (or an apostrophe) between two words: a comma or a bracket ends a name."""
    between = first.string[first.end():second.start()]
    return between in (" ", "") or between.strip() in ("'", "’")


def _starts_sentence(text: str, words: list[re.Match[str]], index: int) -> bool:
    if index == 0:
        return True
    before = text[words[index - 1].end():words[index].start()].strip()
    return bool(before) and before[-1] in _SENTENCE_START


def _is_capitalised(word: str) -> bool:
    return len(word) > 1 and word[:1].isupper() and not word.isupper()


def _is_acronym(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters) and word[:1].isalpha()


def _is_title_case(words: list[re.Match[str]]) -> bool:
    """An English-style headline: every word of four letters or more is capitalised."""
    long_words = [m.group(0) for m in words if len(m.group(0)) >= 4 and m.group(0).isalpha()]
    return len(long_words) >= 3 and all(w[0].isupper() for w in long_words)


def _is_breaker(word: str) -> bool:
    """A capitalised word with a translation inside a run: a language or people ("Welsh
    Conservative", "Yorkshire English"), a month or a day."""
    return word in language_names() or word in CALENDAR


@lru_cache(maxsize=1)
def language_names() -> frozenset[str]:
    """Names of languages in FR, EN and ES (CLDR): in English they name the people too."""
    return frozenset(name.lower() for lang in LANGS
                     for name in Locale(lang).languages.values() if " " not in name)


def _is_place(name: str, lang: str) -> bool:
    """A country or territory name of CLDR in any of the three languages ("Estados Unidos",
    "Burkina Faso", "El Salvador"): engines know them and their articles."""
    return name.lower() in territory_names()


@lru_cache(maxsize=1)
def territory_names() -> frozenset[str]:
    names: set[str] = set()
    for lang in LANGS:
        for name in Locale(lang).territories.values():
            names.add(name.lower())
            names.update(part.strip().lower() for part in re.split(r"[()]", name) if part.strip())
    return frozenset(names)


def _without_overlaps(spans: list[NameSpan]) -> list[NameSpan]:
    kept: list[NameSpan] = []
    for span in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if kept and span.start < kept[-1].end:
            continue
        kept.append(span)
    return kept
