"""Hostile files, built in memory: the damaged uploads the issue describes, for the corpus tests.

Each builder returns (file name, bytes). They are small to build (well under a second each)
and would each cost a web worker minutes or gigabytes if read naively.
"""

from __future__ import annotations

import io
import random
import re
import zipfile

import openpyxl

HEADER = ["Workstream", "Ref", "Project milestone", "Area", "Period", "Value"]


def workbook(rows: list[list[object]] | None = None) -> bytes:
    """A small, valid workbook."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows or [HEADER, ["1", "1.1", "Share records", "E06000054", "2019-04", 12]]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _replaced(content: bytes, member: str, xml: bytes, *, level: int = 6) -> bytes:
    """The workbook with one member's XML replaced (every other member kept as it was)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            data = xml if info.filename == member else source.read(info.filename)
            target.writestr(info.filename, data)
    return out.getvalue()


def _sheet_xml(body: str, *, prolog: str = "", dimension: str = "A1:F2") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{body}</sheetData></worksheet>'
    ).encode()


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def bit_flipped_xlsx(seed: int = 1) -> tuple[str, bytes]:
    """A workbook with bytes flipped in its compressed data."""
    content = bytearray(workbook())
    rng = random.Random(seed)
    for _ in range(8):
        position = rng.randrange(40, len(content) - 200)
        content[position] ^= 1 << rng.randrange(8)
    return "bit-flipped.xlsx", bytes(content)


def xml_bomb_xlsx() -> tuple[str, bytes]:
    """Billion laughs: ten entities of ten, expanding to a billion 'lol's."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    prolog = f"<!DOCTYPE worksheet [{''.join(entities)}]>"
    body = f'<row r="1">{_inline("A1", "&lol9;")}</row>'
    sheet = _sheet_xml(body, prolog=prolog)
    return "xml-bomb.xlsx", _replaced(workbook(), "xl/worksheets/sheet1.xml", sheet)


def external_entity_xlsx() -> tuple[str, bytes]:
    """An external entity that would read a file on the server into a cell."""
    prolog = '<!DOCTYPE worksheet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    body = f'<row r="1">{_inline("A1", "&secret;")}</row>'
    sheet = _sheet_xml(body, prolog=prolog)
    return "external-entity.xlsx", _replaced(workbook(), "xl/worksheets/sheet1.xml", sheet)


def zip_bomb_xlsx(megabytes: int = 16) -> tuple[str, bytes]:
    """A sheet padded with blank space that compresses a thousand times over."""
    header = "".join(_inline(f"{c}1", h) for c, h in zip("ABCDEF", HEADER, strict=True))
    body = f'<row r="1">{header}</row>' + " " * (megabytes * 1024 * 1024)
    sheet = _sheet_xml(body)
    return "zip-bomb.xlsx", _replaced(workbook(), "xl/worksheets/sheet1.xml", sheet, level=9)


def sixteen_k_columns_xlsx() -> tuple[str, bytes]:
    """A 10 KB workbook whose sheet claims every column and row Excel has (A1:XFD1048576)."""
    header = "".join(_inline(f"{c}1", h) for c, h in zip("ABCDEF", HEADER, strict=True))
    last = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    body = f'<row r="1">{header}<c r="XFD1"/></row>{last}'
    sheet = _sheet_xml(body, dimension="A1:XFD1048576")
    return "16384-columns.xlsx", _replaced(workbook(), "xl/worksheets/sheet1.xml", sheet)


def million_rows_xlsx() -> tuple[str, bytes]:
    """A tiny sheet whose one value sits on Excel's last row, under a wide header."""
    header = "".join(_inline(f"A{i}", "x") for i in range(1, 2))
    cells = "".join(_inline(f"{_letters(c)}1", f"h{c}") for c in range(1, 1500))
    body = f'<row r="1">{header}{cells}</row><row r="1048576"><c r="A1048576"><v>1</v></c></row>'
    sheet = _sheet_xml(body, dimension="A1:BBR1048576")
    return "million-rows.xlsx", _replaced(workbook(), "xl/worksheets/sheet1.xml", sheet)


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def huge_cell_xlsx() -> tuple[str, bytes]:
    """A workbook cell of a million characters (Excel itself stops at 32,767, and openpyxl
    clips what it writes, so the sheet's XML is written by hand)."""
    header = "".join(_inline(f"{c}1", h) for c, h in zip("ABCDEF", HEADER, strict=True))
    body = f'<row r="1">{header}</row><row r="2">{_inline("C2", "x" * 1_000_000)}</row>'
    sheet = _sheet_xml(body)
    return "huge-cell.xlsx", _replaced(workbook(), "xl/worksheets/sheet1.xml", sheet)


def huge_cell_csv() -> tuple[str, bytes]:
    """A CSV cell of one megabyte."""
    row = "1,1.1," + "x" * (1024 * 1024) + ",E06000054,2019-04,12\n"
    return "huge-cell.csv", (",".join(HEADER) + "\n" + row).encode()


def long_line_csv() -> tuple[str, bytes]:
    """A line of short cells, three megabytes long, below ordinary rows."""
    ordinary = "1,1.1,Share records,E06000054,2019-04,12\n" * 300
    return "long-line.csv", (",".join(HEADER) + "\n" + ordinary + "1," * 1_500_000 + "\n").encode()


def wide_header_csv() -> tuple[str, bytes]:
    """A header of 200,000 columns."""
    header = ",".join(f"Column {i}" for i in range(200_000))
    return "wide-header.csv", (header + "\n" + "1," * 5 + "\n").encode()


def quoted_huge_cell_csv() -> tuple[str, bytes]:
    """A quoted cell of many short lines: no line is long, the cell is."""
    cell = '"' + "word\n" * 20_000 + '"'
    return "quoted.csv", (",".join(HEADER) + "\n1,1.1," + cell + ",E06000054,2019-04,12\n").encode()


CORPUS = {
    "bit-flipped workbook": bit_flipped_xlsx,
    "XML entity expansion (billion laughs)": xml_bomb_xlsx,
    "XML external entity": external_entity_xlsx,
    "zip bomb": zip_bomb_xlsx,
    "sheet claiming 16,384 columns": sixteen_k_columns_xlsx,
    "sheet reaching row 1,048,576": million_rows_xlsx,
    "1 MB workbook cell": huge_cell_xlsx,
    "1 MB CSV cell": huge_cell_csv,
    "very long CSV line": long_line_csv,
    "200,000-column header": wide_header_csv,
    "quoted cell over many lines": quoted_huge_cell_csv,
}


def limit_named(message: str) -> bool:
    """Whether a refusal says what limit or problem it hit, in words a person can act on."""
    return bool(re.search(r"at most|longest|refused|not a readable|damaged|not a text", message))
