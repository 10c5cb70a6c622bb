"""One Finding type and report shape (`integration.findings`), and one download, table and
printout of a report (`integration.reports`), for every importer."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import RequestFactory

from integration.findings import Finding, FindingLog, describe_rows, findings_report
from integration.reports import (
    PrintStyle,
    findings_export_if_requested,
    findings_tables,
    report_findings,
    report_print,
)

REPORT = {
    "errors": [{"row": 4, "column": "End Date", "value": "Smarch", "message": "Not a date."}],
    "warnings": [{"row": None, "column": None, "value": None, "message": "Read as cp1252."}],
}


def test_a_finding_has_the_report_shape():
    finding = Finding.error("Not a date.", row=4, column="End Date", value="Smarch")
    assert finding.is_error
    assert finding.as_dict() == REPORT["errors"][0]
    assert findings_report([finding, Finding.warning("Read as cp1252.")]) == REPORT


def test_the_log_caps_each_check_and_says_how_many_more():
    log = FindingLog(cap=2)
    for row in range(5):
        log.add("error", f"Row {row} is bad.", row=row, check="bad")
    log.add_uncounted("bad", 10)
    messages = [f.message for f in log.finish()]
    assert messages[:2] == ["Row 0 is bad.", "Row 1 is bad."]
    assert messages[2] == "… and 13 more rows like the above (Row 0 is bad.)"
    assert log.has_errors


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([4], "row 4"),
        ([4, 9], "rows 4 and 9"),
        (list(range(1, 8)), "rows 1, 2, 3, 4, 5 and 2 more"),
    ],
)
def test_describe_rows(rows, words):
    assert describe_rows(rows) == words


def test_the_download_lists_errors_then_warnings_with_their_severity():
    assert [r["severity"] for r in report_findings(REPORT)] == ["error", "warning"]
    request = RequestFactory().get("/", {"format": "csv"})
    response = findings_export_if_requested(request, report=REPORT, filename="findings")
    assert response is not None and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Severity", "Row", "Column", "Value", "Message"]
    assert rows[1] == ["error", "4", "End Date", "Smarch", "Not a date."]
    page = RequestFactory().get("/")
    assert findings_export_if_requested(page, report=REPORT, filename="findings") is None


def test_the_tables_page_each_list_and_skip_an_empty_one():
    tables = findings_tables(RequestFactory().get("/"), {**REPORT, "warnings": []})
    assert tables["warning_table"] is None
    assert tables["error_table"] is not None and len(tables["error_table"].rows) == 1


def test_the_printout_keeps_each_commands_style():
    lines: list[str] = []
    plan = PrintStyle(
        labels={"error": "ERROR", "warning": "WARNING"}, quote=("“", "”"), brackets=False
    )
    report_print(lines.append, REPORT, json_output=False, summary=["Summary."], style=plan)
    assert lines == [
        "Summary.",
        "ERROR: row 4, column “End Date”: Not a date.",
        "WARNING: Read as cp1252.",
    ]
    lines.clear()
    activity = PrintStyle(labels={"error": "Error", "warning": "Warning"})
    report_print(
        lines.append, REPORT, json_output=False, summary=[], style=activity, footer=["Done."]
    )
    assert lines == [
        "Error (row 4, column 'End Date'): Not a date.",
        "Warning: Read as cp1252.",
        "Done.",
    ]
    lines.clear()
    report_print(lines.append, REPORT, json_output=True, summary=["x"], style=activity)
    assert json.loads(lines[0]) == REPORT
