"""Value types shared by the ingest steps: errors, metric rules, area matches, results.

Findings (`Finding`, `FindingLog`) are every importer's, in `integration.findings`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from integration.findings import SEVERITIES, Finding, FindingLog, describe_rows
from integration.tabular import FileUnreadable

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


class IngestError(FileUnreadable):
    """The file cannot be read at all (empty, not CSV or Excel, no header). The message is
    written for the analyst who uploaded it."""


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


__all__ = [
    "AREA_KINDS",
    "KINDS",
    "MARKER_MEANINGS",
    "RECORD_COLUMNS",
    "SEVERITIES",
    "STATUSES",
    "UNITS",
    "AreaMatch",
    "AreaResolver",
    "Finding",
    "FindingLog",
    "IngestError",
    "IngestResult",
    "MetricRule",
    "RawTable",
    "describe_rows",
]
