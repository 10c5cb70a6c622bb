"""Import findings: one type, one JSON shape, one export and one printout for every importer.

A finding is what validating a file found: an error (blocks applying) or a warning (does not),
naming the spreadsheet row and column, the raw value and a message written for the person who
made the file. Plan import, the activity upload and every importer to come report with these,
so their JSON reports, CSV/Excel downloads and command-line output have the same shape.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import django_tables2 as tables
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django_tables2 import RequestConfig

from integration.exports import Column, export_if_requested
from integration.tables import GovukTable

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One validation message. `row` is the row number a spreadsheet user sees (1-based,
    counting title and header rows), `column` the header as the file wrote it; either is None
    when the finding is about the whole file."""

    severity: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    @classmethod
    def error(
        cls, message: str, *, row: int | None = None, column: str | None = None, value: Any = None
    ) -> Finding:
        return cls("error", row, column, value, message)

    @classmethod
    def warning(
        cls, message: str, *, row: int | None = None, column: str | None = None, value: Any = None
    ) -> Finding:
        return cls("warning", row, column, value, message)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict[str, Any]:
        """The item shape of a report's `errors` and `warnings` lists (the README documents it)."""
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


def findings_report(findings: Iterable[Finding]) -> dict[str, list[dict[str, Any]]]:
    """The `errors` and `warnings` lists of a JSON report, each in the order given."""
    items = list(findings)
    return {
        "errors": [f.as_dict() for f in items if f.severity == "error"],
        "warnings": [f.as_dict() for f in items if f.severity == "warning"],
    }


class FindingLog:
    """Collects findings, keeping at most `cap` of one check so that a million bad rows give a
    readable report (the rest are counted in one summary line per check)."""

    def __init__(self, cap: int = 100) -> None:
        self.cap = cap
        self.items: list[Finding] = []
        self._counts: Counter[str] = Counter()
        self._first: dict[str, tuple[str, str]] = {}

    def add(
        self,
        severity: str,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        value: str | None = None,
        check: str | None = None,
    ) -> None:
        key = check or message
        self._counts[key] += 1
        self._first.setdefault(key, (severity, message))
        if self._counts[key] <= self.cap:
            self.items.append(Finding(severity, row, column, value, message))

    def add_uncounted(self, check: str, extra: int) -> None:
        """Count `extra` more findings of a check without building them (they are over the cap)."""
        self._counts[check] += extra

    def finish(self) -> list[Finding]:
        """The findings, plus one line per check that went over the cap saying how many more."""
        for key, count in self._counts.items():
            if count > self.cap:
                severity, message = self._first[key]
                self.items.append(
                    Finding(
                        severity,
                        None,
                        None,
                        None,
                        f"… and {count - self.cap:,} more rows like the above ({message})",
                    )
                )
                self._counts[key] = self.cap
        return self.items

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.items)


def describe_rows(rows: list[int], limit: int = 5) -> str:
    """'row 4', 'rows 4 and 9', 'rows 4, 9, 12 and 30 more'."""
    shown = [str(r) for r in rows[:limit]]
    if len(rows) == 1:
        return f"row {shown[0]}"
    if len(rows) <= limit:
        return f"rows {', '.join(shown[:-1])} and {shown[-1]}"
    return f"rows {', '.join(shown)} and {len(rows) - limit:,} more"


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
