"""Reading an uploaded CSV or Excel file into a grid of cells: the one reader of every importer.

Everything a file can get wrong as a whole is decided here, with the same message for every
importer: a name that is not CSV or Excel, an old `.xls`, a file too large or too long, an
empty file, a binary file named `.csv`, text that is neither UTF-8 nor Windows text (Windows
text is read, with a warning), a damaged CSV or workbook, and no header row. The importer says
which row is its header (`ReadRules.find_header`), how large a file it takes and what the file
is called in messages; it then reads the grid below the header in its own terms.

CSV is parsed by pandas' C reader (a million-row activity file reads in a fraction of the
time the csv module takes); workbooks by openpyxl in read-only mode, values not formulas.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any

import pandas as pd

from integration.findings import Finding

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")
WIDTH_SAMPLE_LINES = 200  # lines that decide the delimiter and the width of a CSV file
_OLD_EXCEL = b"\xd0\xcf\x11\xe0"  # the OLE header of an .xls workbook
_ZIP = b"PK\x03\x04"  # .xlsx is a zip archive

Cell = str | int | float | bool | date | datetime | time | timedelta | None
HeaderFinder = Callable[[list[list[str]]], int | None]


class FileUnreadable(ValueError):
    """The file as a whole cannot be read; the message is for the person who uploaded it."""


@dataclass(frozen=True)
class ReadRules:
    """What an importer accepts and how it recognises its header row.

    `find_header` gets the first `header_rows` rows as text and returns the header's index, or
    None. With `header_fallback`, a file with no such row is read from its first non-blank row,
    so that the importer can name the columns it misses; otherwise `no_header` is raised.
    """

    find_header: HeaderFinder
    no_header: str = "Could not find the header row in '{filename}'."
    header_rows: int = 30
    header_fallback: bool = False
    max_bytes: int | None = None
    max_rows: int | None = None
    extensions: tuple[str, ...] | None = None  # None: any name; the content decides
    noun: str = "file"  # "plan file": how the size limit names what it expects


@dataclass
class Grid:
    """The chosen sheet as read, from its first row: CSV cells are text, workbook cells keep
    their type (numbers, dates). `header_index` is the header row's position in `cells`."""

    cells: pd.DataFrame
    header_index: int
    sheet: str | None = None
    findings: list[Finding] = field(default_factory=list)

    def texts(self) -> pd.DataFrame:
        """Every cell as text, as a spreadsheet shows it (12, 12.5, 2018-04-01 00:00:00)."""
        if self.sheet is None:
            return self.cells  # a CSV file is text already
        return self.cells.map(cell_text)


def sha256_of(content: bytes) -> str:
    """The fingerprint an importer keeps with the original file (same file, same import)."""
    return hashlib.sha256(content).hexdigest()


def file_check(*, filename: str, content: bytes, rules: ReadRules) -> None:
    """Refuse what cannot be read before anything is stored: name, size, emptiness."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xls" or content[:4] == _OLD_EXCEL:
        raise FileUnreadable(
            f"'{filename}' is an old-style Excel file (.xls). Save it as .xlsx or CSV and "
            "upload again."
        )
    if rules.extensions is not None and suffix not in rules.extensions:
        raise FileUnreadable(
            f"'{filename}' is not a CSV or Excel file. Upload a .csv or .xlsx file."
        )
    if rules.max_bytes is not None and len(content) > rules.max_bytes:
        raise FileUnreadable(
            f"The file is {len(content) / 1024 / 1024:.1f} MB; the largest {rules.noun} "
            f"accepted is {rules.max_bytes // 1024 // 1024} MB."
        )
    if not content.strip():
        raise FileUnreadable(f"'{filename}' is empty.")


def grid_read(*, filename: str, content: bytes, rules: ReadRules, sheet: str | None = None) -> Grid:
    """Read the file into a grid and find its header row; file-level problems raise."""
    file_check(filename=filename, content=content, rules=rules)
    if _is_workbook(filename, content):
        grid = _workbook_read(filename, content, rules, sheet)
    else:
        grid = _csv_read(filename, content, rules)
    if rules.max_rows is not None and len(grid.cells) > rules.max_rows:
        raise FileUnreadable(
            f"'{filename}' has {len(grid.cells):,} rows; at most {rules.max_rows:,} can be "
            "read at once."
        )
    return grid


def _is_workbook(filename: str, content: bytes) -> bool:
    return PurePath(filename).suffix.lower() in EXCEL_SUFFIXES or content[:4] == _ZIP


# --- text ------------------------------------------------------------------------------------


def text_decode(content: bytes, findings: list[Finding]) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows text with a warning."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        raise FileUnreadable(
            "The file's characters cannot be read: it is neither UTF-8 nor Windows text. "
            "Save it as “CSV UTF-8” and upload again."
        ) from None
    # Files saved from Excel on Windows are usually cp1252 (the '£' sign gives it away).
    findings.append(
        Finding.warning(
            "The file is not UTF-8; it was read as Windows text (Windows-1252). "
            "Check names with accents or special characters."
        )
    )
    return text


def _binary(filename: str) -> FileUnreadable:
    return FileUnreadable(
        f"'{filename}' is not a text CSV file (it looks like a binary file), so it does not "
        "look like a CSV or Excel file. Save it as CSV (UTF-8) or .xlsx and upload again."
    )


def delimiter_sniff(lines: list[str]) -> str:
    """The delimiter that splits the most lines into the same number of cells (title lines
    above the header do not share that count)."""
    best, best_score = ",", 0
    for delimiter in DELIMITERS:
        counts = Counter(line.count(delimiter) for line in lines if line.count(delimiter))
        score = counts.most_common(1)[0][1] if counts else 0
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_read(filename: str, content: bytes, rules: ReadRules) -> Grid:
    if b"\x00" in content:
        raise _binary(filename)
    findings: list[Finding] = []
    text = text_decode(content, findings)
    lines = text[: 1 << 20].splitlines()[:WIDTH_SAMPLE_LINES]
    delimiter = delimiter_sniff(lines)
    # Width from a sample: quoted delimiters can only overestimate it, which adds empty columns.
    width = max((line.count(delimiter) for line in lines), default=0) + 1
    try:
        cells = pd.read_csv(
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
        raise FileUnreadable(f"'{filename}' is empty.") from None
    except pd.errors.ParserError as exc:
        raise FileUnreadable(_parser_message(filename, str(exc), width)) from None
    cells = _trailing_blank_columns_dropped(cells.fillna(""))
    return Grid(cells, header_find(cells, rules, filename), None, findings)


def _parser_message(filename: str, detail: str, width: int) -> str:
    match = re.search(r"line (\d+), saw (\d+)", detail)
    if match:
        return (
            f"Row {match.group(1)} of '{filename}' has {match.group(2)} cells but the rows above "
            f"have {width}; check that row for an unquoted comma or a stray delimiter."
        )
    return f"The CSV file '{filename}' is damaged and could not be read: {detail}"


def _trailing_blank_columns_dropped(cells: pd.DataFrame) -> pd.DataFrame:
    """Columns past the last one with any text: a wider sample row or stray formatting."""
    width = cells.shape[1]
    while width > 1 and not cells.iloc[:, width - 1].ne("").any():
        width -= 1
    return cells.iloc[:, :width]


# --- workbooks -------------------------------------------------------------------------------


def _workbook_read(filename: str, content: bytes, rules: ReadRules, sheet: str | None) -> Grid:
    import openpyxl

    unreadable = (
        FileUnreadable(
            f"'{filename}' is not a readable Excel workbook. Open it in Excel, save it as "
            ".xlsx and upload again."
        )
        if PurePath(filename).suffix.lower() in EXCEL_SUFFIXES
        else _binary(filename)
    )
    # A damaged workbook can fail in the zip, XML or openpyxl layers with many exception
    # types; any of them means the same thing to the person uploading it.
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        return _sheet_choose(book, filename, rules, sheet)
    except FileUnreadable:
        raise
    except Exception:
        raise unreadable from None
    finally:
        book.close()


def _sheet_choose(book: Any, filename: str, rules: ReadRules, sheet: str | None) -> Grid:
    """The named sheet, else the first sheet with a header row (trackers often start with a
    cover sheet), else the first sheet."""
    names = [str(n) for n in book.sheetnames]
    if sheet is not None and sheet not in names:
        raise FileUnreadable(
            f"'{filename}' has no sheet called '{sheet}'; its sheets are {', '.join(names)}."
        )
    first: pd.DataFrame | None = None
    for name in [sheet] if sheet is not None else names:
        cells = _sheet_cells(book[name])
        if first is None:
            first, sheet = cells, name
        index = rules.find_header(_top_texts(cells, rules))
        if index is not None:
            return Grid(cells, index, name)
    assert first is not None  # a workbook has at least one sheet
    return Grid(first, header_find(first, rules, filename), sheet)


def _sheet_cells(worksheet: Any) -> pd.DataFrame:
    worksheet.reset_dimensions()  # saved dimensions are often wrong; read what is there
    rows = [list(r) for r in worksheet.iter_rows(values_only=True)]
    while rows and all(_blank(v) for v in rows[-1]):
        rows.pop()
    width = max((len(r) for r in rows), default=1)
    cells = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    if cells.empty:
        return pd.DataFrame([[None]], dtype=object)
    return _trailing_blank_columns_dropped(cells.fillna(""))


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Cell) -> str:
    """A workbook cell as text: whole numbers without ".0", dates as ISO date and time."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- the header ------------------------------------------------------------------------------


def _top_texts(cells: pd.DataFrame, rules: ReadRules) -> list[list[str]]:
    return [[cell_text(v) for v in row] for row in cells.head(rules.header_rows).to_numpy()]


def header_find(cells: pd.DataFrame, rules: ReadRules, filename: str) -> int:
    """The header row's index: the importer's choice, else (with the fallback) the first row
    with any text; FileUnreadable when there is none."""
    top = _top_texts(cells, rules)
    index = rules.find_header(top)
    if index is None and rules.header_fallback:
        index = next((i for i, row in enumerate(top) if any(t.strip() for t in row)), None)
    if index is None:
        raise FileUnreadable(rules.no_header.format(filename=filename))
    return index
