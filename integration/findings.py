"""Import findings: one type and one JSON shape for every importer.

A finding is what validating a file found: an error (blocks applying) or a warning (does not),
naming the spreadsheet row and column, the raw value and a message written for the person who
made the file. Plan import, the activity upload and every importer to come report with these;
`integration.reports` shows a report the same way for each (download, table, printout). Plain
Python: the parsing steps of an importer use it without Django.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

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
