"""Reading an uploaded CSV or Excel file into a grid of cells: the one reader of every importer.

Everything a file can get wrong as a whole is decided here, with the same message for every
importer: a name that is not CSV or Excel, an old `.xls`, a file too large or too long, an
empty file, a binary file named `.csv` (told apart by its first bytes, not its name), text that
is neither UTF-8 nor Windows text (Windows text is read, with a warning), a damaged CSV or
workbook, and no header row. The importer says which row is its header
(`ReadRules.find_header`), how large a file it takes and what the file is called in messages;
it then reads the grid below the header in its own terms.

Hostile files are refused before they cost more than a moment, each with a message naming the
limit (`ReadRules`): too many rows, columns or cells; a cell longer than Excel allows; a CSV
line too long to be a row; a workbook whose zip would expand to far more than it holds (a zip
bomb), checked from the zip's directory before anything is expanded; XML entity declarations
(billion laughs, external entities: openpyxl parses through defusedxml, which refuses them);
and a sheet that claims a column or row far beyond its data, which is never padded out.

CSV is parsed by pandas' C reader (a million-row activity file reads in a fraction of the
time the csv module takes); workbooks by openpyxl in read-only mode, values not formulas.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd
from defusedxml import DefusedXmlException

from integration.findings import Finding

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
DELIMITERS = (",", ";", "\t", "|")
WIDTH_SAMPLE_LINES = 200  # lines that decide the delimiter and the width of a CSV file
_OLD_EXCEL = b"\xd0\xcf\x11\xe0"  # the OLE header of an .xls workbook
_ZIP = b"PK\x03\x04"  # .xlsx is a zip archive
_BOM = b"\xef\xbb\xbf"  # the UTF-8 byte-order mark Excel writes before "CSV UTF-8"
# First bytes of files people upload by mistake, so the message can say what the file is.
_OTHER_KINDS = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x1f\x8b": "a gzip archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
    b"{\\rtf": "a Rich Text document",
}
ZIP_INFLATE_FLOOR = 1024 * 1024  # members smaller than this are never called a zip bomb

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
    # Limits on hostile files, each named in its refusal. Rows x columns bounds the memory a
    # grid takes; a sheet or CSV beyond these is refused before it is built.
    max_columns: int = 2_000
    max_cells: int = 30_000_000
    max_cell_chars: int = 32_767  # Excel's own limit for one cell
    max_line_chars: int = 1_048_576
    max_unzipped_bytes: int = 512 * 1024 * 1024
    max_zip_ratio: int = 100  # a real sheet compresses 5 to 20 times; a zip bomb 1,000 times


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
    """Refuse what cannot be read before anything is stored: name, size, emptiness, and content
    whose first bytes say it is not what its name says."""
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
    if not content.removeprefix(_BOM).strip():  # a byte-order mark alone is still empty
        raise FileUnreadable(f"'{filename}' is empty.")
    content_sniff(filename, content)


def content_sniff(filename: str, content: bytes) -> None:
    """Tell a file apart by its first bytes, never by its name: a PDF or image named .csv, or
    text named .xlsx, gets a message saying what it is."""
    for magic, kind in _OTHER_KINDS.items():
        if content.startswith(magic):
            raise FileUnreadable(
                f"'{filename}' is {kind}, so it does not look like a CSV or Excel file. Save "
                "the data as CSV (UTF-8) or .xlsx and upload again."
            )
    named_excel = PurePath(filename or "").suffix.lower() in EXCEL_SUFFIXES
    if named_excel and content[:4] != _ZIP and b"\x00" not in content[:8192]:
        raise FileUnreadable(
            f"'{filename}' is named as an Excel workbook but holds text, not a workbook. If it "
            "is a CSV file, name it .csv; otherwise open it in Excel, save it as .xlsx and "
            "upload again."
        )


def grid_read(*, filename: str, content: bytes, rules: ReadRules, sheet: str | None = None) -> Grid:
    """Read the file into a grid and find its header row; file-level problems raise."""
    file_check(filename=filename, content=content, rules=rules)
    if _is_workbook(filename, content):
        grid = _workbook_read(filename, content, rules, sheet)
    else:
        grid = _csv_read(filename, content, rules)
    rows_check(filename, len(grid.cells), grid.cells.shape[1], rules)
    return grid


def rows_check(filename: str, rows: int, columns: int, rules: ReadRules) -> None:
    """The row, column and cell limits, before a grid of that shape is built."""
    if rules.max_rows is not None and rows > rules.max_rows:
        raise FileUnreadable(
            f"'{filename}' has {rows:,} rows; at most {rules.max_rows:,} can be read at once."
        )
    if columns > rules.max_columns:
        raise FileUnreadable(
            f"'{filename}' has {columns:,} columns; at most {rules.max_columns:,} can be read."
        )
    if rows * columns > rules.max_cells:
        raise FileUnreadable(
            f"'{filename}' has {rows:,} rows of {columns:,} columns ({rows * columns:,} cells); "
            f"at most {rules.max_cells:,} cells can be read at once. Split the file."
        )


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
    lengths_check(filename, content, delimiter, rules)
    # Width from a sample: quoted delimiters can only overestimate it, which adds empty columns.
    width = max((line.count(delimiter) for line in lines), default=0) + 1
    rows_check(filename, 0, width, rules)
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
    if len(cells) < text.count("\n"):
        _quoted_cells_check(filename, cells, rules)  # a quoted cell spans lines
    cells = _trailing_blank_columns_dropped(cells.fillna(""))
    return Grid(cells, header_find(cells, rules, filename), None, findings)


def lengths_check(filename: str, content: bytes, delimiter: str, rules: ReadRules) -> None:
    """Refuse a line or a cell too long to be data, from the newline positions alone (no cell
    is built): a 1 MB cell or a line of millions of characters is refused in milliseconds."""
    ends = np.flatnonzero(np.frombuffer(content, dtype=np.uint8) == ord("\n"))
    starts = np.concatenate(([0], ends + 1))
    lengths = np.append(ends, len(content)) - starts
    # Bytes, not characters: a line of accented text is counted a little long, never short.
    for line in np.flatnonzero(lengths > rules.max_cell_chars)[:1000]:
        start, length = int(starts[line]), int(lengths[line])
        longest = max(
            len(cell) for cell in content[start : start + length].split(delimiter.encode())
        )
        if longest > rules.max_cell_chars:
            raise FileUnreadable(_cell_message(filename, int(line) + 1, longest, rules))
        if length > rules.max_line_chars:
            raise FileUnreadable(
                f"Line {int(line) + 1:,} of '{filename}' is {length:,} characters long; the "
                f"longest line read is {rules.max_line_chars:,} characters."
            )


def _quoted_cells_check(filename: str, cells: pd.DataFrame, rules: ReadRules) -> None:
    """Cells in quotes can span lines, so the line check cannot see how long they are."""
    for column in cells.columns:
        lengths = cells[column].str.len()
        if lengths.max() > rules.max_cell_chars:
            row = int(lengths.to_numpy().argmax()) + 1
            raise FileUnreadable(_cell_message(filename, row, int(lengths.max()), rules))


def _cell_message(filename: str, row: int, length: int, rules: ReadRules) -> str:
    return (
        f"A cell in row {row:,} of '{filename}' holds {length:,} characters; a cell can hold "
        f"at most {rules.max_cell_chars:,} (as in Excel)."
    )


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
        zip_check(filename, content, rules)
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except FileUnreadable:
        raise
    except Exception as exc:
        raise _entities(filename) if _entities_refused(exc) else unreadable from None
    try:
        return _sheet_choose(book, filename, rules, sheet)
    except FileUnreadable:
        raise
    except Exception as exc:
        raise _entities(filename) if _entities_refused(exc) else unreadable from None
    finally:
        book.close()


def _entities_refused(exc: BaseException | None) -> bool:
    """Whether defusedxml refused the XML (openpyxl wraps its exception in its own)."""
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _entities(filename: str) -> FileUnreadable:
    return FileUnreadable(
        f"'{filename}' declares XML entities, which could expand to gigabytes or read files "
        "on the server, so it is refused. Open it in Excel, save it as .xlsx and upload again."
    )


def zip_check(filename: str, content: bytes, rules: ReadRules) -> None:
    """Refuse a zip bomb from the zip's directory, before anything is expanded. The sizes it
    declares bound what is read: Python's zip reader stops at the declared size."""
    try:
        members = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return  # not a zip at all: openpyxl's own error says the workbook is unreadable
    total = sum(m.file_size for m in members)
    swollen = [
        m
        for m in members
        if m.file_size > ZIP_INFLATE_FLOOR
        and m.file_size > rules.max_zip_ratio * max(m.compress_size, 1)
    ]
    if total > rules.max_unzipped_bytes or swollen:
        raise FileUnreadable(
            f"'{filename}' would expand to {total / 1024 / 1024:,.0f} MB from "
            f"{len(content) / 1024 / 1024:,.1f} MB; a workbook may expand to at most "
            f"{rules.max_unzipped_bytes // 1024 // 1024:,} MB, and at most "
            f"{rules.max_zip_ratio} times its compressed size, so it is refused as a possible "
            "zip bomb."
        )


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
        cells = _sheet_cells(book[name], filename, rules)
        if first is None:
            first, sheet = cells, name
        index = rules.find_header(_top_texts(cells, rules))
        if index is not None:
            return Grid(cells, index, name)
    assert first is not None  # a workbook has at least one sheet
    return Grid(first, header_find(first, rules, filename), sheet)


def _sheet_cells(worksheet: Any, filename: str, rules: ReadRules) -> pd.DataFrame:
    """The sheet's rows up to its last non-blank one. Blank rows are counted, not built, and
    the limits are checked row by row, so a sheet claiming a million rows or 16,384 columns is
    refused before it is padded out."""
    worksheet.reset_dimensions()  # saved dimensions are often wrong; read what is there
    rows: list[list[Cell]] = []
    blanks, width = 0, 1
    for number, row in enumerate(worksheet.iter_rows(values_only=True), start=1):
        if not row or all(_blank(v) for v in row):
            blanks += 1  # a sheet can claim a million rows it does not hold: not built
            continue
        _row_check(row, number, filename, rules)
        width = max(width, len(row))
        rows_check(filename, len(rows) + blanks + 1, width, rules)
        rows.extend([] for _ in range(blanks))
        blanks = 0
        rows.append(list(row))
    cells = pd.DataFrame([r + [None] * (width - len(r)) for r in rows], dtype=object)
    if cells.empty:
        return pd.DataFrame([[None]], dtype=object)
    return _trailing_blank_columns_dropped(cells.fillna(""))


def _row_check(row: tuple[Cell, ...], number: int, filename: str, rules: ReadRules) -> None:
    if len(row) > rules.max_columns:
        raise FileUnreadable(
            f"Row {number:,} of '{filename}' reaches column {len(row):,}; at most "
            f"{rules.max_columns:,} columns can be read."
        )
    for value in row:
        if isinstance(value, str) and len(value) > rules.max_cell_chars:
            raise FileUnreadable(_cell_message(filename, number, len(value), rules))


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
