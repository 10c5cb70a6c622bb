"""The one reader of uploaded CSV and Excel files that every importer shares."""

from __future__ import annotations

import io
from datetime import datetime

import openpyxl
import pytest

from integration.findings import Finding
from integration.tabular import (
    FileUnreadable,
    ReadRules,
    cell_text,
    delimiter_sniff,
    file_check,
    grid_read,
    sha256_of,
    text_decode,
)


def _first_row_with(word: str):
    def find(top: list[list[str]]) -> int | None:
        return next((i for i, row in enumerate(top) if word in row), None)

    return find


RULES = ReadRules(find_header=_first_row_with("Ref"), no_header="No header in '{filename}'.")


def _workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_old_xls_is_refused_by_name_or_by_content():
    for name, content in (("plan.xls", b"anything"), ("plan.csv", b"\xd0\xcf\x11\xe0rest")):
        with pytest.raises(FileUnreadable, match=r"old-style Excel file \(\.xls\)"):
            file_check(filename=name, content=content, rules=RULES)


def test_extensions_size_and_emptiness_are_the_importers_limits():
    rules = ReadRules(
        find_header=_first_row_with("Ref"), max_bytes=1024 * 1024, extensions=(".csv",)
    )
    with pytest.raises(FileUnreadable, match="not a CSV or Excel file"):
        file_check(filename="plan.pdf", content=b"x", rules=rules)
    with pytest.raises(FileUnreadable, match="largest file accepted is 1 MB"):
        file_check(filename="plan.csv", content=b"x" * (1024 * 1024 + 1), rules=rules)
    with pytest.raises(FileUnreadable, match="'plan.csv' is empty"):
        file_check(filename="plan.csv", content=b" \n ", rules=rules)


def test_a_row_limit_refuses_longer_files():
    rules = ReadRules(find_header=_first_row_with("Ref"), max_rows=2)
    with pytest.raises(FileUnreadable, match="has 3 rows; at most 2"):
        grid_read(filename="a.csv", content=b"Ref,x\n1,2\n3,4\n", rules=rules)


def test_windows_text_is_read_with_one_warning_and_undecodable_text_is_refused():
    findings: list[Finding] = []
    assert text_decode("Caf\u00e9 £5".encode("cp1252"), findings) == "Caf\u00e9 £5"
    assert [f.severity for f in findings] == ["warning"]
    assert "Windows text" in findings[0].message and "Windows-1252" in findings[0].message
    with pytest.raises(FileUnreadable, match="cannot be read"):
        text_decode(b"\x81\x81", [])


def test_utf8_with_a_byte_order_mark_reads_without_warning():
    grid = grid_read(filename="a.csv", content="\ufeffRef,Name\n1,Zoë\n".encode(), rules=RULES)
    assert grid.findings == []
    assert grid.cells.to_numpy().tolist() == [["Ref", "Name"], ["1", "Zoë"]]


def test_nul_bytes_mean_a_binary_file():
    with pytest.raises(FileUnreadable, match="not a text CSV file"):
        grid_read(filename="a.csv", content=b"Ref\x00,x\n", rules=RULES)


@pytest.mark.parametrize(
    ("lines", "delimiter"),
    [
        (["Title", "a;b;c", "1;2;3", "4;5;6"], ";"),
        (["a\tb", "1\t2"], "\t"),
        (["a,b,c", "1,2,3"], ","),
        (["a|b", "1|2"], "|"),
    ],
)
def test_the_delimiter_is_the_one_most_lines_share(lines, delimiter):
    assert delimiter_sniff(lines) == delimiter


def test_the_header_is_found_under_title_rows():
    content = b"Plan of 2018\n\nRef,Title\n1.1,Share records\n"
    grid = grid_read(filename="plan.csv", content=content, rules=RULES)
    assert grid.header_index == 2


def test_no_header_raises_the_importers_message_unless_it_falls_back():
    content = b"\n\nA,B\n1,2\n"
    with pytest.raises(FileUnreadable, match="No header in 'plan.csv'"):
        grid_read(filename="plan.csv", content=content, rules=RULES)
    fallback = ReadRules(find_header=_first_row_with("Ref"), header_fallback=True)
    assert grid_read(filename="plan.csv", content=content, rules=fallback).header_index == 2


def test_a_ragged_csv_names_the_row():
    content = b"Ref,b\n" + b"1,2\n" * 250 + b"3,4,5\n"
    with pytest.raises(FileUnreadable, match="Row 252 of 'r.csv' has 3 cells"):
        grid_read(filename="r.csv", content=content, rules=RULES)


def test_a_workbook_keeps_cell_types_and_skips_a_cover_sheet():
    due = datetime(2019, 3, 31)  # noqa: DTZ001 - a spreadsheet's dates have no time zone
    content = _workbook(
        ("Cover", [["Integration plan"], ["September 2018"]]),
        ("Plan", [["Ref", "Due", "Count"], ["1.1", due, 12.0]]),
    )
    grid = grid_read(filename="plan.xlsx", content=content, rules=RULES)
    assert grid.sheet == "Plan"
    assert grid.cells.iloc[1].tolist() == ["1.1", due, 12]
    assert grid.texts().iloc[1].tolist() == ["1.1", "2019-03-31 00:00:00", "12"]


def test_a_named_sheet_must_exist():
    content = _workbook(("Sheet", [["Ref"], ["1"]]))
    with pytest.raises(FileUnreadable, match="no sheet called 'Plan'; its sheets are Sheet"):
        grid_read(filename="plan.xlsx", content=content, rules=RULES, sheet="Plan")


def test_a_damaged_workbook_is_one_clear_error():
    with pytest.raises(FileUnreadable, match="not a readable Excel workbook"):
        grid_read(filename="plan.xlsx", content=b"PK\x03\x04 not a zip", rules=RULES)


@pytest.mark.parametrize(
    ("value", "text"),
    [(None, ""), (12.0, "12"), (12.5, "12.5"), (3, "3"), (True, "True"), ("x", "x")],
)
def test_cell_text_is_what_a_spreadsheet_shows(value, text):
    assert cell_text(value) == text


def test_sha256_of_is_the_hex_digest():
    assert sha256_of(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
