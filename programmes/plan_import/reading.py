"""Plan import, step 1: the file into plan rows keyed by canonical column.

`integration.tabular` reads the file (the reader every importer shares); this step says what a
plan's header row looks like and keeps the non-blank rows under it as plan cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from integration.findings import Finding
from integration.tabular import FileUnreadable, ReadRules, file_check, grid_read
from programmes.plan_import.parsing import REQUIRED_COLUMNS, canonical_header, map_plan_columns

MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
HEADER_SEARCH_ROWS = 10  # title rows above the header, as exported trackers often have

Cell = str | int | float | date | None


class PlanFileError(FileUnreadable):
    """The file as a whole cannot be read as a plan; the message is for the person uploading."""


def _plan_header(top: list[list[str]]) -> int | None:
    """The first row naming every required plan column."""
    for index, row in enumerate(top):
        found = {canonical_header(t) for t in row if t.strip()}
        if all(required in found for required in REQUIRED_COLUMNS):
            return index
    return None


# The largest plan one import reads: fifty times the Wiltshire plan's 94 rows. A file of a
# million tiny rows is refused at once rather than holding a web worker for minutes.
MAX_PLAN_ROWS = 5_000

# With no plan header, the first row with text is read as the header, so that the report can
# name the columns the file misses.
READ_RULES = ReadRules(
    find_header=_plan_header,
    no_header="The file has no rows.",
    header_rows=HEADER_SEARCH_ROWS,
    header_fallback=True,
    max_bytes=MAX_FILE_BYTES,
    max_rows=MAX_PLAN_ROWS,
    extensions=ALLOWED_EXTENSIONS,
    noun="plan file",
)


@dataclass
class PlanTable:
    """The file's plan rows keyed by canonical column, with the headers as the file wrote them."""

    headers: dict[str, str]  # canonical -> header as written
    rows: list[tuple[int, dict[str, Cell]]]  # (spreadsheet row number, canonical -> cell)
    findings: list[Finding] = field(default_factory=list)

    def column(self, canon: str | None) -> str | None:
        """The header the file wrote for a canonical column (the canonical name if absent)."""
        return self.headers.get(canon, canon) if canon else None


def plan_file_check(*, file_name: str, content: bytes) -> None:
    """Reject what cannot be a plan file before anything is stored: type, size, emptiness."""
    try:
        file_check(filename=file_name, content=content, rules=READ_RULES)
    except FileUnreadable as exc:
        raise PlanFileError(str(exc)) from None


def plan_file_read(*, file_name: str, content: bytes) -> PlanTable:
    """Read the file into plan rows, finding the header row; file-level problems raise."""
    try:
        grid = grid_read(filename=file_name, content=content, rules=READ_RULES)
    except FileUnreadable as exc:
        raise PlanFileError(str(exc)) from None
    cells = grid.cells.iloc[grid.header_index :].to_numpy().tolist()
    headers = ["" if h is None else str(h).strip() for h in cells[0]]
    mapping, header_findings = map_plan_columns(headers)
    errors = [f for f in header_findings if f.is_error]
    if errors:
        raise PlanFileError(" ".join(f.message for f in errors))
    positions = {canon: headers.index(header) for canon, header in mapping.items()}
    rows: list[tuple[int, dict[str, Cell]]] = []
    for number, values in enumerate(cells[1:], start=grid.header_index + 2):
        row = {canon: _cell(values, position) for canon, position in positions.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in row.values()):
            continue  # blank rows separate sections in trackers; they are not milestones
        rows.append((number, row))
    if not rows:
        raise PlanFileError("The file has a header row but no milestone rows.")
    return PlanTable(headers=mapping, rows=rows, findings=[*grid.findings, *header_findings])


def _cell(values: list[object], position: int) -> Cell:
    if position >= len(values):
        return None
    value = values[position]
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float):
        return value  # kept a number, so a Ref typed as 1.1 can be flagged
    # PostgreSQL text cannot hold NUL; it is never meaningful in a plan cell.
    return str(value).replace("\x00", "").strip()
