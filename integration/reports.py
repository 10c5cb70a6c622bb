"""How an import report is shown, the same for every importer: its findings as a CSV or Excel
download (`?format=csv|xlsx`), as paged tables on the report page
(`templates/includes/findings_table.html`), and printed by a management command.

A report is the JSON an importer stores and `--report json` prints: counts, and `errors` and
`warnings` lists of `integration.findings.Finding.as_dict()` items.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import django_tables2 as tables
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django_tables2 import RequestConfig

from integration.exports import Column, export_if_requested
from integration.tables import GOVUK_TABLE_ATTRS, ROW_HEADER, CaptionedTable, GovukTable

# --- the findings download (`?format=csv|xlsx` on a report page) ------------------------------

FINDING_EXPORT = [
    Column("Severity", lambda f: f["severity"]),
    Column("Row", lambda f: f["row"]),
    Column("Column", lambda f: f["column"]),
    Column("Value", lambda f: f["value"]),
    Column("Message", lambda f: f["message"]),
]


def report_findings(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A stored report's errors then warnings, each with its severity (the download's rows)."""
    rows = [{"severity": "error", **f} for f in report.get("errors", [])]
    return rows + [{"severity": "warning", **f} for f in report.get("warnings", [])]


def findings_export_if_requested(
    request: HttpRequest, *, report: Mapping[str, Any], filename: str
) -> HttpResponse | None:
    """The report's findings as CSV or Excel when the page was asked for `?format=`."""
    return export_if_requested(
        request, rows=lambda: report_findings(report), columns=FINDING_EXPORT, filename=filename
    )


# --- the findings table on a report page ----------------------------------------------------

FINDINGS_PER_PAGE = 50


class FindingTable(GovukTable):
    """Errors or warnings of a validation report: row, column, value and message."""

    row = tables.Column(
        verbose_name="Row",
        default="Whole file",
        attrs={
            "th": {"class": "govuk-table__header govuk-table__header--numeric"},
            "td": {"class": "govuk-table__cell govuk-table__cell--numeric"},
        },
    )
    column = tables.Column(verbose_name="Column", default="")
    value = tables.Column(verbose_name="Value", default="")
    message = tables.Column(verbose_name="Message")

    class Meta(GovukTable.Meta):
        orderable = False

    def render_value(self, value: str) -> str:
        text = str(value)
        return format_html("<code>{}</code>", text if len(text) <= 60 else text[:59] + "…")


def findings_tables(
    request: HttpRequest, report: Mapping[str, Any]
) -> dict[str, FindingTable | None]:
    """The report's errors and warnings as paginated tables (`includes/findings_table.html`),
    each paged on its own; None for a list that is empty."""
    found: dict[str, FindingTable | None] = {}
    for key in ("errors", "warnings"):
        items = report.get(key, [])
        table = FindingTable(items, prefix=f"{key}-") if items else None
        if table is not None:
            RequestConfig(request, paginate={"per_page": FINDINGS_PER_PAGE}).configure(table)
        found[f"{key[:-1]}_table"] = table
    return found


# --- the command-line printout ----------------------------------------------------------------


def findings_lines(
    report: Mapping[str, Any],
    *,
    label: Callable[[str], str],
    where: Callable[[Mapping[str, Any]], str],
) -> list[str]:
    """One line a finding, errors first: "<label>[<where>]: message"."""
    lines = []
    for severity, key in (("error", "errors"), ("warning", "warnings")):
        for item in report.get(key, []):
            lines.append(f"{label(severity)}{where(item)}: {item['message']}")
    return lines


def _place(item: Mapping[str, Any], quote: tuple[str, str]) -> str:
    parts = [
        f"row {item['row']}" if item["row"] else "",
        f"column {quote[0]}{item['column']}{quote[1]}" if item["column"] else "",
    ]
    return ", ".join(p for p in parts if p)


@dataclass(frozen=True)
class PrintStyle:
    """How a command names a finding's severity and place; each command keeps its output."""

    labels: Mapping[str, str]
    quote: tuple[str, str] = ("'", "'")
    brackets: bool = True

    def label(self, severity: str) -> str:
        return self.labels[severity]

    def where(self, item: Mapping[str, Any]) -> str:
        place = _place(item, self.quote)
        if not place:
            return ""
        return f" ({place})" if self.brackets else f": {place}"


def report_print(
    write: Callable[[str], Any],
    report: Mapping[str, Any],
    *,
    json_output: bool,
    summary: Sequence[str],
    style: PrintStyle,
    footer: Sequence[str] = (),
) -> None:
    """Print a command's report: the JSON as it is, or the summary lines, every finding and the
    footer lines."""
    if json_output:
        write(json.dumps(report, indent=2, ensure_ascii=False, default=str))
        return
    for line in summary:
        write(line)
    for line in findings_lines(report, label=style.label, where=style.where):
        write(line)
    for line in footer:
        write(line)


@dataclass(frozen=True)
class Count:
    """One line of a report's counts: its words, a key for `data-count`, and the number."""

    label: str
    key: str
    count: int


class CountTable(CaptionedTable):
    """A report's counts (rows in the file, new values, errors…): a row header and a number
    a row, each number marked `data-count="<key>"` for tests and scripts."""

    caption = "Counts"
    caption_class = "govuk-table__caption govuk-visually-hidden"

    label = tables.Column(attrs={"td": ROW_HEADER})
    count = tables.Column(
        attrs={
            "td": {
                "class": "govuk-table__cell govuk-table__cell--numeric",
                "data-count": lambda record: record.key,
            }
        }
    )

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "counts"}
        show_header = False
