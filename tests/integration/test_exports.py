"""The shared CSV/Excel export: columns, formula escaping and unknown formats."""

import csv
import io
from datetime import date

from openpyxl import load_workbook

from integration.exports import Column, export_response, safe_cell

COLUMNS = (Column("name", lambda r: r["name"]), Column("when", lambda r: r["when"]))


def _csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_the_header_then_every_row():
    rows = [{"name": "A", "when": date(2018, 9, 6)}, {"name": "B", "when": None}]
    response = export_response(rows=rows, columns=COLUMNS, filename="x", file_format="csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="x.csv"' in response["Content-Disposition"]
    assert _csv_rows(response) == [["name", "when"], ["A", "2018-09-06"], ["B", ""]]


def test_cells_that_start_a_formula_are_quoted_in_csv():
    dangerous = ["=SUM(A1)", "+1", "-1+2", "@cmd", "\tx", "\rx"]
    rows = [{"name": value, "when": None} for value in dangerous]
    response = export_response(rows=rows, columns=COLUMNS, filename="x", file_format="csv")
    assert [r[0] for r in _csv_rows(response)[1:]] == ["'" + v for v in dangerous]


def test_ordinary_text_is_not_quoted():
    assert safe_cell("Red Bag scheme") == "Red Bag scheme"
    assert safe_cell(-5) == -5  # numbers are not text a spreadsheet would run


def test_xlsx_keeps_formula_text_as_text_and_dates_as_dates():
    rows = [{"name": '=HYPERLINK("http://x")', "when": date(2019, 3, 31)}]
    response = export_response(rows=rows, columns=COLUMNS, filename="x", file_format="xlsx")
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("name", "when")
    assert values[1][0] == '\'=HYPERLINK("http://x")'
    assert sheet.cell(row=2, column=1).data_type == "s"
    assert values[1][1].date() == date(2019, 3, 31)


def test_unknown_format_is_a_400_with_a_clear_message():
    response = export_response(rows=[], columns=COLUMNS, filename="x", file_format="pdf")
    assert response.status_code == 400
    assert "Use ?format=csv or ?format=xlsx" in response.content.decode()
