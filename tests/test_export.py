"""Backlog exports: each format read back and compared with the backlog, and the CLI."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from wishlist.extensions import db as _db
from wishlist.models import WishStatus
from wishlist.scoring import BundleScore
from wishlist.services import ServiceError
from wishlist.services.backlog import EXPORT_COLUMNS, BacklogFilter, BacklogRow, backlog
from wishlist.services.export import export_backlog, guard, priorities

from .test_backlog import FORMULA_TITLE, build_scenario


@pytest.fixture
def rows(people) -> list[BacklogRow]:
    """The scenario's backlog: its three live bundles and its one wish in no bundle."""
    build_scenario(people)
    found = backlog(BacklogFilter())
    assert len(found) == 4
    return found


def read_csv(content: bytes) -> list[list[str]]:
    """CSV bytes as rows of cells."""
    return list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to show that nothing changed."""
    return {
        table.name: sorted(map(tuple, _db.session.execute(select(table))), key=repr)
        for table in _db.metadata.sorted_tables
    }


def test_guard_marks_formula_starts_only():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert guard(text) == "'" + text
    assert guard("Dark mode") == "Dark mode" and guard("") == ""


def test_csv(rows):
    content, mimetype, suffix = export_backlog(rows, "csv")
    assert (mimetype, suffix) == ("text/csv; charset=utf-8", ".csv")
    assert b"\r\n" in content
    table = read_csv(content)
    assert table[0] == list(EXPORT_COLUMNS)
    assert len(table) == len(rows) + 1
    for cells, row in zip(table[1:], rows, strict=True):
        record = dict(zip(EXPORT_COLUMNS, cells, strict=True))
        assert int(record["rank"]) == row.rank
        assert record["bundle_id"] == ("" if row.bundle_id is None else str(row.bundle_id))
        assert record["wish_id"] == ("" if row.wish_id is None else str(row.wish_id))
        assert record["score"] == f"{row.score:.1f}"
        assert Decimal(record["revenue_at_risk"]) == row.revenue_at_risk
        assert record["revenue_at_risk"].count(".") == 1
        assert record["revenue_at_risk"].split(".")[1].__len__() == 2
        assert Decimal(record["reach_arr"]) == row.reach_arr
        assert record["strategic_fit"] == (
            "" if row.strategic_fit is None else str(row.strategic_fit)
        )
        assert record["status"] == row.status.value
        assert record["top_accounts"] == "; ".join(row.top_accounts)
        assert record["url"] == row.url
        assert int(record["vote_count"]) == row.vote_count
    titles = [cells[3] for cells in table[1:]]
    assert sum(1 for cells in table[1:] if cells[2]) == 1  # the lone wish names its wish
    assert "'" + FORMULA_TITLE in titles
    assert not any(t.startswith(("=", "+", "-", "@")) for t in titles)


def test_xlsx(app, rows):
    app.config["CURRENCY"] = "EUR"
    content, mimetype, suffix = export_backlog(rows, "xlsx")
    assert suffix == ".xlsx" and "spreadsheetml" in mimetype
    book = load_workbook(io.BytesIO(content))
    sheet = book["Backlog"]
    assert sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == list(EXPORT_COLUMNS)
    assert all(c.font.b for c in sheet[1])
    assert sheet.column_dimensions["D"].width >= 40
    column = {name: n for n, name in enumerate(EXPORT_COLUMNS)}
    for cells, row in zip(sheet.iter_rows(min_row=2), rows, strict=True):
        got = {name: cells[n] for name, n in column.items()}
        assert got["rank"].value == row.rank and isinstance(got["rank"].value, int)
        assert got["score"].value == pytest.approx(row.score)
        assert isinstance(got["score"].value, float | int)
        for money in ("revenue_at_risk", "reach_arr"):
            assert got[money].value == pytest.approx(float(getattr(row, money)))
            assert isinstance(got[money].value, float | int)
            assert "EUR" in got[money].number_format and "0.00" in got[money].number_format
        assert got["strategic_fit"].value == row.strategic_fit
        assert got["status"].value == row.status.value
        assert got["url"].value == row.url and got["url"].hyperlink.target == row.url
        title = got["title"].value
        assert title == guard(row.title) and got["title"].data_type == "s"
    assert sheet.max_row == len(rows) + 1


def test_json(rows):
    now_filter = BacklogFilter(statuses=[WishStatus.NEW, WishStatus.PLANNED])
    content, mimetype, suffix = export_backlog(rows, "json", filters=now_filter)
    assert (mimetype, suffix) == ("application/json", ".json")
    document = json.loads(content)
    assert document["currency"] == "USD"
    assert document["filters"]["statuses"] == ["new", "planned"]
    assert "T" in document["generated_at"]
    assert len(document["items"]) == len(rows)
    for item, row in zip(document["items"], rows, strict=True):
        assert list(item) == list(EXPORT_COLUMNS)
        assert item["rank"] == row.rank and item["score"] == row.score
        assert item["revenue_at_risk"] == float(row.revenue_at_risk)
        assert item["reach_arr"] == float(row.reach_arr)
        assert item["strategic_fit"] == row.strategic_fit
        assert item["top_accounts"] == row.top_accounts
        assert item["title"] == row.title  # JSON is data, not a spreadsheet: no apostrophe
    assert any(item["strategic_fit"] is None for item in document["items"])


def test_markdown(rows):
    content, mimetype, suffix = export_backlog(rows, "md")
    assert suffix == ".md" and mimetype.startswith("text/markdown")
    lines = content.decode("utf-8").splitlines()
    assert lines[0].startswith("# Backlog: 4 bundles")
    table = [line for line in lines if line.startswith("|")]
    assert len(table) == 2 + len(rows)
    # Unescaped pipes delimit cells: the same number on every line, including the escaped title.
    widths = {line.replace("\\|", "").count("|") for line in table}
    assert widths == {10}
    for line, row in zip(table[2:], rows, strict=True):
        assert line.startswith(f"| {row.rank} | {row.label} [") and f"(<{row.url}>)" in line
    assert "\\|" in "\n".join(table)  # the formula title's pipe


@pytest.mark.parametrize(
    "title",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "Pipes | break | tables",
        "[click](javascript:alert(1))",
        "**bold** _em_ `code` ~~gone~~ & \\",
    ],
)
def test_markdown_shows_every_cell_as_text(rows, title):
    """HTML and Markdown syntax in any cell appear as written, never as markup."""
    row = replace(rows[0], title=title, theme=title, top_accounts=[title])
    text = export_backlog([row], "md")[0].decode("utf-8")
    line = next(line for line in text.splitlines() if line.startswith("| 1 |"))
    # No raw HTML can open; the table keeps its ten cell borders.
    assert "<" not in line.replace(f"(<{row.url}>)", "")
    assert line.replace("\\|", "").count("|") == 10
    rendered = markdown_text(line)
    assert rendered.count(title) == 3  # title, theme and account read back as typed


def markdown_text(line: str) -> str:
    """What a reader sees of an escaped Markdown line: escapes and entities resolved."""
    import html
    import re

    return html.unescape(re.sub(r"\\(.)", r"\1", line))


def test_jira(rows):
    content, mimetype, suffix = export_backlog(rows, "jira")
    assert suffix == ".jira.csv" and mimetype.startswith("text/csv")
    table = read_csv(content)
    assert table[0][:4] == ["Summary", "Description", "Issue Type", "Priority"]
    assert set(table[0][4:]) == {"Labels"} and len(table[0]) == 6  # theme + one area at most
    assert all(len(line) == len(table[0]) for line in table)
    by_summary = {line[0]: line for line in table[1:]}
    sync = by_summary["Salesforce sync"]
    assert sync[2] == "Story"
    assert sync[4:] == ["Integrations", "Billing"]
    description = sync[1]
    for part in ("customers: +", "revenue: +", "fit: +", "reach: +", "Acme Corp (ARR USD 200,000)"):
        assert part in description
    assert "/value/bundles/" in description
    assert "'" + FORMULA_TITLE in by_summary
    # Of four rows: the top 10% rounds up to one, 30% to two, 70% to three.
    assert [line[3] for line in table[1:]] == ["Highest", "High", "Medium", "Low"]
    lone = by_summary["A wish on its own"]
    assert "/value/wishes/" in lone[1] and lone[4:] == ["", ""]
    dark = by_summary["Dark mode"]
    assert dark[4:] == ["Dark-interfaces", "Reporting"]
    assert by_summary["'" + FORMULA_TITLE][4:] == ["Billing", ""]


def fake_row(rank: int) -> BacklogRow:
    """A bare row for priority bands."""
    result = BundleScore(rank, 0.0, 0, 0, Decimal(0), 0, Decimal(0), None, True, False, [], [])
    return BacklogRow(
        rank, rank, None, f"Bundle {rank}", 0.0, 0, 0, Decimal(0), None, "", WishStatus.NEW, 1,
        0, 0, Decimal(0), [], f"http://localhost/value/bundles/{rank}", result, True, False, [],
        True, "",
    )  # fmt: skip


def test_jira_priority_bands():
    ten = [fake_row(n) for n in range(10, 0, -1)]  # any order: bands follow rank
    bands = priorities(ten)
    assert [bands[n] for n in range(1, 11)] == ["Highest"] + ["High"] * 2 + ["Medium"] * 4 + [
        "Low"
    ] * 3
    assert priorities([fake_row(1)]) == {1: "Highest"}
    assert priorities([]) == {}


def test_unknown_format():
    with pytest.raises(ServiceError, match="Unknown export format"):
        export_backlog([], "pdf")


def test_every_format_exports_an_empty_backlog(app):
    for fmt in ("csv", "xlsx", "json", "md", "jira"):
        content, _, _ = export_backlog([], fmt)
        assert content


def test_cli_writes_a_file_with_filters(runner, rows, tmp_path: Path):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "planned.csv"
    result = runner.invoke(
        args=["export", "backlog", "--format", "csv", "--status", "planned", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    table = read_csv(target.read_bytes())
    assert [line[3] for line in table[1:]] == ["'" + FORMULA_TITLE]
    assert table[1][0] == "1"  # ranked within the filter
    assert list(folder.iterdir()) == [target]  # no temporary file left behind
    minimum = rows[1].score
    result = runner.invoke(
        args=["export", "backlog", "--format", "json", "--min-score", str(minimum)]
    )
    assert result.exit_code == 0, result.output
    items = json.loads(result.stdout_bytes)["items"]
    assert [i["bundle_id"] for i in items] == [r.bundle_id for r in rows[:2]]


def test_cli_xlsx_and_theme(runner, rows, tmp_path: Path):
    target = tmp_path / "backlog.xlsx"
    result = runner.invoke(
        args=["export", "backlog", "--format", "xlsx", "--theme", "integrations", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    sheet = load_workbook(target)["Backlog"]
    assert [c.value for c in sheet[2]][3] == "Salesforce sync" and sheet.max_row == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "pdf"),
        (["--status", "finished"], "Unknown status"),
        (["--min-score", "lots"], "must be a number"),
        (["--format", "xlsx"], "-o FILE"),
    ],
)
def test_cli_bad_options_exit_2_and_write_nothing(runner, rows, tmp_path: Path, args, message):
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "out.file"
    output_args = [] if args == ["--format", "xlsx"] else ["-o", str(target)]
    result = runner.invoke(args=["export", "backlog", *args, *output_args])
    assert result.exit_code == 2
    assert message in result.output
    assert not target.exists() and list(folder.iterdir()) == []


def test_exports_never_change_the_database(runner, rows, tmp_path: Path):
    before = snapshot()
    for fmt in ("csv", "xlsx", "json", "md", "jira"):
        result = runner.invoke(
            args=["export", "backlog", "--format", fmt, "-o", str(tmp_path / f"b.{fmt}")]
        )
        assert result.exit_code == 0, result.output
    _db.session.expire_all()
    assert snapshot() == before
