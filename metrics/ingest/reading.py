"""Step 1: read CSV or .xlsx bytes into text, find the header under any title or notes rows."""

from __future__ import annotations

import io
import re
import string
import zipfile
from collections import Counter
from pathlib import PurePath

import numpy as np
import pandas as pd

from metrics.ingest.types import Finding, IngestError, RawTable

DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_ROWS = 30
WIDTH_SAMPLE_LINES = 200
_NUMBER = re.compile(r"^[\s£$€\"']*[-+−]?[\d,]*\.?\d+\s*%?[\s\"']*$")


def read_table(data: bytes, filename: str, *, sheet: str | None = None) -> RawTable:
    """Read an uploaded file as strings, keeping every cell's raw text."""
    if not data or not data.strip():
        raise IngestError(f"'{filename}' is empty.")
    findings: list[Finding] = []
    if _is_excel(data, filename):
        grid, sheet = _read_excel(data, filename, sheet)
    else:
        grid = _read_csv(data, filename, findings)
        sheet = None
    return _table_from_grid(grid, filename, sheet, findings)


def _is_excel(data: bytes, filename: str) -> bool:
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".xls" or data[:4] == b"\xd0\xcf\x11\xe0":
        raise IngestError(
            f"'{filename}' is an old-style Excel (.xls) file; save it as .xlsx or CSV and "
            "upload again."
        )
    return suffix in (".xlsx", ".xlsm") or data[:4] == b"PK\x03\x04"


def _read_excel(data: bytes, filename: str, sheet: str | None) -> tuple[pd.DataFrame, str]:
    try:
        book = pd.ExcelFile(io.BytesIO(data), engine="openpyxl")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as exc:
        raise IngestError(f"'{filename}' is not a readable Excel (.xlsx) file ({exc}).") from None
    names = [str(n) for n in book.sheet_names]
    if sheet is not None and sheet not in names:
        raise IngestError(
            f"'{filename}' has no sheet called '{sheet}'; its sheets are {', '.join(names)}."
        )
    chosen = sheet if sheet is not None else names[0]
    grid = pd.read_excel(book, sheet_name=chosen, header=None, dtype=str, keep_default_na=False)
    return grid.fillna(""), chosen


def _decode(data: bytes, findings: list[Finding]) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Files saved from Excel on Windows are usually cp1252 (the '£' sign gives it away).
    findings.append(
        Finding("warning", None, None, None, "The file is not UTF-8; it was read as Windows-1252.")
    )
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number of cells (title lines
    above the header do not share that count)."""
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        counts = Counter(line.count(delimiter) for line in lines if line.count(delimiter))
        score = counts.most_common(1)[0][1] if counts else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(data: bytes, filename: str, findings: list[Finding]) -> pd.DataFrame:
    text = _decode(data, findings)
    if "\x00" in text[:4096]:
        raise IngestError(f"'{filename}' does not look like a CSV or Excel file.")
    lines = text[: 1 << 20].splitlines()[:WIDTH_SAMPLE_LINES]
    delimiter = _sniff_delimiter(lines)
    # Width from a sample: quoted delimiters can only overestimate it, which adds empty columns.
    width = max(line.count(delimiter) for line in lines) + 1
    try:
        grid = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=range(width),
            dtype=str,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        raise IngestError(f"'{filename}' is empty.") from None
    except pd.errors.ParserError as exc:
        raise IngestError(_parser_message(filename, str(exc), width)) from None
    return grid.fillna("")


def _parser_message(filename: str, detail: str, width: int) -> str:
    match = re.search(r"line (\d+), saw (\d+)", detail)
    if match:
        return (
            f"Row {match.group(1)} of '{filename}' has {match.group(2)} cells but the rows above "
            f"have {width}; check that row for an unquoted comma or a stray delimiter."
        )
    return f"'{filename}' could not be read as CSV: {detail}"


def _looks_like_label(cell: str) -> bool:
    return bool(cell.strip()) and not _NUMBER.match(cell)


def _find_header(top: list[list[str]], filename: str) -> int:
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
    raise IngestError(
        f"Could not find the header row in '{filename}': expected a row of column names "
        "followed by rows of data."
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


def _table_from_grid(
    grid: pd.DataFrame, filename: str, sheet: str | None, findings: list[Finding]
) -> RawTable:
    grid = grid.astype(str)
    top = grid.head(HEADER_SEARCH_ROWS).values.tolist()
    header_index = _find_header(top, filename)
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
        sheet=sheet,
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
