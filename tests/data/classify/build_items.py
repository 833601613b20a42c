"""Assemble items.jsonl, the hand-labelled evaluation set of the classifier.

Run once (``.venv/bin/python tests/data/classify/build_items.py``) on a machine holding
../shared/data; the output is committed so tests never need the shared data. Labels below
were given by reading each item (see README.md); nothing is computed by the classifier.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import trafilatura

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
HERE = Path(__file__).parent
LAC = "latin-america-caribbean"
NA = "north-america"

# id → (themes primary first, regions primary first); all demo articles are relevant.
DEMO_LABELS: dict[str, tuple[list[str], list[str]]] = {
    "fr-01": (["food-security", "land-restoration"], ["africa"]),
    "fr-02": (["land-restoration"], ["africa"]),
    "fr-03": (["practices", "science"], ["africa"]),
    "fr-04": (["land-restoration", "food-security"], ["africa"]),
    "fr-05": (["practices"], ["africa"]),
    "fr-06": (["soil-carbon", "science", "initiative"], ["europe"]),
    "fr-07": (["initiative", "soil-carbon"], ["europe"]),
    "fr-08": (["soil-carbon", "science", "initiative"], ["europe"]),
    "fr-09": (["finance", "practices"], ["europe"]),
    "fr-10": (["soil-carbon", "policy"], [NA]),
    "fr-11": (["science", "soil-carbon"], [NA]),
    "fr-12": (["soil-carbon"], [NA]),
    "fr-13": (["practices"], ["oceania"]),
    "fr-14": (["practices", "land-restoration"], [LAC]),
    "fr-15": (["practices", "food-security"], ["asia"]),
    "en-01": (["soil-carbon"], ["africa"]),
    "en-02": (["land-restoration", "policy"], ["global", "africa"]),
    "en-03": (["soil-carbon", "practices"], ["africa"]),
    "en-04": (["soil-carbon", "science"], ["africa"]),
    "en-05": (["science", "practices"], ["asia"]),
    "en-06": (["finance", "practices"], ["asia"]),
    "en-07": (["practices"], ["asia"]),
    "en-08": (["policy"], ["europe"]),
    "en-09": (["food-security", "soil-carbon"], ["global"]),
    "en-10": (["policy", "practices"], [LAC]),
    "en-11": (["practices", "soil-carbon"], [NA]),
    "en-12": (["practices", "soil-carbon"], [NA]),
    "en-13": (["soil-carbon", "science"], ["oceania"]),
    "en-14": (["soil-carbon", "science"], ["oceania"]),
    "en-15": (["practices", "soil-carbon"], ["oceania"]),
    "es-01": (["soil-carbon", "food-security"], [LAC]),
    "es-02": (["practices"], [LAC]),
    "es-03": (["science", "practices"], [LAC]),
    "es-04": (["policy", "practices"], [LAC]),
    "es-05": (["land-restoration", "soil-carbon"], [LAC]),
    "es-06": (["science", "food-security"], [LAC, "africa"]),
    "es-07": (["soil-carbon", "food-security"], [LAC]),
    "es-08": (["soil-carbon"], [LAC]),
    "es-09": (["science", "soil-carbon"], [LAC]),
    "es-10": (["science", "practices"], [LAC]),
    "es-11": (["practices", "soil-carbon"], ["europe"]),
    "es-12": (["practices", "land-restoration"], ["europe"]),
    "es-13": (["practices", "land-restoration"], ["europe"]),
    "es-14": (["policy"], ["europe"]),
    "es-15": (["soil-carbon", "policy"], ["global"]),
}

# NTREX-128 documents (general news, none about soils/agriculture) → region of the story.
NTREX_REGIONS = {
    "bbc.381790": "europe", "rt.com.91337": "europe", "nytimes.184853": NA,
    "upi.176266": NA, "guardian.221754": "europe", "dailymail.co.uk.298595": "europe",
    "cnbc.com.6790": NA, "nytimes.184837": "asia", "upi.176249": "europe",
    "euronews-en.153835": "asia", "dailymail.co.uk.298732": "europe",
    "telegraph.405401": "europe", "newsweek.51331": "asia", "abcnews.306815": NA,
}  # fmt: skip
NTREX_SPLIT_MIN_LINES = 14
"""Documents this long also give a second item (the second half, titled by its first line)."""

# News pages of ../shared/data/articles → (id, lang, relevant, themes, regions).
PAGE_LABELS = {
    "readability/la-nacion/source.html": ("es-p01", "es", False, [], [LAC]),
    "readability/lemonde-1/source.html": ("fr-p01", "fr", False, [], ["europe"]),
    "scrapinghub/05844573ca7e.html": ("en-p01", "en", False, [], [NA]),
    "scrapinghub/16c30add7e96.html": ("en-p02", "en", True, ["policy", "practices"], ["asia"]),
    "trafilatura/en__bbc.com.52241221.html": ("en-p03", "en", False, [], [NA]),
    "trafilatura/en__diem25.org.climate.html": ("en-p04", "en", True, ["policy"], ["europe"]),
    "trafilatura/en__salon.com.emissions.html": ("en-p05", "en", True, ["science"], [NA]),
    "trafilatura/en__theplanetarypress.com.forestlands.html": (
        "en-p06", "en", True, ["land-restoration", "policy"], ["global"]),
    "trafilatura/es__biobiochile.cl-gremios.html": ("es-p02", "es", False, [], [LAC]),
    "trafilatura/es__elpais.com.ciencia.html": ("es-p03", "es", True, ["science"], ["global"]),
    "trafilatura/es__infobae.com-ucrania.html": ("es-p04", "es", False, [], ["europe"]),
    "trafilatura/es__ladiaria.com.uy-productor.html": ("es-p05", "es", True, ["practices"], [LAC]),
    "trafilatura/fr__dw.com-elephants.html": (
        "fr-p02", "fr", True, ["land-restoration"], ["africa"]),
    "trafilatura/fr__ledevoir.com.trottinettes.html": ("fr-p03", "fr", False, [], [NA]),
    "trafilatura/fr__lopinion.fr.glyphosate.html": (
        "fr-p04", "fr", True, ["science", "policy"], ["europe"]),
    "trafilatura/fr__tdg.ch.chlorothalonil.html": ("fr-p05", "fr", True, ["policy"], ["europe"]),
}  # fmt: skip
PAGE_LICENCES = {
    "readability": "Apache-2.0 (mozilla/readability test pages); text © its publisher",
    "scrapinghub": "MIT (scrapinghub/article-extraction-benchmark); text © its publisher",
    "trafilatura": "Apache-2.0 (adbar/trafilatura test pages); text © its publisher",
}
PAGE_TEXT_CHARS = 3_000


def build_demo() -> list[dict[str, object]]:
    items = []
    for line in (SHARED / "demo-news" / "articles.jsonl").read_text().splitlines():
        art = json.loads(line)
        themes, regions = DEMO_LABELS[art["id"]]
        items.append({
            "id": f"demo-{art['id']}", "lang": art["lang"], "title": art["title"],
            "text": art["text"], "url": art["url"], "source": "demo-news",
            "licence": art["licence"], "relevant": True, "themes": themes, "regions": regions,
        })  # fmt: skip
    return items


def build_ntrex() -> list[dict[str, object]]:
    path = SHARED / "parallel" / "ntrex128" / "ntrex128.dev200.en-fr-es.tsv"
    docs: dict[str, list[dict[str, str]]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            docs.setdefault(row["doc_id"], []).append(row)
    items = []
    for doc_id, rows in docs.items():
        parts = [rows]
        if len(rows) >= NTREX_SPLIT_MIN_LINES:
            half = len(rows) // 2
            parts = [rows[:half], rows[half:]]
        for part_no, part in enumerate(parts, start=1):
            for lang in ("fr", "en", "es"):
                items.append({
                    "id": f"ntrex-{doc_id}-{part_no}-{lang}", "lang": lang,
                    "title": part[0][lang], "text": " ".join(r[lang] for r in part[1:]),
                    "url": f"ntrex128:{doc_id}", "source": "NTREX-128 newstest2019",
                    "licence": "CC BY-SA 4.0 (Federmann, Kocmi & Xin, SUMEval 2022)",
                    "relevant": False, "themes": [], "regions": [NTREX_REGIONS[doc_id]],
                })  # fmt: skip
    return items


def build_pages() -> list[dict[str, object]]:
    items = []
    for rel, (item_id, lang, relevant, themes, regions) in PAGE_LABELS.items():
        raw = (SHARED / "articles" / rel).read_bytes()
        doc = trafilatura.bare_extraction(raw, with_metadata=True)
        data = doc.as_dict() if hasattr(doc, "as_dict") else doc
        items.append({
            "id": item_id, "lang": lang, "title": data.get("title") or "",
            "text": (data.get("text") or "")[:PAGE_TEXT_CHARS], "url": data.get("url") or rel,
            "source": f"shared/data/articles/{rel}", "licence": PAGE_LICENCES[rel.split("/")[0]],
            "relevant": relevant, "themes": themes, "regions": regions,
        })  # fmt: skip
    return items


def build_search() -> list[dict[str, object]]:
    items = []
    for line in (HERE / "search_items.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        item["id"] = f"web-{item['id']}"
        item.setdefault("source", "public web page (stored copy, search corpus)")
        item.setdefault("licence", "licence unknown; excerpt for local evaluation only")
        items.append(item)
    return items


def main() -> None:
    items = build_demo() + build_ntrex() + build_pages() + build_search()
    ids = [i["id"] for i in items]
    assert len(ids) == len(set(ids)), "duplicate ids"
    with (HERE / "items.jsonl").open("w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"{len(items)} items written")


if __name__ == "__main__":
    main()
