"""Precision and recall of story linking on a hand-labelled set of items.

The set (``tests/data/stories/``, see its README) gives every item a story label: two items with
the same label report one event or study, any other pair does not. Linking is scored over pairs:
a pair placed in one group is right when its items share a label. Pairs are counted separately
within a language and across languages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

from pipeline.errors import ConfigError

from .stories import StoryCandidate, link_stories


@dataclass(frozen=True, slots=True)
class LabelledStoryItem:
    candidate: StoryCandidate
    story: str


@dataclass
class PairScore:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0


@dataclass
class StoryLinkReport:
    items: int
    same_language: PairScore = field(default_factory=PairScore)
    cross_language: PairScore = field(default_factory=PairScore)
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    """(kind, id, id): "false link" or "missed link"."""

    @property
    def overall(self) -> PairScore:
        a, b = self.same_language, self.cross_language
        return PairScore(a.true_positive + b.true_positive, a.false_positive + b.false_positive,
                         a.false_negative + b.false_negative)


def read_story_items(path: Path, *, story_of: Callable[[dict[str, object]], str],
                     keep: Callable[[dict[str, object]], bool] = lambda raw: True,
                     ) -> list[LabelledStoryItem]:
    """Items of a JSON Lines file (``id``, ``lang``, ``title``, ``text``, optional ``source``
    and ``published``), labelled by ``story_of``."""
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"invalid JSON: {exc.msg}", path=f"line {number}",
                              file=str(path)) from None
        if not keep(raw):
            continue
        published = raw.get("published") or raw.get("approx_published")
        out.append(LabelledStoryItem(StoryCandidate(
            id=str(raw["id"]), lang=str(raw["lang"]), title=str(raw.get("title") or ""),
            text=str(raw.get("text") or ""), source=str(raw.get("source") or ""),
            published_at=parse_day(published) if isinstance(published, str) else None,
        ), story_of(raw)))
    return out


_ADDRESS_DAY = re.compile(
    r"(?<!\d)(20[0-3]\d|19[89]\d)[/-]?(0[1-9]|1[0-2])[/-]?(0[1-9]|[12]\d|3[01])(?!\d)")


def date_from_address(url: str) -> datetime | None:
    """A day written in a page's address ("/2018/08/09/", "2019-10-03", "20220923")."""
    match = _ADDRESS_DAY.search(url)
    if not match:
        return None
    try:
        return datetime(int(match[1]), int(match[2]), int(match[3]), tzinfo=UTC)
    except ValueError:
        return None


def parse_day(value: str) -> datetime | None:
    """A full ``YYYY-MM-DD`` date as midnight UTC; a month or a year alone is no date."""
    try:
        return datetime.strptime(value[:10], "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None


def evaluate_links(
    items: Sequence[LabelledStoryItem],
    link: Callable[[Sequence[StoryCandidate]], Iterable[Sequence[str]]] = link_stories,
) -> StoryLinkReport:
    """Score the groups ``link`` makes of the items against their story labels."""
    by_id = {item.candidate.id: item for item in items}
    group_of: dict[str, int] = {}
    for number, group in enumerate(link([item.candidate for item in items])):
        for item_id in group:
            group_of[item_id] = number
    report = StoryLinkReport(items=len(items))
    for first, second in combinations(sorted(by_id), 2):
        a, b = by_id[first], by_id[second]
        same_story = a.story == b.story
        linked = group_of.get(first, -1) == group_of.get(second, -2)
        if same_story and not _within_period(a.candidate, b.candidate):
            continue  # one story told months apart: linking it is neither expected nor wrong
        if not same_story and not linked:
            continue
        score = (report.same_language if a.candidate.lang == b.candidate.lang
                 else report.cross_language)
        if same_story and linked:
            score.true_positive += 1
        elif linked:
            score.false_positive += 1
            report.errors.append(("false link", first, second))
        else:
            score.false_negative += 1
            report.errors.append(("missed link", first, second))
    return report


def with_english_titles(items: Sequence[LabelledStoryItem],
                        translate: Callable[[list[str], str], list[str]],
                        ) -> list[LabelledStoryItem]:
    """The items with a machine translation of their title into English, as the pipeline
    links them (``translate(titles, source_lang)`` gives one English title per title)."""
    out = list(items)
    for lang in sorted({i.candidate.lang for i in items} - {"en"}):
        indexes = [n for n, i in enumerate(items) if i.candidate.lang == lang]
        english = translate([items[n].candidate.title for n in indexes], lang)
        for n, title in zip(indexes, english, strict=True):
            item = items[n]
            out[n] = LabelledStoryItem(replace(item.candidate, translated_titles={"en": title}),
                                       item.story)
    return out


def _within_period(a: StoryCandidate, b: StoryCandidate) -> bool:
    if a.published_at is None or b.published_at is None:
        return True
    return abs((a.published_at - b.published_at).total_seconds()) <= PERIOD_DAYS * 86_400


def format_story_report(report: StoryLinkReport) -> str:
    lines = [f"items: {report.items}", "| pairs | linked right | linked wrong | missed | "
             "precision | recall |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, score in (("same language", report.same_language),
                        ("across languages", report.cross_language),
                        ("all", report.overall)):
        lines.append(f"| {name} | {score.true_positive} | {score.false_positive} | "
                     f"{score.false_negative} | {score.precision:.3f} | {score.recall:.3f} |")
    return "\n".join(lines)


PERIOD_DAYS = 31
"""Reports of one story further apart than this are not expected to be linked (nor counted)."""
CLASSIFY_SETS = ("items.jsonl", "heldout_items.jsonl", "heldout2_items.jsonl",
                 "heldout3_items.jsonl")


def load_story_set(data_dir: Path, *, dated: bool = True) -> list[LabelledStoryItem]:
    """The labelled story set: ``stories/items.jsonl`` (reports of a few stories by several
    outlets, with their hard negatives) and the items of the classification sets, labelled by
    ``stories/labels.json``; NTREX-128 items are one story per news document (their second
    halves, made for the classification set, are left out: no outlet publishes half a story).

    With ``dated`` (the default) an item has its publication date, or the approximate date set
    by hand; an item whose date is unknown has none (it may be near any other, as in the
    pipeline). Without, every date is dropped: all items fall in one period, the hardest case
    for precision."""
    labels = json.loads((data_dir / "stories" / "labels.json").read_text(encoding="utf-8"))
    story_by_id = {item_id: story for story, ids in labels["stories"].items() for item_id in ids}
    same_event: dict[str, str] = labels.get("same_event", {})
    published: dict[str, str] = labels.get("published", {})

    def story_of(raw: dict[str, object]) -> str:
        item_id = str(raw["id"])
        if "story" in raw:
            return str(raw["story"])
        if item_id.startswith("ntrex-"):
            document = item_id.removeprefix("ntrex-").rsplit("-", 2)[0]
            return f"ntrex:{same_event.get(document, document)}"
        return story_by_id.get(item_id, item_id)

    def keep(raw: dict[str, object]) -> bool:
        return not str(raw["id"]).startswith("ntrex-") or "-2-" not in str(raw["id"])

    items = read_story_items(data_dir / "stories" / "items.jsonl", story_of=story_of)
    seen = {item.candidate.id for item in items}
    url_of = {str(raw["id"]): str(raw.get("url") or "") for name in CLASSIFY_SETS
              for raw in map(json.loads, (data_dir / "classify" / name).read_text(
                  encoding="utf-8").splitlines()) if raw}
    for name in CLASSIFY_SETS:
        for item in read_story_items(data_dir / "classify" / name, story_of=story_of, keep=keep):
            if item.candidate.id not in seen:
                seen.add(item.candidate.id)
                day = published.get(item.candidate.id)
                when = parse_day(day) if day else date_from_address(url_of[item.candidate.id])
                items.append(LabelledStoryItem(replace(item.candidate, published_at=when),
                                               item.story))
    if dated:
        return items
    return [LabelledStoryItem(replace(i.candidate, published_at=None), i.story) for i in items]
