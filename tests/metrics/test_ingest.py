"""The pure activity-upload pipeline: reading, header detection, mapping, cleaning, validation,
against small synthetic files, Wolverhampton's Figures 20 and 21, and the real public files."""

from __future__ import annotations

import difflib
import io
import json
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from metrics.ingest import (
    RECORD_COLUMNS,
    AreaMatch,
    Finding,
    IngestError,
    IngestResult,
    MetricRule,
    Profile,
    ProfileError,
    guess_profile,
    parse,
    profile_from_json,
    profile_to_json,
    read_table,
)

DATA = Path(__file__).resolve().parent / "data"
PUBLIC = Path(__file__).resolve().parents[3] / "shared" / "data" / "public"
WOLVERHAMPTON = "E08000031"

METRICS = {
    rule.code: rule
    for rule in [
        MetricRule("nel_admissions", unit="count", name="Non-elective admissions"),
        MetricRule("nel_admissions_bcf", unit="count"),
        MetricRule("nel_admissions_non_bcf", unit="count"),
        MetricRule("nel_admissions_all_providers", unit="count"),
        MetricRule("nel_planned_reduction", unit="count", allow_negative=True),
        MetricRule("reablement_91", unit="percentage", aggregation="ratio"),
        MetricRule(
            "residential_65",
            unit="rate",
            rate_per=100000,
            aggregation="ratio",
            aliases=("Residential home admissions",),
        ),
        MetricRule("falls_65", unit="rate", rate_per=100000, missing_markers_mean="suppressed"),
        MetricRule("dtoc_beds_asc", unit="days", aggregation="mean"),
        MetricRule("cpp_rate", unit="rate", rate_per=10000),
        MetricRule("emergency_admissions", unit="count"),
        MetricRule("dtoc_acute", unit="count"),
        MetricRule("dtoc_non_acute", unit="count"),
        MetricRule("dtoc_total", unit="count"),
        MetricRule("ae_4hr_percent", unit="percentage", aggregation="mean"),
        MetricRule("zero_when_blank", unit="count", missing_markers_mean="zero"),
    ]
}


# --- a dict-backed area resolver, as the metrics services will build from the database -------


class Areas:
    """Upper-tier areas, comparators, out-of-scope districts and legacy codes."""

    def __init__(self) -> None:
        self.areas = {
            WOLVERHAMPTON: "Wolverhampton",
            "E08000009": "Trafford",
            "E06000058": "Bournemouth, Christchurch and Poole",
        }
        self.comparators = {"E92000001": "England", "E47000001": "Greater Manchester"}
        self.out_of_scope = {"E07000004": "Aylesbury Vale"}
        self.legacy = {"E08000020": "E08000037"}  # Gateshead's code before 2013
        self.calls = 0

    def add_from_public(self) -> Areas:
        for name in ("trafford-child_protection_plans.csv", "trafford-admissions_falls.csv"):
            frame = pd.read_csv(PUBLIC / name, dtype=str, keep_default_na=False)
            for code, area in zip(frame["area_code"], frame["area_name"], strict=True):
                if code.startswith("E07"):
                    self.out_of_scope[code] = area
                elif code[:3] in ("E06", "E08", "E09", "E10"):
                    self.areas[code] = area
        return self

    def __call__(self, code: str | None, name: str | None) -> AreaMatch:
        self.calls += 1
        if code in self.areas:
            return AreaMatch(code, "area")
        if code in self.comparators:
            return AreaMatch(code, "comparator")
        if code in self.out_of_scope:
            return AreaMatch(
                None,
                "out_of_scope",
                "Districts are not Health and Wellbeing Board areas.",
                self._near(self.out_of_scope[code]),
            )
        if code in self.legacy:
            return AreaMatch(self.legacy[code], "legacy", "Boundary change in April 2019.")
        by_name = {v.lower(): k for k, v in self.areas.items()}
        if name and name.lower() in by_name:
            return AreaMatch(by_name[name.lower()], "legacy", "Matched by name.")
        return AreaMatch(None, "unknown", "", self._near(name or code or ""))

    def _near(self, text: str) -> list[str]:
        return difflib.get_close_matches(text, list(self.areas.values()), n=3, cutoff=0.5)


def run(
    text: str,
    profile: Profile | None = None,
    *,
    name: str = "upload.csv",
    areas: Areas | None = None,
) -> IngestResult:
    table = read_table(text.encode("utf-8"), name)
    chosen = profile or guess_profile(table.header, title_lines=table.title_lines)
    return parse(table, chosen, metrics=METRICS, resolve_area=areas or Areas())


def messages(result: IngestResult, severity: str | None = None) -> list[str]:
    return [f.message for f in result.findings if severity in (None, f.severity)]


def only(result: IngestResult, words: str) -> Finding:
    found = [f for f in result.findings if words in f.message]
    assert len(found) == 1, messages(result)
    return found[0]


LONG_HEADER = "area_code,period,metric,value\n"


# --- reading ---------------------------------------------------------------------------------


def test_title_lines_and_a_blank_line_above_the_header_are_skipped() -> None:
    table = read_table((DATA / "titled_long.csv").read_bytes(), "titled_long.csv")
    assert table.header == ["Area Code", "Month", "Metric", "Value", "Comments"]
    assert table.header_row == 5
    assert list(table.row_numbers) == [6, 7]
    assert table.title_lines[0] == "Monthly emergency admissions extract"
    result = parse(table, guess_profile(table.header), metrics=METRICS, resolve_area=Areas())
    assert not result.has_errors, messages(result)
    assert list(result.records["value"]) == [1758.0, 1825.0]
    assert list(result.records["source_row"]) == [6, 7]
    assert list(result.records["note"]) == ["", "checked"]


def test_xlsx_with_title_rows_reads_like_csv(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "NEL"
    sheet.append(["Wolverhampton NEL actuals"])
    sheet.append([])
    sheet.append(["ONS code", "Date", "Metric", "Count"])
    sheet.append([WOLVERHAMPTON, "2019-04", "nel_admissions", 1758])
    sheet.append([WOLVERHAMPTON, "2019-05", "nel_admissions", 1825])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), "nel.xlsx")
    assert (table.sheet, table.header_row, list(table.row_numbers)) == ("NEL", 3, [4, 5])
    result = parse(table, guess_profile(table.header), metrics=METRICS, resolve_area=Areas())
    assert not result.has_errors, messages(result)
    assert list(result.records["value"]) == [1758.0, 1825.0]


def test_xlsx_missing_sheet_names_the_sheets(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    with pytest.raises(IngestError, match="no sheet called 'Plan'; its sheets are Sheet"):
        read_table(buffer.getvalue(), "plan.xlsx", sheet="Plan")


def test_cp1252_file_with_pound_signs_and_semicolons_is_read() -> None:
    text = "Area code;Period;Metric;Value\nE08000031;2019/20;nel_admissions;£1.234\n"
    table = read_table(text.replace("1.234", "1234").encode("cp1252"), "spend.csv")
    assert table.header == ["Area code", "Period", "Metric", "Value"]
    assert any("Windows-1252" in f.message for f in table.findings)
    assert table.data.iloc[0, 3] == "£1234"


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "empty.csv", "'empty.csv' is empty"),
        (b"   \n\n", "blank.csv", "is empty"),
        (b"only,a,header\n", "header.csv", "Could not find the header row"),
        (b"\xd0\xcf\x11\xe0rest", "old.xls", "old-style Excel"),
        (b"PK\x03\x04not really a zip", "broken.xlsx", "not a readable Excel"),
        (b"a,b\n" + b"1,2\n" * 250 + b"3,4,5\n", "ragged.csv", "Row 252 of 'ragged.csv' has 3"),
    ],
)
def test_unreadable_files_raise_a_clear_ingest_error(data: bytes, name: str, words: str) -> None:
    with pytest.raises(IngestError, match=words):
        read_table(data, name)


def test_a_note_under_the_table_is_skipped_with_a_warning() -> None:
    result = run(LONG_HEADER + "E08000031,2019-04,nel_admissions,5\nSource: NHS England,,,\n")
    assert len(result.records) == 1
    assert only(result, "note under the table").row == 3


# --- mapping ---------------------------------------------------------------------------------


def test_column_order_and_header_spelling_do_not_matter() -> None:
    text = "VALUE, Period ,Area-Code,metric\n5,2019-04,E08000031,nel_admissions\n"
    result = run(text)
    assert not result.findings, messages(result)
    assert result.records.loc[0, "area_code"] == WOLVERHAMPTON


def test_extra_columns_are_reported_and_ignored() -> None:
    result = run(
        "area_code,period,metric,value,significance\nE08000031,2019-04,nel_admissions,5,Worse\n"
    )
    finding = only(result, "Column 'significance' is not used and was ignored.")
    assert (finding.severity, finding.column) == ("warning", "significance")
    assert len(result.records) == 1


def test_a_required_role_without_column_or_default_names_the_aliases() -> None:
    result = run("area_code,period,metric,amount\nE08000031,2019-04,nel_admissions,5\n")
    finding = only(result, "No column for the value")
    assert finding.severity == "error"
    assert "'Count'" in finding.message and "'Rate'" in finding.message
    assert result.records.empty


def test_defaults_stand_in_for_missing_columns() -> None:
    profile = Profile(
        name="p", defaults={"area_code": WOLVERHAMPTON, "metric": "nel_admissions", "kind": "plan"}
    )
    result = run("Month,Value\nApr 2019,5\n", profile)
    assert not result.has_errors, messages(result)
    assert result.records.loc[0, ["area_code", "metric_code", "kind"]].tolist() == [
        WOLVERHAMPTON,
        "nel_admissions",
        "plan",
    ]


def test_guess_profile_maps_the_trafford_header() -> None:
    header = ["area_code", "area_name", "period", "indicator", "measure", "unit", "value"]
    profile = guess_profile(header)
    assert profile.layout == "long"
    assert profile.columns == {
        "area_code": ["area_code"],
        "area_name": ["area_name"],
        "period": ["period"],
        "metric": ["indicator"],
        "value": ["value"],
    }


def test_guess_profile_reads_year_and_month_columns_as_a_pair() -> None:
    profile = guess_profile(["year", "month", "value", "Area"])
    assert profile.columns["financial_year"] == ["year"]
    assert profile.columns["month_name"] == ["month"]
    assert "period" not in profile.columns


def test_guess_profile_spots_a_wide_month_table_and_its_year() -> None:
    name = "wolverhampton_fig21_nel_plan_2017_18.csv"
    profile = guess_profile(read_table((DATA / name).read_bytes(), name).header)
    assert profile.layout == "wide_months"
    assert profile.columns["metric"] == ["BCF Monitoring - 2017-18 Plans"]
    assert profile.defaults["financial_year"] == "2017/18"


# --- values ----------------------------------------------------------------------------------


def test_values_with_separators_quotes_spaces_percent_and_pounds_are_read() -> None:
    rows = ['"1,758"', '" 12 "', "\t7\t", '"£1,000"', '"2,039 "']
    text = LONG_HEADER + "".join(
        f"E08000031,2019-{i + 1:02d},nel_admissions,{value}\n" for i, value in enumerate(rows)
    )
    text += "E08000031,2019/20,reablement_91,85.7%\n"
    result = run(text)
    assert not result.has_errors, messages(result)
    assert list(result.records["value"]) == [1758, 12, 7, 1000, 2039, 85.7]
    assert result.records["raw_value"].iloc[0] == "1,758"


@pytest.mark.parametrize("marker", ["-", "NA", "N/A", "n/a", "TBC", "*", "x", ""])
def test_markers_become_missing_never_zero(marker: str) -> None:
    result = run(LONG_HEADER + f"E08000031,2019-04,nel_admissions,{marker}\n")
    record = result.records.iloc[0]
    assert np.isnan(record["value"]) and record["status"] == "missing"
    finding = only(result, "is not a number; stored as missing")
    assert (finding.severity, finding.row, finding.column) == ("warning", 2, "value")


def test_markers_follow_the_metric_rule() -> None:
    text = LONG_HEADER + "E08000031,2019/20,falls_65,*\nE08000031,2019-04,zero_when_blank,-\n"
    result = run(text)
    statuses = result.records.set_index("metric_code")["status"].to_dict()
    assert statuses == {"falls_65": "suppressed", "zero_when_blank": "reported"}
    assert result.records.set_index("metric_code").loc["zero_when_blank", "value"] == 0
    assert any("stored as 0, as the metric's rule says" in m for m in messages(result, "warning"))


def test_text_that_is_not_a_number_is_an_error_naming_row_and_column() -> None:
    result = run(LONG_HEADER + "E08000031,2019-04,nel_admissions,lots\n")
    assert result.errors == [Finding("error", 2, "value", "lots", "'lots' is not a number.")]
    assert result.records.empty


def test_fractional_counts_warn_and_negative_counts_are_errors() -> None:
    text = (
        LONG_HEADER + "E08000031,2019-04,nel_admissions,12.5\nE08000031,2019-05,nel_admissions,-3\n"
    )
    result = run(text)
    assert only(result, "count with a fraction").row == 2
    negative = only(result, "is negative")
    assert (negative.severity, negative.row, negative.value) == ("error", 3, "-3")
    assert list(result.records["source_row"]) == [2]


def test_negative_is_allowed_when_the_metric_says_so() -> None:
    result = run(LONG_HEADER + "E08000031,2019-04,nel_planned_reduction,-140\n")
    assert not result.findings and result.records.loc[0, "value"] == -140


@pytest.mark.parametrize("value", ["101", "-1", "120%"])
def test_percentages_outside_0_to_100_are_errors(value: str) -> None:
    result = run(LONG_HEADER + f"E08000031,2019/20,reablement_91,{value}\n")
    assert only(result, "outside 0–100").severity == "error"


def test_proportions_given_for_a_percentage_are_flagged() -> None:
    result = run(LONG_HEADER + "E08000031,2018/19,reablement_91,0.857\n")
    assert only(result, "look like proportions").severity == "warning"


def test_value_is_derived_from_numerator_and_denominator() -> None:
    text = "area_code,period,metric,numerator,denominator,value\n"
    text += "E08000031,2017/18,reablement_91,360,420,\nE08000031,2018/19,reablement_91,360,420,50\n"
    result = run(text)
    assert round(result.records.loc[0, "value"], 1) == 85.7
    assert result.records.loc[0, "status"] == "reported"
    assert only(result, "does not match numerator / denominator").row == 3


def test_status_column_is_mapped() -> None:
    text = LONG_HEADER.strip() + ",status\nE08000031,2019-04,nel_admissions,5,Provisional\n"
    text += "E08000031,2019-05,nel_admissions,6,odd\n"
    result = run(text)
    assert list(result.records["status"]) == ["provisional", "reported"]
    assert only(result, "Status 'odd'").severity == "warning"


def test_many_bad_rows_are_capped_with_a_count() -> None:
    text = LONG_HEADER + "".join(f"E08000031,2019-04,nel_admissions,bad{i}\n" for i in range(150))
    result = run(text)
    assert len(result.errors) == 101
    assert "… and 50 more rows like the above" in result.errors[-1].message


# --- keys: periods, metrics, kinds, areas, duplicates ----------------------------------------


def test_text_keys_are_trimmed_with_one_warning_per_column() -> None:
    text = (
        LONG_HEADER + " E08000031 ,2019-04,nel_admissions ,5\nE08000031,2019-05,nel_admissions ,6\n"
    )
    result = run(text)
    assert not result.has_errors
    assert set(result.records["metric_code"]) == {"nel_admissions"}
    warning = only(result, "2 values in column 'metric' have spaces")
    assert (warning.row, warning.value) == (2, "nel_admissions ")


def test_periods_in_any_form_and_rows_in_any_order() -> None:
    periods = ["Mar-20", "2019-04-01", "June 2019", "201905", "Q1 2019/20", "2019-20", "Sept 2019"]
    text = LONG_HEADER + "".join(
        f"E08000031,{p},nel_admissions,{i}\n" for i, p in enumerate(periods)
    )
    result = run(text)
    assert not result.findings, messages(result)
    starts = result.records["period_start"].dt.strftime("%Y-%m").tolist()
    kinds = result.records["period_kind"].tolist()
    assert starts == ["2020-03", "2019-04", "2019-06", "2019-05", "2019-04", "2019-04", "2019-09"]
    assert kinds == ["month", "month", "month", "month", "quarter", "year", "month"]


def test_duplicate_keys_in_different_forms_are_errors_naming_both_rows() -> None:
    text = (
        LONG_HEADER + "E08000031,2019-04-01,nel_admissions,1\nE08000031,2019-05,nel_admissions,2\n"
    )
    text += "E08000031,April 2019,nel_admissions,3\n"
    result = run(text)
    duplicate = only(result, "give the same area, metric, kind and period")
    assert duplicate.severity == "error"
    assert duplicate.message == (
        "Rows 2 and 4 give the same area, metric, kind and period "
        "(E08000031, nel_admissions, actual, Apr 2019); keep one."
    )
    assert list(result.records["source_row"]) == [3]


def test_a_bad_period_is_an_error_on_its_row() -> None:
    result = run(LONG_HEADER + "E08000031,Smarch 2019,nel_admissions,5\n")
    finding = result.errors[0]
    assert (finding.row, finding.column, finding.value) == (2, "period", "Smarch 2019")
    assert "not a month, quarter or financial year we recognise" in finding.message


def test_financial_year_column_with_month_names() -> None:
    text = "area_code,year,month,metric,value\n"
    text += (
        "E08000031,2010-11,January,nel_admissions,1\nE08000031,2010-11,August,nel_admissions,2\n"
    )
    result = run(text)
    assert result.records["period_start"].dt.strftime("%Y-%m").tolist() == ["2011-01", "2010-08"]


def test_a_total_row_in_a_long_file_is_not_stored() -> None:
    result = run(
        LONG_HEADER + "E08000031,2019-04,nel_admissions,5\nE08000031,Total,nel_admissions,5\n"
    )
    assert len(result.records) == 1
    assert only(result, "'Total' is a total, not a period").row == 3


def test_unknown_metric_lists_known_codes() -> None:
    result = run(LONG_HEADER + "E08000031,2019-04,bed days,5\n")
    finding = result.errors[0]
    assert "Metric 'bed days' (row 2) is not in the catalogue" in finding.message
    assert "nel_admissions" in finding.message


def test_metric_alias_mapping_to_null_skips_rows() -> None:
    profile = guess_profile(["area_code", "period", "metric", "value"])
    profile.metric_aliases = {"Variance": None}
    result = run(LONG_HEADER + "E08000031,2019-04,Variance,5\n", profile)
    assert result.records.empty and not result.has_errors
    assert "skipped, as the profile says" in messages(result)[0]


def test_kind_column_with_aliases_and_an_unknown_kind() -> None:
    text = "area_code,period,metric,type,value\n"
    text += (
        "E08000031,2019-04,nel_admissions,Trajectory,5\nE08000031,2019-04,nel_admissions,Actual,6\n"
    )
    text += "E08000031,2019-05,nel_admissions,guess,7\n"
    result = run(text)
    assert list(result.records["kind"]) == ["plan", "actual"]
    assert "Kind 'guess' (row 4) is not one we know" in result.errors[0].message


def test_areas_out_of_scope_unknown_comparator_and_legacy() -> None:
    text = "area_code,area_name,period,metric,value\n"
    text += "E07000004,Aylesbury Vale,2019/20,falls_65,1\n"
    text += "S12000033,Aberdeen City,2019/20,falls_65,2\n"
    text += "E92000001,England,2019/20,falls_65,3\n"
    text += "E08000020,Gateshead,2019/20,falls_65,4\n"
    text += "E08000099,Wolverhampton,2018/19,falls_65,5\n"
    result = run(text, areas=Areas().add_from_public() if PUBLIC.exists() else Areas())
    assert "is out of scope and was skipped (row 2)" in only(result, "E07000004").message
    unknown = only(result, "S12000033")
    assert unknown.severity == "error" and "is not a known area" in unknown.message
    assert "comparator" in only(result, "E92000001").message
    legacy = only(result, "E08000020")
    assert (legacy.severity, "matched to 'E08000037'" in legacy.message) == ("warning", True)
    assert "matched to 'E08000031'" in only(result, "E08000099").message
    assert sorted(result.records["area_code"]) == ["E08000031", "E08000037", "E92000001"]


def test_known_area_with_a_caveat_is_kept_with_a_warning() -> None:
    """An abolished area (a boundary change) is still stored, but the uploader is told."""

    def resolver(code: str | None, name: str | None) -> AreaMatch:
        return AreaMatch(code, "area", "Abolished on 31 March 2019; succeeded by E06000058.")

    table = read_table((LONG_HEADER + "E06000028,2018-04,falls_65,5\n").encode(), "b.csv")
    result = parse(table, guess_profile(table.header), metrics=METRICS, resolve_area=resolver)
    assert list(result.records["area_code"]) == ["E06000028"]
    warning = only(result, "E06000028")
    assert warning.severity == "warning" and "succeeded by E06000058" in warning.message


def test_each_distinct_area_is_resolved_once() -> None:
    areas = Areas()
    text = LONG_HEADER + "".join(
        f"E08000031,{2000 + i}/{(i + 1) % 100:02d},falls_65,1\n" for i in range(50)
    )
    run(text, areas=areas)
    assert areas.calls == 1


# --- wide layouts: Wolverhampton Figures 20 and 21, and the England monthly file -------------


def fig21_profile() -> Profile:
    return Profile(
        name="wolverhampton-nel-plan",
        layout="wide_months",
        columns={"metric": ["BCF Monitoring - 2017-18 Plans"]},
        defaults={"area_code": WOLVERHAMPTON, "kind": "plan", "financial_year": "2017/18"},
        metric_aliases={
            "Total NEL": "nel_admissions",
            "Total NEL - BCF Related Plan": "nel_admissions_bcf",
            "Total NEL - Non BCF Related Planned": "nel_admissions_non_bcf",
            "BCF Planned Reductions": "nel_planned_reduction",
        },
    )


def read_data(name: str, profile: Profile) -> IngestResult:
    table = read_table((DATA / name).read_bytes(), name)
    return parse(table, profile, metrics=METRICS, resolve_area=Areas())


def test_figure_21_plan_parses_and_its_full_year_matches() -> None:
    result = read_data("wolverhampton_fig21_nel_plan_2017_18.csv", fig21_profile())
    assert result.findings == [], messages(result)
    assert len(result.records) == 48
    total = result.records[result.records["metric_code"] == "nel_admissions"]
    assert total["value"].sum() == 21749
    assert total["period_start"].dt.strftime("%b %Y").tolist()[::11] == ["Apr 2017", "Mar 2018"]
    assert set(result.records["kind"]) == {"plan"}
    reductions = result.records[result.records["metric_code"] == "nel_planned_reduction"]
    assert reductions["value"].sum() == -1677
    assert list(total["source_row"].unique()) == [5]


def test_figure_21_with_a_wrong_full_year_warns_with_both_numbers() -> None:
    result = read_data("wolverhampton_fig21_wrong_full_year.csv", fig21_profile())
    finding = only(result, "Full Year")
    assert finding == Finding(
        "warning",
        5,
        "Full Year",
        "21,750",
        "Row 5: 'Full Year' is 21,750 but the 12 months add up to 21,749.",
    )
    assert not result.has_errors and len(result.records) == 48


def test_figure_21_takes_its_year_from_the_title_when_the_profile_has_none() -> None:
    profile = fig21_profile()
    del profile.defaults["financial_year"]
    result = read_data("wolverhampton_fig21_nel_plan_2017_18.csv", profile)
    assert "took 2017/18 from 'BCF Monitoring - 2017-18 Plans'" in only(result, "no year").message
    assert result.records["period_start"].min() == pd.Timestamp("2017-04-01")


def test_figure_20_baseline_and_actuals_by_row_label() -> None:
    profile = Profile(
        name="wolverhampton-nel-monitoring",
        layout="wide_months",
        defaults={"area_code": WOLVERHAMPTON},
        metric_aliases={
            "Baseline (15/16 Activity)": "nel_admissions",
            "16/17 Actual Activity - Total Emergencies": "nel_admissions",
            "16/17 Actual Activity - All Providers Total EM": "nel_admissions_all_providers",
            "Variance": None,
            "Variance (baseline v 16/17)": None,
        },
        kind_aliases={"Baseline (15/16 Activity)": "baseline"},
    )
    result = read_data("wolverhampton_fig20_nel_2016_17.csv", profile)
    assert not result.has_errors, messages(result)
    sums = result.records.groupby(["metric_code", "kind"])["value"].sum().to_dict()
    assert sums == {
        ("nel_admissions", "actual"): 23187,
        ("nel_admissions", "baseline"): 24842,
        ("nel_admissions_all_providers", "actual"): 25216,
    }
    assert result.records["period_start"].min() == pd.Timestamp("2016-04-01")
    assert not any("add up" in m for m in messages(result))
    assert len([m for m in messages(result) if "as the profile says" in m]) == 2


def england_profile() -> Profile:
    return Profile(
        name="england-ae-dtoc",
        layout="wide_measures",
        columns={"financial_year": ["year"], "month_name": ["month"]},
        defaults={"area_code": "E92000001"},
        measures={
            "total_admissions": ("emergency_admissions", "actual"),
            "dtoc_a": ("dtoc_acute", "actual"),
            "dtoc_na": ("dtoc_non_acute", "actual"),
            "dtoc_total": ("dtoc_total", "actual"),
            "95%_targ": ("ae_4hr_percent", "actual"),
        },
    )


# --- profiles as JSON ------------------------------------------------------------------------


def test_profile_round_trips_through_json() -> None:
    profile = england_profile()
    text = profile_to_json(profile)
    assert json.loads(text)["version"] == 1
    assert profile_from_json(text) == profile


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"version": 2}, "'version' must be 1"),
        ({"colums": {}}, "Unknown key 'colums'"),
        ({"layout": "tall"}, "'layout' must be one of"),
        ({"columns": {"place": ["Area"]}}, "Unknown role 'place' in 'columns'"),
        ({"defaults": {"kind": "guess"}}, "'defaults' → 'kind'"),
        ({"measures": {"dtoc_a": ["dtoc_acute"]}}, "'measures' → 'dtoc_a'"),
        ({"kind_aliases": {"Plan": "wish"}}, "'kind_aliases' → 'Plan'"),
        ({"name": ""}, "'name' must be a non-empty text"),
        ({"defaults": {"financial_year": "soon"}}, "'financial_year': 'soon' is not a financial"),
    ],
)
def test_invalid_profile_json_names_the_bad_key(change: dict, words: str) -> None:
    data = england_profile().to_dict() | change
    with pytest.raises(ProfileError, match=words):
        profile_from_json(json.dumps(data))


def test_a_bad_default_financial_year_is_an_error_not_an_exception() -> None:
    profile = fig21_profile()
    profile.defaults["financial_year"] = "next year"
    result = read_data("wolverhampton_fig21_nel_plan_2017_18.csv", profile)
    assert result.errors[0].message.startswith("'defaults' → 'financial_year': 'next year'")
    assert result.records.empty


def test_profile_json_that_is_not_json_is_reported() -> None:
    with pytest.raises(ProfileError, match="not valid JSON"):
        profile_from_json("{'name': 1")


def test_records_have_the_documented_columns() -> None:
    result = run(LONG_HEADER + "E08000031,2019-04,nel_admissions,5\n")
    assert list(result.records.columns) == RECORD_COLUMNS
    assert result.rows == 1


# --- the real public files -------------------------------------------------------------------

needs_public = pytest.mark.skipif(
    not PUBLIC.exists(), reason=f"public sample files not found at {PUBLIC} (outside the repo)"
)


def parse_public(name: str, profile: Profile | None = None, **aliases: str) -> IngestResult:
    table = read_table((PUBLIC / name).read_bytes(), name)
    chosen = profile or guess_profile(table.header, title_lines=table.title_lines)
    chosen.metric_aliases.update({text.replace("_", " "): code for text, code in aliases.items()})
    return parse(table, chosen, metrics=METRICS, resolve_area=Areas().add_from_public())


def public_profile(**metric_aliases: str) -> Profile:
    header = ["area_code", "area_name", "period", "indicator", "value"]
    profile = guess_profile(header)
    profile.metric_aliases = dict(metric_aliases)
    return profile


@needs_public
def test_public_dtoc_trailing_space_is_trimmed_and_iso_dates_are_months() -> None:
    profile = public_profile(
        **{"Daily DTOC beds attributable to adult social care": "dtoc_beds_asc"}
    )
    result = parse_public("trafford-dtoc.csv", profile)
    assert not result.has_errors, messages(result, "error")
    assert (result.rows, len(result.records)) == (72, 72)
    assert only(result, "72 values in column 'indicator' have spaces").severity == "warning"
    assert set(result.records["period_kind"]) == {"month"}
    assert "comparator" in only(result, "E47000001").message


@needs_public
def test_public_home_after_discharge_financial_years() -> None:
    profile = public_profile(
        **{"Older people still at home 91 days after discharge": "reablement_91"}
    )
    result = parse_public("trafford-home_after_discharge.csv", profile)
    assert not result.has_errors, messages(result, "error")
    assert (result.rows, len(result.records)) == (80, 80)
    assert set(result.records["period_kind"]) == {"year"}
    assert result.records["period_start"].min() == pd.Timestamp("2010-04-01")


@needs_public
def test_public_residential_admissions_matches_a_catalogue_alias() -> None:
    result = parse_public("trafford-residential_home_admissions.csv")
    assert not result.has_errors, messages(result, "error")
    assert (result.rows, len(result.records)) == (50, 50)
    assert set(result.records["metric_code"]) == {"residential_65"}


@needs_public
def test_public_falls_na_districts_and_england() -> None:
    profile = public_profile(
        **{"Emergency hospital admissions due to falls in people aged 65 and over": "falls_65"}
    )
    result = parse_public("trafford-admissions_falls.csv", profile)
    assert not result.has_errors, messages(result, "error")
    assert result.rows == 2624
    out = [f for f in result.warnings if "is out of scope" in f.message]
    assert len(out) == 201 and all(f.value.startswith("E07") for f in out)
    assert "Closest known areas" in out[0].message or out[0].message.endswith("areas.")
    # 23 NA cells, 6 of them in districts that are skipped anyway and not reported again
    na = [f for f in result.warnings if f.value == "NA"]
    assert len(na) == 17 and "stored as suppressed" in na[0].message
    assert "comparator" in only(result, "E92000001").message
    assert len(result.records) == 2624 - 201 * 8
    assert result.records["value"].isna().sum() == 17


@needs_public
def test_public_child_protection_plans_via_profile_alias() -> None:
    profile = public_profile(
        **{"Children on child protection plans: Rate per 10,000 children <18": "cpp_rate"}
    )
    result = parse_public("trafford-child_protection_plans.csv", profile)
    assert not result.has_errors, messages(result, "error")
    assert (result.rows, len(result.records)) == (462, 462)


@needs_public
def test_public_england_file_financial_year_and_month_names() -> None:
    result = parse_public("england-ae-admissions-dtoc-monthly.csv", england_profile())
    assert not result.has_errors, messages(result, "error")
    assert result.rows == 80 and len(result.records) == 400
    admissions = result.records[result.records["metric_code"] == "emergency_admissions"]
    january = admissions[admissions["period_start"] == pd.Timestamp("2011-01-01")]
    assert january["value"].round(4).tolist() == [442003.7143]
    assert admissions["period_start"].min() == pd.Timestamp("2010-08-01")
    assert admissions["period_start"].max() == pd.Timestamp("2017-03-01")
    fractions = [f for f in result.warnings if "count with a fraction" in f.message]
    assert fractions and fractions[0].column == "total_admissions"
    assert only(result, "look like proportions").severity == "warning"
    unused = {f.column for f in result.warnings if "is not used" in f.message}
    assert unused == {"total_atten", "total_atten_t1", "total_atten_>4hr"}


# --- scale -----------------------------------------------------------------------------------


def test_a_large_long_file_is_parsed_by_column_not_by_row() -> None:
    """Not a timing test: 20,000 rows with few distinct keys must resolve each key once."""
    areas = Areas()
    rows = [f"E08000031,2019-{m:02d},nel_admissions,{i}" for i in range(1667) for m in range(1, 13)]
    text = "area_code,period,metric,kind,value\n" + "\n".join(
        r.replace(",nel_admissions,", f",nel_admissions,k{i},") for i, r in enumerate(rows)
    )
    profile = guess_profile(["area_code", "period", "metric", "kind", "value"])
    profile.kind_aliases = {f"k{i}": "actual" for i in range(len(rows))}
    result = run(text, profile, areas=areas)
    assert areas.calls == 1
    assert result.rows == len(rows)
    assert len([f for f in result.errors if "give the same" in f.message]) == 12


def test_findings_on_a_wide_file_name_each_file_row_once() -> None:
    profile = fig21_profile()
    profile.metric_aliases["BCF Planned Reductions"] = None
    table = read_table((DATA / "wolverhampton_fig21_nel_plan_2017_18.csv").read_bytes(), "p.csv")
    result = parse(table, profile, metrics=METRICS, resolve_area=Areas())
    [skipped] = [f.message for f in result.findings if "BCF Planned Reductions" in f.message]
    # One printed row holds twelve monthly values: it is named once, not twelve times.
    assert skipped.endswith("as the profile says (row 3).")
