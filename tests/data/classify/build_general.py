"""Build ``general_items.jsonl`` and ``general_blind_items.jsonl`` from the hand-labelled
``general/*.txt`` files (one item per line: label | themes | primary region | title | text,
under ``@source`` lines naming the outlet, language, country and where the item was saved).

The blind part is chosen by a rule fixed before any classifier saw the items: an item is blind
when the first byte of the SHA-256 of its id is divisible by 3 (about a third).

    python tests/data/classify/build_general.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
LICENCE_FEED = (
    "texts belong to their publishers (feed items as saved in the named public repository); "
    "kept for local evaluation with attribution, not for redistribution"
)
LICENCE_PAGE = (
    "texts belong to their publishers; short excerpt of a stored public page, kept for local "
    "evaluation with attribution, not for redistribution"
)


def parse_source(line: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    key = None
    for token in line.removeprefix("@source").split(" "):
        if "=" in token and token.split("=", 1)[0].isidentifier():
            key, value = token.split("=", 1)
            fields[key] = value
        elif key is not None and token:
            fields[key] += " " + token
    return fields


def read_items(path: Path, first_number: int = 1) -> list[dict[str, object]]:
    """Items of one labelled file, numbered from ``first_number`` (ids continue across the files
    of a language, in file-name order, so adding a file never renumbers an existing item)."""
    items: list[dict[str, object]] = []
    source: dict[str, str] = {}
    prefix = path.stem.split("-")[0]
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        if line.startswith("@source"):
            source = parse_source(line)
            continue
        label, themes, region, title, text = line.split("|", 4)
        relevant = label == "R"
        item_id = f"g-{prefix}-{first_number + len(items):03d}"
        where = (
            {"url": source["page"], "saved_in": "stored public page", "licence": LICENCE_PAGE}
            if "page" in source
            else {
                "url": source.get("feed", ""),
                "saved_in": f"{source['repo']}:{source['path']}@{source['commit']}"
                f" (offset {source.get('offset', '0')})",
                "licence": LICENCE_FEED,
            }
        )
        items.append({
            "id": item_id,
            "lang": source["lang"],
            "title": title.strip(),
            "text": text.strip(),
            "relevant": relevant,
            "themes": [t for t in themes.split(",") if t] if relevant else [],
            "regions": [region],
            "source": source["outlet"],
            "source_country": source["country"],
            **where,
            "line": f"general/{path.name}:{number}",
        })
    return items


def is_blind(item_id: str) -> bool:
    return hashlib.sha256(item_id.encode()).digest()[0] % 3 == 0


def read_all_items() -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    counts: dict[str, int] = {}
    for path in sorted((HERE / "general").glob("*.txt")):
        prefix = path.stem.split("-")[0]
        part = read_items(path, counts.get(prefix, 0) + 1)
        counts[prefix] = counts.get(prefix, 0) + len(part)
        items.extend(part)
    return items


def main() -> None:
    items = read_all_items()
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for name, part in (
        ("general_items.jsonl", [i for i in items if not is_blind(str(i["id"]))]),
        ("general_blind_items.jsonl", [i for i in items if is_blind(str(i["id"]))]),
    ):
        with open(HERE / name, "w", encoding="utf-8") as out:
            for item in part:
                out.write(json.dumps(item, ensure_ascii=False) + "\n")
        relevant = sum(bool(i["relevant"]) for i in part)
        print(f"{name}: {len(part)} items, {relevant} relevant")


if __name__ == "__main__":
    main()
