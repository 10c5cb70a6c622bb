"""Step 1: read CSV or .xlsx bytes into text, find the header under any title or notes rows.

The file itself is read by `integration.tabular` (the reader every importer shares); this step
says which row is an activity file's header and keeps the rows under it as text.
"""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np
import pandas as pd

from integration.tabular import FileUnreadable, Grid, ReadRules, grid_read
from metrics.ingest.types import Finding, IngestError, RawTable

HEADER_SEARCH_ROWS = 30
_NUMBER = re.compile(r"^[\s£$€\"']*[-+−]?[\d,]*\.?\d+\s*%?[\s\"']*$")


def read_table(data: bytes, filename: str, *, sheet: str | None = None) -> RawTable:
    """Read an uploaded file as strings, keeping every cell's raw text."""
    try:
        grid = grid_read(filename=filename, content=data, rules=READ_RULES, sheet=sheet)
    except FileUnreadable as exc:
        raise IngestError(str(exc)) from None
    return _table_from_grid(grid, filename)


def _looks_like_label(cell: str) -> bool:
    return bool(cell.strip()) and not _NUMBER.match(cell)


def header_index(top: list[list[str]]) -> int | None:
    """Index of the header: the first row whose cells are mostly labels, which is as wide as the
    rows under it (a title or note is one or two cells) and which has data below it."""
    counts = [sum(1 for c in row if c.strip()) for row in top]
    width = max(counts, default=0)
    for index, row in enumerate(top):
        following = [c for c in counts[index + 1 : index + 4] if c]
        if not counts[index] or not following:
            continue
        if counts[index] < 2 and width > 1:
            continue
        labels = sum(1 for c in row if _looks_like_label(c))
        if labels * 2 > counts[index] and counts[index] >= 0.6 * max(following):
            return index
    return None


READ_RULES = ReadRules(
    find_header=header_index,
    no_header=(
        "Could not find the header row in '{filename}': expected a row of column names "
        "followed by rows of data."
    ),
    header_rows=HEADER_SEARCH_ROWS,
)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = string.ascii_uppercase[remainder] + letters
    return letters


def _header_names(cells: list[str]) -> list[str]:
    """Trimmed header texts, with blanks named by column letter and repeats numbered, so that
    every column can be named in a finding."""
    names: list[str] = []
    seen: Counter[str] = Counter()
    for index, cell in enumerate(cells):
        name = " ".join(cell.split()) or f"Column {_column_letter(index)}"
        seen[name] += 1
        names.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return names


def _table_from_grid(source: Grid, filename: str) -> RawTable:
    grid = source.texts().astype(str)
    findings = list(source.findings)
    header_index = source.header_index
    top = grid.head(max(HEADER_SEARCH_ROWS, header_index + 1)).to_numpy().tolist()
    header_cells = [str(c) for c in top[header_index]]
    data = grid.iloc[header_index + 1 :]
    filled = data.apply(_nonblank)
    used = [i for i in range(grid.shape[1]) if header_cells[i].strip() or filled.iloc[:, i].any()]
    last = max(used) + 1 if used else 0
    data, filled = data.iloc[:, :last], filled.iloc[:, :last]
    data.columns = _header_names(header_cells[:last])
    keep = _data_rows(filled, data, header_index + 2, findings)
    data = data[keep].reset_index(drop=True)
    row_numbers = (np.flatnonzero(keep) + header_index + 2).astype(np.int64)
    if data.empty:
        raise IngestError(f"'{filename}' has a header row but no data rows under it.")
    titles = [" ".join(c for c in row if c.strip()) for row in top[:header_index]]
    if header_index:
        findings.append(
            Finding(
                "warning",
                None,
                None,
                None,
                f"Rows 1 to {header_index} are titles or notes above the header "
                f"(row {header_index + 1}) and were skipped.",
            )
        )
    return RawTable(
        header=list(data.columns),
        data=data,
        row_numbers=row_numbers,
        filename=filename,
        sheet=source.sheet,
        header_row=header_index + 1,
        title_lines=[t for t in titles if t],
        findings=findings,
    )


def _nonblank(column: pd.Series) -> pd.Series:
    """Cells holding more than whitespace; each distinct text is checked once (fast on a
    million rows where most texts repeat)."""
    codes, uniques = pd.factorize(column)
    return pd.Series(np.asarray(uniques.str.strip() != "")[codes], index=column.index)


def _data_rows(
    filled: pd.DataFrame, data: pd.DataFrame, first_row: int, findings: list[Finding]
) -> np.ndarray:
    """Drop blank rows, and notes under the table: trailing rows with one cell in a wide table."""
    counts = filled.sum(axis=1).to_numpy()
    keep = counts > 0
    if filled.shape[1] >= 3:
        full = np.flatnonzero(counts >= 2)
        tail_start = full[-1] + 1 if len(full) else 0
        for position in np.flatnonzero(counts[tail_start:] == 1) + tail_start:
            keep[position] = False
            text = " ".join(v for v in data.iloc[position].tolist() if v.strip())
            findings.append(
                Finding(
                    "warning",
                    int(position) + first_row,
                    None,
                    text,
                    f"A note under the table ('{text[:80]}') was skipped.",
                )
            )
    return keep
