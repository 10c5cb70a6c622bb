"""Hostile files: each damaged file from the issue is refused quickly, with a message naming
the limit or the problem, by both importers; and the activity upload's own bad values."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest

from integration.tabular import FileUnreadable, ReadRules, grid_read
from metrics import services
from metrics.ingest import read_table
from metrics.models import Observation
from metrics.services import UploadError
from programmes.models import Milestone
from programmes.plan_import import PlanFileError, plan_import_preview
from programmes.plan_import.reading import plan_file_read
from tests.hostile_files import CORPUS, limit_named, wide_header_csv, workbook, zip_bomb_xlsx
from tests.programmes.factories import ProgrammeFactory

SECONDS = 5  # the most any one refusal may take (each takes well under one on a quiet machine)
NEL = "non-elective-admissions"


@pytest.mark.parametrize("label", list(CORPUS))
def test_each_hostile_file_is_refused_quickly_with_a_clear_message_by_both_readers(label):
    name, content = CORPUS[label]()
    for read in (
        lambda: read_table(content, name),
        lambda: plan_file_read(file_name=name, content=content),
    ):
        started = time.perf_counter()
        with pytest.raises(FileUnreadable) as refused:
            read()
        assert time.perf_counter() - started < SECONDS, label
        assert limit_named(str(refused.value)), str(refused.value)
        assert name in str(refused.value) or "cell" in str(refused.value)


@pytest.mark.django_db
@pytest.mark.parametrize("label", list(CORPUS))
def test_each_hostile_file_is_refused_by_both_importers_and_nothing_is_written(label):
    name, content = CORPUS[label]()
    programme = ProgrammeFactory()
    with pytest.raises(UploadError):
        services.upload_create(content=content, filename=name)
    with pytest.raises(PlanFileError):
        plan_import_preview(
            programme=programme, file_name=name, content=content, as_of=date(2018, 9, 6)
        )
    assert not Observation.objects.exists() and not Milestone.objects.exists()


def test_the_refusals_name_their_limits():
    rules = ReadRules(find_header=lambda top: 0)
    messages = {
        label: _refusal(*CORPUS[label](), rules)
        for label in ("zip bomb", "sheet claiming 16,384 columns", "1 MB CSV cell")
    }
    assert "at most 100 times its compressed size" in messages["zip bomb"]
    assert "at most 2,000 columns" in messages["sheet claiming 16,384 columns"]
    assert "at most 32,767 (as in Excel)" in messages["1 MB CSV cell"]
    assert "declares XML entities" in _refusal(*CORPUS["XML external entity"](), rules)
    assert "declares XML entities" in _refusal(
        *CORPUS["XML entity expansion (billion laughs)"](), rules
    )


def _refusal(name: str, content: bytes, rules: ReadRules) -> str:
    with pytest.raises(FileUnreadable) as refused:
        grid_read(filename=name, content=content, rules=rules)
    return str(refused.value)


def test_limits_are_the_importers_to_set():
    name, content = wide_header_csv()
    narrow = ReadRules(find_header=lambda top: 0, max_columns=3)
    with pytest.raises(FileUnreadable, match="has 6 columns; at most 3 can be read"):
        grid_read(filename="a.csv", content=b"a,b,c,d,e,f\n1,2,3,4,5,6\n", rules=narrow)
    small = ReadRules(find_header=lambda top: 0, max_unzipped_bytes=1024)
    with pytest.raises(FileUnreadable, match="may expand to at most 0 MB"):
        grid_read(filename="w.xlsx", content=workbook(), rules=small)
    few_cells = ReadRules(find_header=lambda top: 0, max_cells=4)
    with pytest.raises(FileUnreadable, match="at most 4 cells can be read at once"):
        grid_read(filename="a.csv", content=b"a,b,c\n1,2,3\n", rules=few_cells)
    assert zip_bomb_xlsx(megabytes=2)[1][:2] == b"PK"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.csv", b"PK\x03\x04\x14\x00junk", "not a text CSV file"),
        ("plan.xlsx", b"Workstream,Ref\n1,1.1\n", "holds text, not a workbook"),
        ("plan.csv", b"%PDF-1.7\n...", "is a PDF document"),
        ("plan.csv", b"\x1f\x8b\x08\x00rest", "is a gzip archive"),
        ("plan.csv", b"\xef\xbb\xbf", "is empty"),
    ],
)
def test_content_is_sniffed_not_trusted_from_the_name(name, content, message):
    with pytest.raises(FileUnreadable, match=message):
        read_table(content, name)


# --- the activity upload's values ---------------------------------------------------------


def _report(rows: str) -> dict:
    content = f"area_code,area_name,period,metric,kind,value\n{rows}".encode()
    return services.upload_create(content=content, filename="nel.csv").report


def _messages(report: dict, kind: str) -> str:
    return " ".join(f["message"] for f in report[kind])


@pytest.mark.django_db
def test_nan_and_infinity_cells_are_errors():
    report = _report(
        f"E08000031,Wolverhampton,2017-04,{NEL},actual,NaN\n"
        f"E08000031,Wolverhampton,2017-05,{NEL},actual,inf\n"
        f"E08000031,Wolverhampton,2017-06,{NEL},actual,-Infinity\n"
    )
    errors = _messages(report, "errors")
    assert "'NaN' is not a number" in errors and "'inf' is not a number" in errors
    assert "'-Infinity' is not a number" in errors and report["blocked"]


@pytest.mark.django_db
def test_the_period_0000_01_is_a_clear_error():
    report = _report(f"E08000031,Wolverhampton,0000-01,{NEL},actual,5\n")
    assert "'0000-01' is not a real period" in _messages(report, "errors")


@pytest.mark.django_db
def test_a_csv_holding_only_a_byte_order_mark_is_empty():
    with pytest.raises(UploadError, match="is empty"):
        services.upload_create(content=b"\xef\xbb\xbf", filename="bom.csv")


@pytest.mark.django_db
def test_implausible_periods_and_values_are_warned_not_refused():
    report = _report(
        f"E08000031,Wolverhampton,2099-01,{NEL},actual,5\n"
        f"E08000031,Wolverhampton,2017-04,{NEL},actual,1000000000000000000\n"
    )
    warnings = _messages(report, "warnings")
    assert "Period Jan 2099 is more than a year in the future" in warnings
    assert "implausibly large" in warnings and not report["blocked"]


@pytest.mark.django_db
def test_a_file_of_200000_bad_rows_stores_a_report_under_1_mb():
    junk = "x" * 201  # longer than a finding keeps
    rows = "".join(
        f"E08000031,Wolverhampton,2017-04,{NEL},actual,{junk}{i}\n" for i in range(200_000)
    )
    report = _report(rows)
    assert report["blocked"]
    assert len(json.dumps(report)) < 1024 * 1024
    first = report["errors"][0]["value"]
    assert len(first) <= 200 and first.endswith("…")
    assert "more rows like the above" in _messages(report, "errors")


def test_a_plan_file_of_a_million_tiny_rows_is_refused_at_once():
    """Ten megabytes of one-character rows was a plan import that held a web worker for
    minutes; it is refused while it is read, naming the limit."""
    from programmes.plan_import.reading import MAX_PLAN_ROWS

    rows = "".join(f"1,1.{i},x\n" for i in range(MAX_PLAN_ROWS + 1))
    content = ("Workstream,Ref,Project milestone\n" + rows).encode()
    started = time.monotonic()
    with pytest.raises(PlanFileError) as refused:
        plan_file_read(file_name="plan.csv", content=content)
    assert time.monotonic() - started < 5
    assert f"at most {MAX_PLAN_ROWS:,} can be read" in str(refused.value)
