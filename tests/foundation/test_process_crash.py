"""``pipeline process`` killed at random points, and two of them at once, as real processes.

Issue 11 item 3: a killed processor must not strand its claimed batch, a dead run is marked
dead, and a normal run afterwards processes everything exactly once. Item 7: two processors
linking stories at once must not leave stories without items.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from pipeline.records import CollectedItem, SourceSpec
from pipeline.states import ItemStatus, RunStatus
from pipeline.store.db import create_db_engine, make_sessionmaker, upgrade_db
from pipeline.store.items import upsert_items
from pipeline.store.models import Classification, Item, ItemText, Run, Story
from pipeline.store.sources import sync_sources
from pipeline.store.stories import count_orphan_stories
from tests.conftest import PIPELINE_BIN, run_pipeline

WORDS = ("soil", "carbon", "farmers", "climate", "drought", "compost", "yields", "water",
         "erosion", "policy", "finance", "science", "practice", "region", "initiative", "forest",
         "grazing", "cover", "crops", "sahel", "kenya", "brazil", "restoration", "agroforestry",
         "nitrogen", "markets", "research", "network", "seed", "harvest")
SPEC = SourceSpec(id="wire", name="Wire", url="https://wire.example/feed", kind="feed",
                  lang="en")
ENV = {"PIPELINE_TRANSLATION_ENGINES": "", "PIPELINE_PROCESS_BATCH_SIZE": "4"}
"""No engine (texts wait for a translator: fast), small batches (many points to die at)."""


def make_project(tmp_path: Path, items: list[tuple[str, str]]) -> str:
    """A project folder with a sources file and ``items`` (title, text) stored as new."""
    (tmp_path / "sources.toml").write_text(
        f'[[sources]]\nid = "{SPEC.id}"\nname = "{SPEC.name}"\nurl = "{SPEC.url}"\n'
        'lang = "en"\n', encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'var' / 'pipeline.sqlite3'}"
    engine = create_db_engine(url)
    upgrade_db(engine)
    now_at = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        sync_sources(session, [SPEC])
        upsert_items(session, [CollectedItem(
            source_id=SPEC.id, url=f"https://wire.example/{n}",
            canonical_url=f"https://wire.example/{n}", title=title, summary=text,
            fetched_at=now_at, published_at=now_at, content_hash=f"sha256:{n:064x}")
            for n, (title, text) in enumerate(items)])
    engine.dispose()
    return url


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def start_process(cwd: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPELINE_")}
    env.update(ENV)
    return subprocess.Popen([str(PIPELINE_BIN), "process"], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def processes_in(folder: Path) -> list[int]:
    """Processes whose working directory is ``folder`` (none may outlive the test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if Path(os.readlink(entry / "cwd")) == folder:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_killed_processors_strand_nothing_and_every_item_is_processed_once(
        tmp_path: Path) -> None:
    rng = random.Random(11)
    count = 1000  # one run outlasts the longest wait before a kill, even on a quiet machine
    url = make_project(tmp_path, [(f"Item {n}: {sentence(rng, 6)}", sentence(rng, 40))
                                  for n in range(count)])
    killed = 0
    for _ in range(10):
        child = start_process(tmp_path)
        time.sleep(rng.uniform(0.3, 3.5))  # start-up, claims, batches, story linking
        if child.poll() is None:
            child.send_signal(signal.SIGKILL)
            killed += 1
        child.communicate(timeout=60)
    assert killed >= 5, "the runs ended before they could be killed: raise the item count"

    done = run_pipeline(["process"], cwd=tmp_path, env=ENV)
    assert done.returncode == 0, done.stderr
    engine = create_db_engine(url)
    with make_sessionmaker(engine)() as session:
        statuses = dict(session.execute(select(Item.status, func.count()).group_by(Item.status))
                        .all())
        runs = session.scalars(select(Run).order_by(Run.id)).all()
        texts = session.scalar(select(func.count()).select_from(ItemText))
        labels = session.scalar(select(func.count()).select_from(Classification))
    engine.dispose()
    assert statuses == {ItemStatus.PROCESSED: count}
    assert texts == 3 * count and labels == count
    # Each run's counts are stored with the batch they count: together they say once each.
    assert sum(r.stats.get("processed", 0) for r in runs) == count
    assert sum(r.stats.get("taken_over", 0) for r in runs) == 0
    assert RunStatus.RUNNING not in {r.status for r in runs}
    assert {r.status for r in runs[:-1]} <= {RunStatus.DEAD, RunStatus.OK}
    assert runs[-1].status == RunStatus.OK
    status = run_pipeline(["status"], cwd=tmp_path)
    assert " running " not in status.stdout
    assert processes_in(tmp_path) == []


def test_two_processors_at_once_leave_no_story_without_items(tmp_path: Path) -> None:
    rng = random.Random(7)
    pairs = 30
    items = []
    for n in range(pairs):  # the same agency story in two outlets
        title, text = f"Story {n}: {sentence(rng, 8)}", sentence(rng, 60)
        items += [(title, text), (title, text)]
    url = make_project(tmp_path, items)
    first, second = start_process(tmp_path), start_process(tmp_path)
    outputs = [first.communicate(timeout=240), second.communicate(timeout=240)]
    assert (first.returncode, second.returncode) == (0, 0), outputs
    engine = create_db_engine(url)
    with make_sessionmaker(engine)() as session:
        story_of = dict(session.execute(select(Item.id, Item.story_id)).all())
        stories = session.scalar(select(func.count()).select_from(Story))
        orphans = count_orphan_stories(session)
    engine.dispose()
    assert orphans == 0
    ids = sorted(story_of)
    assert all(story_of[a] is not None and story_of[a] == story_of[b]
               for a, b in zip(ids[::2], ids[1::2], strict=True))
    assert stories == len(set(story_of.values()))  # every story has items
