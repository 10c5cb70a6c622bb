"""Board report pages: exception report, changes, coverage; exports and the reporting date."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from programmes.choices import Rating, StatusSource
from programmes.services import status_record
from tests.programmes.factories import (
    FrameworkCodeFactory,
    FrameworkFactory,
    GovernanceBodyFactory,
    MilestoneFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db
SEPT_6 = date(2018, 9, 6)
EXCEPTION_CSV_COLUMNS = [
    "ref",
    "title",
    "workstream",
    "leads",
    "rating",
    "previous_rating",
    "baseline_end",
    "forecast_end",
    "days_overdue",
    "reasons",
    "cause",
    "path_to_green",
]


@pytest.fixture
def programme(programme):
    """The shared programme under the name its print header tests look for."""
    programme.name = "Wiltshire plan"
    programme.save()
    return programme


@pytest.fixture
def workstream(programme):
    return WorkstreamFactory(programme=programme, number="1", name="Integrated care")


def _milestone(workstream, ref, rating=Rating.GREEN, as_of=SEPT_6, **kwargs):
    milestone = MilestoneFactory(
        workstream=workstream, programme=workstream.programme, ref=ref, **kwargs
    )
    extra = {}
    if rating in (Rating.RED, Rating.AMBER):
        extra = {"cause": "Vacancies", "path_to_green": "Agency staff from October"}
    status_record(
        milestone=milestone, rating=rating, as_of=as_of, source=StatusSource.IMPORT, **extra
    )
    return milestone


def _url(name, programme, **query):
    url = reverse(f"programmes:{name}", args=[programme.slug])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def _csv_rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_board_member_sees_exceptions_at_the_programme_reporting_date(board_client, workstream):
    _milestone(workstream, "1.1", Rating.RED)
    _milestone(workstream, "1.2", Rating.GREEN)
    response = board_client.get(_url("exception_report", workstream.programme))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Exception report as at 6 September 2018" in html
    assert "Agency staff from October" in html
    assert "Milestone" in html and ">Red<" in html
    assert response.context["report"].rows[0].milestone.ref == "1.1"
    assert len(response.context["report"].rows) == 1


def test_as_of_in_the_query_string_shows_the_old_rating(board_client, workstream, pm_user):
    milestone = _milestone(workstream, "1.1", Rating.GREEN, as_of=date(2018, 9, 1))
    status_record(
        milestone=milestone,
        rating=Rating.RED,
        as_of=date(2018, 9, 20),
        cause="Provider failed",
        path_to_green="Re-tender",
        author=pm_user,
    )
    before = board_client.get(_url("exception_report", workstream.programme, as_of="2018-09-10"))
    after = board_client.get(_url("exception_report", workstream.programme, as_of="2018-09-21"))
    assert before.context["report"].rows == []
    assert after.context["report"].rows[0].status.rating == Rating.RED


def test_invalid_as_of_date_shows_an_error_summary_not_a_500(board_client, workstream):
    response = board_client.get(_url("exception_report", workstream.programme, as_of="31-31-2018"))
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert response.context["report"].as_of == SEPT_6


def test_exception_csv_has_the_interface_columns_and_one_row_per_listed_milestone(
    board_client, workstream
):
    _milestone(workstream, "1.1", Rating.RED)
    _milestone(workstream, "5.1", Rating.GREEN, baseline_end=date(2018, 8, 31))
    _milestone(workstream, "1.3", Rating.GREEN)
    response = board_client.get(_url("exception_report", workstream.programme, format="csv"))
    rows = _csv_rows(response)
    assert response["Content-Type"].startswith("text/csv")
    assert set(EXCEPTION_CSV_COLUMNS) <= set(rows[0])
    assert [r["ref"] for r in rows] == ["1.1", "5.1"]
    overdue = rows[1]
    assert overdue["days_overdue"] == "6"
    assert overdue["reasons"] == "Overdue by 6 days"
    assert overdue["baseline_end"] == "2018-08-31"
    assert rows[0]["rating"] == "Red" and rows[0]["path_to_green"] == "Agency staff from October"


def test_exports_escape_cells_that_spreadsheets_would_run(board_client, workstream):
    _milestone(workstream, "1.1", Rating.RED, title='=HYPERLINK("http://x")')
    rows = _csv_rows(board_client.get(_url("exception_report", workstream.programme, format="csv")))
    assert rows[0]["title"].startswith("'=")
    response = board_client.get(_url("exception_report", workstream.programme, format="xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][1].startswith("'=")


def test_exports_honour_the_filters(board_client, workstream):
    hwb = GovernanceBodyFactory(acronym="HWB")
    _milestone(workstream, "1.1", Rating.RED, governance_body=hwb)
    _milestone(workstream, "1.2", Rating.RED)
    url = _url("exception_report", workstream.programme, body=hwb.pk, format="csv")
    assert [r["ref"] for r in _csv_rows(board_client.get(url))] == ["1.1"]


def test_unknown_export_format_is_a_clear_400(board_client, workstream):
    response = board_client.get(_url("exception_report", workstream.programme, format="pdf"))
    assert response.status_code == 400
    assert "Use ?format=csv or ?format=xlsx" in response.content.decode()


def test_exception_report_page_query_count_is_constant(board_client, programme):
    def add(count):
        ws = WorkstreamFactory(programme=programme)
        for i in range(count):
            _milestone(ws, f"{ws.number}.{i}", Rating.RED)

    add(3)
    url = _url("exception_report", programme)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        board_client.get(url)
    add(30)
    with CaptureQueriesContext(connection) as large:
        response = board_client.get(url)
    assert len(response.context["report"].rows) == 33
    assert len(large.captured_queries) == len(small.captured_queries)


def test_changes_page_shows_word_diff_and_exports(board_client, workstream, pm_user):
    milestone = _milestone(workstream, "1.1", Rating.GREEN, as_of=date(2018, 8, 1))
    milestone.added_on = date(2018, 7, 1)
    milestone.save()
    status_record(
        milestone=milestone,
        rating=Rating.AMBER,
        as_of=SEPT_6,
        narrative="Business case delayed",
        cause="Finance sign-off",
        path_to_green="Take to JCB in October",
        author=pm_user,
    )
    response = board_client.get(_url("changes", workstream.programme, since="2018-08-15"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rating changed" in html
    assert '<ins class="app-diff-ins">' in html and "delayed" in html
    rows = _csv_rows(
        board_client.get(_url("changes", workstream.programme, since="2018-08-15", format="csv"))
    )
    assert rows[0]["rating_before"] == "Green" and rows[0]["rating_after"] == "Amber"


def test_changes_with_from_after_to_is_an_error_not_a_500(board_client, workstream):
    response = board_client.get(
        _url("changes", workstream.programme, since="2018-10-01", until="2018-09-01")
    )
    assert response.status_code == 200
    assert "must be on or before" in response.content.decode()


def test_coverage_page_lists_codes_against_workstreams_with_flags(board_client, workstream):
    from programmes.models import MilestoneReference, UnresolvedReference

    framework = FrameworkFactory(slug="cqc-aoi", name="CQC areas of improvement", position=0)
    aoi5, aoi15 = (FrameworkCodeFactory(framework=framework, code=c) for c in ("AOI5", "AOI15"))
    milestone = _milestone(workstream, "1.17")
    pending = UnresolvedReference.objects.create(
        milestone=milestone, framework=framework, raw_token="A015"
    )
    pending.candidates.set([aoi5, aoi15])
    url = _url("coverage", workstream.programme)
    html = board_client.get(url).content.decode()
    assert "Only unresolved references (A015 on 1.17)" in html
    MilestoneReference.objects.create(milestone=milestone, code=aoi15, raw_token="A015")
    pending.resolved_code = aoi15
    pending.save()
    html = board_client.get(url).content.decode()
    assert "Only unresolved references" not in html
    rows = _csv_rows(board_client.get(url + "?format=csv"))
    aoi15_row = next(r for r in rows if r["code"] == "AOI15")
    assert aoi15_row["open"] == "1" and aoi15_row["workstream 1 open/complete"] == "1/0"


def test_programme_manager_moves_the_reporting_date(pm_client, programme):
    url = _url("reporting_date_set", programme)
    response = pm_client.post(url, {"reporting_date": "2018-10-04"})
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.reporting_date == date(2018, 10, 4)
    page = pm_client.get(_url("exception_report", programme))
    assert "as at 4 October 2018" in page.content.decode()


def test_board_member_cannot_move_the_reporting_date(board_client, programme):
    response = board_client.post(
        _url("reporting_date_set", programme), {"reporting_date": "2019-01-01"}
    )
    assert response.status_code == 403
    programme.refresh_from_db()
    assert programme.reporting_date == SEPT_6


def test_bad_reporting_date_is_reported_and_nothing_changes(pm_client, programme):
    response = pm_client.post(
        _url("reporting_date_set", programme), {"reporting_date": "next Tuesday"}, follow=True
    )
    assert "Enter the reporting date as a real date" in response.content.decode()
    programme.refresh_from_db()
    assert programme.reporting_date == SEPT_6


def test_report_pages_carry_the_print_header_for_the_board_pack(board_client, workstream):
    _milestone(workstream, "1.1", Rating.RED)
    html = board_client.get(_url("exception_report", workstream.programme)).content.decode()
    assert "@top-left" in html and "counter(pages)" in html
    assert "Wiltshire plan" in html
