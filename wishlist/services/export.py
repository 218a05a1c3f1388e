"""The backlog as files a product manager takes elsewhere: CSV, Excel, JSON, Markdown, Jira CSV.

Every format takes the rows `backlog.backlog()` returned, so ranks, scores and money are the
ones on the page. Decisions shared by the formats:

- Scores have one decimal everywhere (as on the page); money has two decimals in CSV and
  Excel (as numbers, with the currency in Excel's number format) and is a JSON number.
- Status is the machine value (``under_review``) in CSV, Excel and JSON, which other tools
  filter on; Markdown and Jira, read by people, show its label ("Under review").
- Text that a spreadsheet would take for a formula (starting ``=``, ``+``, ``-``, ``@``, tab or
  carriage return) gets a leading apostrophe in CSV, Excel and Jira CSV, so a wish titled
  ``=HYPERLINK(...)`` stays text. Numbers are never touched.
- Jira priority comes from the position in rank order among the exported rows: the top 10%
  (rounded up, so rank 1 always) Highest, the next 20% High, the next 40% Medium, the rest Low.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from copy import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import current_app, has_app_context

from .backlog import EXPORT_COLUMNS, BacklogFilter, BacklogRow, filter_summary
from .errors import ServiceError

FORMATS: tuple[str, ...] = ("csv", "xlsx", "json", "md", "jira")
MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "jira": "text/csv; charset=utf-8",
}
SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx", "json": ".json", "md": ".md", "jira": ".jira.csv"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE = "Backlog"
JIRA_SUMMARY_MAX = 255
# Cumulative percentages of the exported rows given each Jira priority, best first.
PRIORITY_BANDS: tuple[tuple[str, int], ...] = (
    ("Highest", 10),
    ("High", 30),
    ("Medium", 70),
    ("Low", 100),
)
COLUMN_WIDTHS = {
    "rank": 7,
    "bundle_id": 10,
    "wish_id": 9,
    "title": 60,
    "score": 8,
    "customer_count": 15,
    "user_count": 11,
    "revenue_at_risk": 18,
    "strategic_fit": 13,
    "theme": 24,
    "status": 14,
    "wish_count": 11,
    "vote_count": 11,
    "reach_accounts": 15,
    "reach_arr": 18,
    "top_accounts": 60,
    "url": 45,
}
MONEY_COLUMNS = ("revenue_at_risk", "reach_arr")


def guard(text: str) -> str:
    """Text a spreadsheet will show as text: a leading apostrophe before formula characters."""
    if text and text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def currency_code(currency: str | None = None) -> str:
    """The currency to show: the one given, else the app's CURRENCY, else USD."""
    if currency:
        return currency
    if has_app_context():
        return str(current_app.config.get("CURRENCY") or "USD")
    return "USD"


def _money_text(amount: Decimal) -> str:
    """Money as a plain number with two decimals (120000.50)."""
    return f"{amount:.2f}"


def _display_money(amount: Decimal, currency: str) -> str:
    """Money for people: 'USD 120,000' or 'USD 120,000.50'."""
    whole = amount == amount.to_integral_value()
    return f"{currency} {amount:,.0f}" if whole else f"{currency} {amount:,.2f}"


def _to_csv(records: Iterable[Sequence[Any]]) -> bytes:
    """RFC 4180 CSV (CRLF line ends, quotes only where needed), UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(records)
    return buffer.getvalue().encode("utf-8")


# --- CSV -------------------------------------------------------------------------------------


def _csv_record(row: BacklogRow) -> list[str | int]:
    """One row's cells in EXPORT_COLUMNS order."""
    return [
        row.rank,
        "" if row.bundle_id is None else row.bundle_id,
        "" if row.wish_id is None else row.wish_id,
        guard(row.title),
        f"{row.score:.1f}",
        row.customer_count,
        row.user_count,
        _money_text(row.revenue_at_risk),
        "" if row.strategic_fit is None else row.strategic_fit,
        guard(row.theme),
        row.status.value,
        row.wish_count,
        row.vote_count,
        row.reach_accounts,
        _money_text(row.reach_arr),
        guard("; ".join(row.top_accounts)),
        guard(row.url),
    ]


def to_csv(rows: Sequence[BacklogRow]) -> bytes:
    """The rows as CSV, header EXPORT_COLUMNS."""
    return _to_csv([list(EXPORT_COLUMNS), *map(_csv_record, rows)])


# --- Excel -----------------------------------------------------------------------------------


def money_format(currency: str) -> str:
    """An Excel number format showing the currency code before the amount."""
    code = re.sub(r"[^A-Za-z]", "", currency) or "USD"
    return f'"{code}" #,##0.00'


def to_xlsx(rows: Sequence[BacklogRow], currency: str) -> bytes:
    """The rows as an Excel workbook: sheet Backlog, bold frozen header, numbers as numbers."""
    # Imported here: only this format needs openpyxl, and it takes a while to import.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    # Write-only mode streams rows out; the ordinary mode needs several times the time.
    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET_TITLE)
    sheet.freeze_panes = "A2"
    for n, name in enumerate(EXPORT_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(n)].width = COLUMN_WIDTHS[name]
    bold = Font(bold=True)
    link_font = Font(color="0563C1", underline="single")
    header = []
    for name in EXPORT_COLUMNS:
        cell = WriteOnlyCell(sheet, name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    # Rows are written as they are appended, so one styled cell per column can be reused.
    money = {}
    for name in MONEY_COLUMNS:
        money[name] = WriteOnlyCell(sheet)
        money[name].number_format = money_format(currency)
    link_style = WriteOnlyCell(sheet)
    link_style.font = link_font
    score_cell = WriteOnlyCell(sheet)
    score_cell.number_format = "0.0"
    for row in rows:
        score_cell.value = row.score
        money["revenue_at_risk"].value = float(row.revenue_at_risk)
        money["reach_arr"].value = float(row.reach_arr)
        link = WriteOnlyCell(sheet, guard(row.url))
        # Copying the style's indices skips hashing a Font per row (a tenth of the time).
        link._style = copy(link_style._style)
        link.hyperlink = row.url
        sheet.append(
            [
                row.rank,
                row.bundle_id,
                row.wish_id,
                guard(row.title),
                score_cell,
                row.customer_count,
                row.user_count,
                money["revenue_at_risk"],
                row.strategic_fit,
                guard(row.theme),
                row.status.value,
                row.wish_count,
                row.vote_count,
                row.reach_accounts,
                money["reach_arr"],
                guard("; ".join(row.top_accounts)),
                link,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- JSON ------------------------------------------------------------------------------------


def _json_item(row: BacklogRow) -> dict[str, Any]:
    """One row as JSON-ready values, keys EXPORT_COLUMNS."""
    return {
        "rank": row.rank,
        "bundle_id": row.bundle_id,
        "wish_id": row.wish_id,
        "title": row.title,
        "score": row.score,
        "customer_count": row.customer_count,
        "user_count": row.user_count,
        "revenue_at_risk": float(row.revenue_at_risk),
        "strategic_fit": row.strategic_fit,
        "theme": row.theme,
        "status": row.status.value,
        "wish_count": row.wish_count,
        "vote_count": row.vote_count,
        "reach_accounts": row.reach_accounts,
        "reach_arr": float(row.reach_arr),
        "top_accounts": list(row.top_accounts),
        "url": row.url,
    }


def to_json(
    rows: Sequence[BacklogRow], currency: str, filters: BacklogFilter | None, now: datetime
) -> bytes:
    """The rows as a JSON document with when, which currency and which filter."""
    document = {
        "generated_at": now.isoformat(timespec="seconds"),
        "currency": currency,
        "filters": filter_summary(filters) if filters is not None else {},
        "items": [_json_item(r) for r in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


# --- Markdown --------------------------------------------------------------------------------


# Characters with a meaning inside a Markdown table cell (line-start syntax such as # or 1. does
# not apply there): escaped with a backslash, so no link, emphasis or code span can form.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")


def md_cell(text: str) -> str:
    """Text shown as written inside a Markdown table cell.

    Markdown syntax (pipes, brackets, emphasis, backticks) is backslash-escaped and HTML's
    ``&``, ``<`` and ``>`` become entities, so a title like ``<script>`` or ``| a | b |``
    appears as text in every renderer and never breaks the table; line breaks become spaces.
    """
    escaped = _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return escaped.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_markdown(rows: Sequence[BacklogRow], currency: str, now: datetime) -> bytes:
    """The rows as a titled Markdown pipe table a PM can paste into a document or ticket."""
    count = f"{len(rows)} bundle" if len(rows) == 1 else f"{len(rows)} bundles"
    lines = [
        f"# Backlog: {count}, {now:%Y-%m-%d %H:%M} UTC",
        "",
        "| Rank | Title | Score | Customers | Revenue at risk | Fit | Theme | Status | "
        "Top accounts |",
        "| ---: | --- | ---: | ---: | ---: | ---: | --- | --- | --- |",
    ]
    for row in rows:
        title = md_cell(row.title)
        fit = "unscreened" if row.strategic_fit is None else f"{row.strategic_fit}/5"
        cells = [
            str(row.rank),
            f"{row.label} [{title}](<{row.url}>)",
            f"{row.score:.1f}",
            str(row.customer_count),
            _display_money(row.revenue_at_risk, currency),
            fit,
            md_cell(row.theme) or "—",
            md_cell(row.status.label),
            md_cell(", ".join(row.top_accounts)) or "—",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return ("\n".join(lines) + "\n").encode("utf-8")


# --- Jira ------------------------------------------------------------------------------------


def priorities(rows: Sequence[BacklogRow]) -> dict[int, str]:
    """Jira priority per bundle id from its position in rank order (see the module docstring)."""
    ordered = sorted(rows, key=lambda r: r.rank)
    total = len(ordered)
    # Integer arithmetic: 0.3 * 10 is 3.0000000000000004 in floats, which would round up to 4.
    limits = [(name, -(-percent * total // 100)) for name, percent in PRIORITY_BANDS]
    found = {}
    for position, row in enumerate(ordered, start=1):
        found[row.key] = next(name for name, limit in limits if position <= limit)
    return found


def jira_labels(row: BacklogRow) -> list[str]:
    """Labels from the theme and product areas: Jira labels have no spaces, so hyphens."""
    labels = [re.sub(r"\s+", "-", name.strip()) for name in [row.theme, *row.product_areas]]
    return list(dict.fromkeys(label for label in labels if label))


def jira_description(row: BacklogRow, currency: str) -> str:
    """Why the bundle ranks where it does: score breakdown, who asks, and where to look."""
    result = row.score_result
    lines = []
    if row.description.strip():
        lines += [row.description.strip(), ""]
    lines.append(f"Backlog rank {row.rank}, score {row.score:.1f} of 100.")
    lines.append("Score breakdown:")
    for part in result.components:
        lines.append(f"- {part.name}: +{part.contribution:.1f} ({part.note})")
    lines.append(
        f"Customers: {row.customer_count}; users: {row.user_count}; revenue at risk: "
        f"{_display_money(row.revenue_at_risk, currency)}."
    )
    arr_of = {e.name: e.arr for e in result.exposures}
    if row.top_accounts:
        lines.append("Top accounts:")
        for name in row.top_accounts:
            lines.append(f"- {name} (ARR {_display_money(arr_of.get(name, Decimal(0)), currency)})")
    lines.append(f"{'Bundle' if row.bundle_id is not None else 'Wish'}: {row.url}")
    return "\n".join(lines)


def to_jira(rows: Sequence[BacklogRow], currency: str) -> bytes:
    """A CSV for Jira's importer: one Story per bundle; several Labels columns, one label each."""
    priority = priorities(rows)
    labels = {r.key: jira_labels(r) for r in rows}
    width = max((len(v) for v in labels.values()), default=0) or 1
    records: list[list[str]] = [
        ["Summary", "Description", "Issue Type", "Priority", *["Labels"] * width]
    ]
    for row in rows:
        own = [guard(label) for label in labels[row.key]]
        records.append(
            [
                guard(" ".join(row.title.split())[:JIRA_SUMMARY_MAX]),
                guard(jira_description(row, currency)),
                "Story",
                priority[row.key],
                *own,
                *[""] * (width - len(own)),
            ]
        )
    return _to_csv(records)


# --- the service -----------------------------------------------------------------------------


def export_backlog(
    rows: list[BacklogRow],
    fmt: str,
    *,
    filters: BacklogFilter | None = None,
    currency: str | None = None,
    now: datetime | None = None,
) -> tuple[bytes, str, str]:
    """The rows in a format: (content, mimetype, filename suffix such as '.csv')."""
    if fmt not in FORMATS:
        raise ServiceError(f"Unknown export format “{fmt}”: choose from {', '.join(FORMATS)}.")
    code = currency_code(currency)
    when = now or datetime.now(UTC)
    writers: dict[str, Callable[[], bytes]] = {
        "csv": lambda: to_csv(rows),
        "xlsx": lambda: to_xlsx(rows, code),
        "json": lambda: to_json(rows, code, filters, when),
        "md": lambda: to_markdown(rows, code, when),
        "jira": lambda: to_jira(rows, code),
    }
    return writers[fmt](), MIMETYPES[fmt], SUFFIXES[fmt]


def export_filename(fmt: str, now: datetime | None = None) -> str:
    """A download name: backlog-2026-11-26.csv."""
    when = now or datetime.now(UTC)
    return f"backlog-{when:%Y-%m-%d}{SUFFIXES[fmt]}"
