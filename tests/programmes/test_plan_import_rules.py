"""Every rule of plan import, one test each: remove the rule and its test fails."""

import csv
import io
from datetime import date, datetime

import openpyxl
import pytest

from programmes.choices import RatingScale
from programmes.models import Milestone, PlanImport
from programmes.plan_import import (
    MAX_FILE_BYTES,
    PlanFileError,
    plan_file_read,
    plan_import_apply,
    plan_import_preview,
)
from programmes.reference import frameworks_load
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

HEADER = ["Workstream", "Ref", "Project milestone", "Lead", "Start Date", "End Date", "Status"]
AS_OF = date(2018, 9, 6)


@pytest.fixture
def programme():
    frameworks_load()
    return ProgrammeFactory(slug="rules", rating_scale=RatingScale.RAG)


def csv_bytes(rows, header=HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def row(**overrides) -> list[str]:
    values = {
        "Workstream": "Digital",
        "Ref": "1.1",
        "Project milestone": "Share records",
        "Lead": "TM",
        "Start Date": "Aug 2018",
        "End Date": "March 2019",
        "Status": "",
    }
    values.update(overrides)
    return [values[h] for h in HEADER]


def preview(programme, content: bytes, name="plan.csv", as_of=AS_OF) -> dict:
    return plan_import_preview(
        programme=programme, file_name=name, content=content, as_of=as_of, keep=False
    ).report


def only_error(report) -> dict:
    assert len(report["errors"]) == 1, report["errors"]
    return report["errors"][0]


def messages_of(report, level="warnings") -> list[str]:
    return [f["message"] for f in report[level]]


# -- the file as a whole -----------------------------------------------------------------------


def test_a_file_that_is_not_csv_or_xlsx_is_refused(programme):
    with pytest.raises(PlanFileError, match="not a CSV or Excel file"):
        preview(programme, b"hello", name="plan.pdf")


def test_an_old_xls_file_is_refused_with_advice(programme):
    with pytest.raises(PlanFileError, match=r"\.xls\).*Save it as \.xlsx"):
        preview(programme, b"\xd0\xcf\x11\xe0", name="plan.xls")


def test_an_empty_file_is_refused(programme):
    with pytest.raises(PlanFileError, match="empty"):
        preview(programme, b"  \n", name="plan.csv")


def test_a_file_over_10_mb_is_refused(programme):
    with pytest.raises(PlanFileError, match="largest plan file accepted is 10 MB"):
        preview(programme, b"x" * (MAX_FILE_BYTES + 1), name="plan.csv")


def test_a_binary_file_named_csv_is_refused(programme):
    with pytest.raises(PlanFileError, match="not a text CSV file"):
        preview(programme, b"PK\x03\x04\x00\x00binary", name="plan.csv")


def test_undecodable_text_is_refused(programme):
    # 0x81 is undefined in both UTF-8 (as a start byte) and Windows-1252.
    with pytest.raises(PlanFileError, match="cannot be read"):
        preview(programme, b"Workstream,Ref,Project milestone\n\x81\x81,1.1,x\n")


def test_windows_text_is_read_with_a_warning(programme):
    content = "Workstream,Ref,Project milestone\nCaf\u00e9s,1.1,Open caf\u00e9s\n".encode("cp1252")
    report = preview(programme, content)
    assert report["rows"] == 1
    assert any("read as Windows text" in m for m in messages_of(report))


def test_missing_required_columns_are_refused_naming_the_column(programme):
    content = csv_bytes([["1.1", "Share records"]], header=["Ref", "Project milestone"])
    with pytest.raises(PlanFileError, match="no “Workstream” column"):
        preview(programme, content)


def test_two_headers_for_the_same_column_are_refused(programme):
    content = csv_bytes(
        [["W", "1.1", "x", "y"]], header=["Workstream", "Ref", "Project milestone", "Action"]
    )
    with pytest.raises(PlanFileError, match="both look like the same column"):
        preview(programme, content)


def test_a_header_with_no_rows_is_refused(programme):
    with pytest.raises(PlanFileError, match="no milestone rows"):
        preview(programme, csv_bytes([]))


def test_a_damaged_xlsx_is_refused(programme):
    with pytest.raises(PlanFileError, match="not a readable Excel workbook"):
        preview(programme, b"PK\x03\x04 not really a zip", name="plan.xlsx")


def test_extra_columns_are_ignored_with_a_warning(programme):
    content = csv_bytes([[*row(), "note"]], header=[*HEADER, "Notes"])
    report = preview(programme, content)
    assert report["errors"] == []
    assert any("“Notes” is not a plan column" in m for m in messages_of(report))


def test_header_variants_and_title_rows_above_the_header_are_tolerated(programme):
    content = b"Wiltshire Integration Programme Plan,,\n,,\n" + csv_bytes(
        [["Digital", "1.1", "Share records"]], header=["Theme", "Reference", "Action"]
    )
    report = preview(programme, content)
    assert report["rows"] == 1 and report["errors"] == []
    assert report["milestones"][0]["row"] == 4


# -- Excel ---------------------------------------------------------------------------------------


def xlsx_bytes(rows, header=HEADER, title: str | None = None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_an_xlsx_plan_imports_with_date_cells_as_day_dates(programme):
    content = xlsx_bytes(
        [
            [
                "Digital",
                "1.1",
                "Share records",
                "TM",
                datetime(2018, 8, 1),  # noqa: DTZ001 - spreadsheet dates have no zone
                datetime(2019, 3, 31),  # noqa: DTZ001
                "G",
            ]
        ],
        title="Plan",
    )
    p = plan_import_preview(
        programme=programme, file_name="plan.xlsx", content=content, as_of=AS_OF
    )
    assert p.report["errors"] == []
    plan_import_apply(plan_import=p)
    m = Milestone.objects.get()
    assert (m.baseline_start, m.baseline_end, m.baseline_end_precision) == (
        date(2018, 8, 1),
        date(2019, 3, 31),
        "day",
    )
    assert m.rating == "green"


def test_a_ref_stored_as_a_number_in_excel_is_flagged(programme):
    content = xlsx_bytes([["Digital", 1.1, "Share records", "", "", "", ""]])
    report = preview(programme, content, name="plan.xlsx")
    assert any("stored as a number" in m for m in messages_of(report))


# -- rows: errors block ------------------------------------------------------------------------


def test_a_row_without_milestone_text_is_an_error(programme):
    error = only_error(preview(programme, csv_bytes([row(**{"Project milestone": ""})])))
    assert (error["row"], error["column"]) == (2, "Project milestone")
    assert "no milestone text" in error["message"]


def test_an_unreadable_date_is_an_error_naming_row_column_and_value(programme):
    error = only_error(preview(programme, csv_bytes([row(**{"End Date": "Smarch 2019"})])))
    assert (error["row"], error["column"], error["value"]) == (2, "End Date", "Smarch 2019")


def test_an_end_before_the_start_is_an_error(programme):
    error = only_error(
        preview(programme, csv_bytes([row(**{"Start Date": "May 2019", "End Date": "Jan 2019"})]))
    )
    assert error["column"] == "End Date" and "before the start date" in error["message"]


def test_a_month_end_in_the_start_month_is_not_before_the_start(programme):
    report = preview(
        programme, csv_bytes([row(**{"Start Date": "Sept 2018", "End Date": "Sept 2018"})])
    )
    assert report["errors"] == []


def test_a_rating_not_on_the_programmes_scale_is_an_error(programme):
    error = only_error(preview(programme, csv_bytes([row(Status="Amber/Red")])))
    assert error["column"] == "Status" and "three-point RAG" in error["message"]


def test_amber_without_a_cause_and_path_to_green_is_an_error(programme):
    report = preview(programme, csv_bytes([row(Status="A")]))
    messages = [e["message"] for e in report["errors"]]
    assert any(m.startswith("Enter the cause of the Amber rating") for m in messages)
    assert any("path to green" in m and "“Path to green” column" in m for m in messages)


def test_amber_with_a_cause_and_path_to_green_is_imported(programme):
    header = [*HEADER, "Cause", "Path to green"]
    content = csv_bytes([[*row(Status="A"), "Late contract", "Extend the pilot"]], header=header)
    p = plan_import_preview(programme=programme, file_name="p.csv", content=content, as_of=AS_OF)
    assert p.report["errors"] == []
    plan_import_apply(plan_import=p)
    update = Milestone.objects.get().status_updates.get()
    assert (update.rating, update.cause, update.path_to_green) == (
        "amber",
        "Late contract",
        "Extend the pilot",
    )


def test_a_forecast_later_than_the_baseline_needs_a_reason(programme):
    header = [*HEADER, "Forecast end"]
    report = preview(programme, csv_bytes([[*row(Status="G"), "30/06/2019"]], header=header))
    error = only_error(report)
    assert error["column"] == "Forecast end" and "later than the baseline" in error["message"]


def test_a_repeated_row_is_an_error(programme):
    report = preview(programme, csv_bytes([row(), row()]))
    error = only_error(report)
    assert error["row"] == 3 and "repeats row 2" in error["message"]


def test_a_row_with_no_workstream_and_no_numbered_ref_is_an_error(programme):
    error = only_error(preview(programme, csv_bytes([row(Workstream="", Ref="")])))
    assert "no workstream" in error["message"]


def test_a_row_with_no_workstream_takes_it_from_its_ref(programme):
    report = preview(
        programme, csv_bytes([row(), row(Workstream="", Ref="1.2", **{"Project milestone": "B"})])
    )
    assert report["errors"] == []
    assert [w["number"] for w in report["workstreams"]] == ["1"]


def test_two_workstreams_with_the_same_number_are_an_error(programme):
    report = preview(
        programme,
        csv_bytes([row(), row(Workstream="Workforce", Ref="1.2", **{"Project milestone": "B"})]),
    )
    error = only_error(report)
    assert "both have number 1" in error["message"]


def test_errors_block_the_apply_and_nothing_changes(programme):
    p = plan_import_preview(
        programme=programme,
        file_name="p.csv",
        content=csv_bytes([row(), row(**{"End Date": "Smarch"})]),
        as_of=AS_OF,
    )
    from programmes.plan_import import PlanImportError

    with pytest.raises(PlanImportError, match="1 error"):
        plan_import_apply(plan_import=p)
    assert Milestone.objects.count() == 0
    assert PlanImport.objects.get().state == "previewed"


# -- rows: warnings do not block --------------------------------------------------------------


def test_a_parent_ref_that_is_not_found_is_a_warning(programme):
    header = [*HEADER, "Parent ref"]
    report = preview(programme, csv_bytes([[*row(Ref=""), "9.9"]], header=header))
    assert report["errors"] == []
    assert any("No earlier row of this workstream has ref 9.9" in m for m in messages_of(report))


def test_a_ref_that_does_not_start_with_its_workstream_number_is_a_warning(programme):
    header = [*HEADER, "Number"]
    report = preview(programme, csv_bytes([[*row(Ref="2.1"), "1"]], header=header))
    assert any("does not start with its workstream's number" in m for m in messages_of(report))


def test_a_workstream_without_a_numbered_ref_is_numbered_with_a_warning(programme):
    report = preview(programme, csv_bytes([row(Ref="")]))
    assert report["workstreams"][0]["number"] == "1"
    assert any("is numbered 1" in m for m in messages_of(report))


def test_a_month_without_a_year_is_a_warning(programme):
    report = preview(programme, csv_bytes([row(**{"Start Date": "Sept", "End Date": "Feb"})]))
    assert report["errors"] == []
    warnings = [w for w in report["warnings"] if "no year" in w["message"]]
    assert [w["column"] for w in warnings] == ["Start Date", "End Date"]


def test_a_yearless_end_month_before_the_start_month_runs_into_the_next_year(programme):
    p = plan_import_preview(
        programme=programme,
        file_name="p.csv",
        content=csv_bytes([row(**{"Start Date": "Nov", "End Date": "Feb"})]),
        as_of=AS_OF,
    )
    plan_import_apply(plan_import=p)
    assert Milestone.objects.get().baseline_end == date(2019, 2, 28)


def test_an_unknown_code_is_kept_for_review_with_no_candidates(programme):
    header = [*HEADER, "CQC Cross reference key"]
    report = preview(programme, csv_bytes([[*row(), "XYZ99"]], header=header))
    assert report["unresolved"][0]["token"] == "XYZ99"
    assert report["unresolved"][0]["candidates"] == []


def test_a_long_governance_text_is_kept_as_text_with_a_warning(programme):
    header = [*HEADER, "Governance"]
    long_name = "The Wiltshire Integration Board and the Health and Wellbeing Board"
    report = preview(programme, csv_bytes([[*row(), long_name]], header=header))
    assert any("too long for a governance body" in m for m in messages_of(report))


def test_plan_file_read_skips_blank_rows(programme):
    table = plan_file_read(
        file_name="p.csv", content=csv_bytes([row(), ["", "", "", "", "", "", ""]])
    )
    assert len(table.rows) == 1


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("Ref", "1." + "1" * 40),
        ("Workstream", "W" * 301),
        ("Lead", "A" * 301),
        ("Status", "x" * 101),
    ],
)
def test_a_cell_too_long_for_its_column_is_an_error_not_a_crash(programme, column, value):
    error = only_error(preview(programme, csv_bytes([row(**{column: value})])))
    assert error["column"] == column and "characters long" in error["message"]


def test_workstream_names_differing_only_in_case_are_the_same_workstream(programme):
    report = preview(
        programme,
        csv_bytes([row(), row(Workstream="DIGITAL", Ref="1.2", **{"Project milestone": "B"})]),
    )
    assert report["errors"] == []


def test_a_zip_with_broken_xml_named_xlsx_is_refused(programme):
    out = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<broken")
    with pytest.raises(PlanFileError, match="not a readable Excel workbook"):
        preview(programme, out.getvalue(), name="plan.xlsx")


def test_a_workstream_number_too_long_is_an_error(programme):
    header = [*HEADER, "Number"]
    error = only_error(
        preview(programme, csv_bytes([[*row(Ref=""), "Workstream one"]], header=header))
    )
    assert error["column"] == "Number" and "longer than 10 characters" in error["message"]


def test_a_nul_byte_late_in_a_csv_file_is_refused(programme):
    content = csv_bytes([row()] * 1) + b"x" * 5000 + b"\x00"
    with pytest.raises(PlanFileError, match="not a text CSV file"):
        preview(programme, content)


def test_the_same_damaged_code_twice_in_a_cell_is_one_thing_to_review(programme):
    header = [*HEADER, "CQC Cross reference key"]
    p = plan_import_preview(
        programme=programme,
        file_name="p.csv",
        content=csv_bytes([[*row(), "AO13, AO13"]], header=header),
        as_of=AS_OF,
    )
    plan_import_apply(plan_import=p)
    assert Milestone.objects.get().unresolved_references.count() == 1


def test_workstream_names_in_different_case_without_refs_are_one_workstream(programme):
    content = csv_bytes(
        [row(Ref=""), row(Workstream="DIGITAL", Ref="", **{"Project milestone": "B"})]
    )
    p = plan_import_preview(programme=programme, file_name="p.csv", content=content, as_of=AS_OF)
    assert [w["number"] for w in p.report["workstreams"]] == ["1"]
    plan_import_apply(plan_import=p)
    again = preview(programme, content)
    assert (again["created"], again["updated"]) == (0, 0)


def test_a_workstream_is_not_named_from_a_row_with_errors(programme):
    header = [*HEADER, "Number"]
    content = csv_bytes(
        [
            [*row(Workstream="W" * 400), "1"],
            [*row(Workstream="", **{"Project milestone": "B"}), "1"],
        ],
        header=header,
    )
    report = preview(programme, content)
    assert len(report["errors"]) == 1
    assert report["workstreams"][0]["name"] == "Workstream 1"
