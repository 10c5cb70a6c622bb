"""Value types shared by the ingest steps: findings, errors, metric rules, area matches, results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

SEVERITIES = ("error", "warning")
KINDS = ("actual", "plan", "baseline", "target")
STATUSES = ("reported", "provisional", "suppressed", "missing")
UNITS = ("count", "rate", "percentage", "days", "gbp")
MARKER_MEANINGS = ("missing", "suppressed", "zero")
AREA_KINDS = ("area", "comparator", "unknown", "out_of_scope", "legacy")

RECORD_COLUMNS = [
    "area_code",
    "metric_code",
    "kind",
    "period_kind",
    "period_start",
    "value",
    "numerator",
    "denominator",
    "status",
    "note",
    "source_row",
    "raw_value",
]


class IngestError(ValueError):
    """The file cannot be read at all (empty, not CSV or Excel, no header). The message is
    written for the analyst who uploaded it."""


@dataclass(frozen=True)
class Finding:
    """One validation message: `row` is the row number a spreadsheet user sees (1-based, counting
    title and header rows), `column` the header text."""

    severity: str
    row: int | None
    column: str | None
    value: str | None
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class MetricRule:
    """What ingest needs to know about one metric in the catalogue."""

    code: str
    unit: str = "count"
    missing_markers_mean: str = "missing"
    allow_negative: bool = False
    name: str = ""
    aliases: tuple[str, ...] = ()
    rate_per: int | None = None  # e.g. 100000 for "per 100,000 population"
    aggregation: str = "sum"  # how months make a year: sum, mean, last or ratio


@dataclass
class AreaMatch:
    """The answer of the caller's area resolver for one (code, name) pair in a file."""

    code: str | None
    kind: str
    message: str = ""
    suggestions: list[str] = field(default_factory=list)


AreaResolver = Callable[[str | None, str | None], AreaMatch]


@dataclass
class RawTable:
    """A file read as text: the header, the data rows as strings, and where each row was."""

    header: list[str]
    data: pd.DataFrame
    row_numbers: np.ndarray
    filename: str = ""
    sheet: str | None = None
    header_row: int = 1
    title_lines: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class IngestResult:
    """Records ready to preview and apply, and everything found on the way."""

    records: pd.DataFrame
    findings: list[Finding]
    rows: int

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]


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
