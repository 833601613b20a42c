"""The audit log page and its CSV export: filters by actor, action (or family), target and
days, pages of 100, hostile filter values (ADVERSARIAL 16), spreadsheet formulas neutralised
in the export (ADVERSARIAL 26)."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from pipeline.jobs.audit import neutralise
from pipeline.store.models import AuditEntry
from tests.web.conftest import Site, sign_in

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A9)",
            "\t=1", "\r=1", "\uff1d1+1"]


@pytest.fixture(scope="module")
def logged(site: Site) -> Site:
    """A log with known entries: three actors, hostile values, old and new days."""
    old_at = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)
    with site.app.session() as db:
        db.add_all([
            AuditEntry(at=old_at, actor="marie", action="text.edited", target="item:12:es",
                       details={"before": "machine"}),
            AuditEntry(at=old_at + timedelta(days=1), actor="marie",
                       action="classification.corrected", target="item:12",
                       details={"relevant": False}),
            AuditEntry(at=old_at + timedelta(days=40), actor="paul", action="edition.approved",
                       target="edition:3", details={}),
            *[AuditEntry(at=old_at + timedelta(days=50, minutes=i), actor=formula,
                         action="text.edited", target=formula, details={"title": formula})
              for i, formula in enumerate(FORMULAS)],
            *[AuditEntry(at=old_at + timedelta(days=60, minutes=i), actor="bulk",
                         action="user.sign_in", target=f"user:bulk{i}", details={})
              for i in range(120)],
        ])
    return site


@pytest.fixture(scope="module")
def editor(logged: Site) -> TestClient:
    client = logged.client()
    sign_in(client, "editor")
    return client


def rows_of(page: str) -> list[list[str]]:
    body = page.split("<tbody>")[1].split("</tbody>")[0] if "<tbody>" in page else ""
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr data-nav-item>(.*?)</tr>", body, re.S)]


def test_filters_by_actor_action_family_target_and_days(editor: TestClient) -> None:
    marie = rows_of(editor.get("/audit?actor=marie").text)
    assert [r[1:4] for r in marie] == [["marie", "classification.corrected", "item:12"],
                                       ["marie", "text.edited", "item:12:es"]]
    family = rows_of(editor.get("/audit?action=text.&actor=marie").text)
    assert [r[2] for r in family] == ["text.edited"]
    target = rows_of(editor.get("/audit?target=item:12").text)
    assert {r[3] for r in target} == {"item:12", "item:12:es"}
    days = rows_of(editor.get("/audit?since=2025-01-16&until=2025-02-24").text)
    assert [r[2] for r in days] == ["edition.approved", "classification.corrected"]
    assert rows_of(editor.get("/audit?until=2025-01-15").text)[0][3] == "item:12:es"
    page = editor.get("/audit?actor=marie").text
    assert '<option value="marie" selected>' in page
    assert '<option value="text.">' in page  # a family of actions


def test_pages_of_a_hundred_newest_first(editor: TestClient) -> None:
    first = editor.get("/audit?actor=bulk")
    rows = rows_of(first.text)
    assert len(rows) == 100 and rows[0][3] == "user:bulk119"
    older = re.search(r'href="(/audit\?actor=bulk&amp;before=\d+)"', first.text)
    assert older
    rest = rows_of(editor.get(html.unescape(older.group(1))).text)
    assert len(rest) == 20 and rest[-1][3] == "user:bulk0"


@pytest.mark.parametrize("query", [
    "actor=' OR '1'='1", "action=%25", "action=text.%25", "target=%25",
    "target=item:12' UNION SELECT * FROM users --", "before=1 OR 1=1",
    "before=99999999999999999999999999", "action=_", "target=item_12", "actor=%00",
])
def test_hostile_filters_are_values_not_code(editor: TestClient, query: str) -> None:
    answer = editor.get(f"/audit?{query}")
    assert answer.status_code == 200
    assert len(rows_of(answer.text)) in (0, 100)  # nothing, or the unfiltered first page
    if ("%" in query or "_" in query or "'" in query) and "%00" not in query:
        assert rows_of(answer.text) == []  # wildcards and quotes match themselves only


def test_a_bad_day_is_said_and_the_other_filters_still_apply(editor: TestClient) -> None:
    answer = editor.get("/audit?actor=marie&since=yesterday")
    assert answer.status_code == 400
    assert "Dates are written YYYY-MM-DD." in answer.text
    assert len(rows_of(answer.text)) == 2
    assert editor.get("/audit.csv?until=2025-13-45").status_code == 400


def test_the_export_neutralises_formulas_and_keeps_everything_else(editor: TestClient) -> None:
    answer = editor.get("/audit.csv?action=text.edited")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="audit-log-\d{8}-\d{4}\.csv"',
                        answer.headers["content-disposition"])
    text = answer.content.decode("utf-8")
    assert text.startswith("\ufeffid,at,actor,action,target,details\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]
    actors = [row[2] for row in rows]
    assert actors[0] == "marie"
    for formula in FORMULAS:
        assert "'" + formula in actors
        cells = [cell for row in rows for cell in row]
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r", "\uff1d"))
                       for cell in cells)
    assert all(row[0].isdigit() for row in rows)
    assert rows[0][1].startswith("2025-01-15T09:30:00")


def test_neutralise_leaves_ordinary_text_alone() -> None:
    assert neutralise("marie") == "marie"
    assert neutralise("édition 3 = bonne") == "édition 3 = bonne"
    assert neutralise("-3") == "'-3"
    assert neutralise("") == ""
