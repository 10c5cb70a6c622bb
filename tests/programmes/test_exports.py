"""Milestone list exports: the columns, every row (not one page), and the filters honoured."""

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from programmes.choices import DatePrecision, Rating
from tests.programmes.factories import (
    FrameworkCodeFactory,
    FrameworkFactory,
    GovernanceBodyFactory,
    MilestoneFactory,
    MilestoneReferenceFactory,
    PersonFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db

REQUIRED = [
    "ref",
    "title",
    "workstream",
    "leads",
    "start",
    "end",
    "forecast_end",
    "rating",
    "governance",
    "references",
    "completed",
]


def _rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_has_the_required_columns_and_readable_values(board_client, programme):
    ws = WorkstreamFactory(programme=programme, number="1", name="Care closer to home")
    m = MilestoneFactory(
        workstream=ws, ref="1.1", title="=cmd|' /C calc'!A0", lead_text="SG/ Sara McClellan",
        baseline_start=date(2018, 8, 1), baseline_start_precision=DatePrecision.MONTH,
        baseline_end=None, baseline_end_precision=DatePrecision.UNDEFINED, rating=Rating.AMBER,
        governance_body=GovernanceBodyFactory(acronym="WDG"), forecast_end=date(2019, 4, 30),
    )  # fmt: skip
    m.leads.add(PersonFactory(initials="SG"))
    MilestoneReferenceFactory(milestone=m, code=FrameworkCodeFactory(code="AOI8"))
    MilestoneReferenceFactory(milestone=m, code=FrameworkCodeFactory(code="AOI9"))
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _rows(response)
    assert list(rows[0].keys())[: len(REQUIRED)] == REQUIRED
    row = rows[0]
    assert row["ref"] == "1.1"
    assert row["title"] == "'=cmd|' /C calc'!A0"  # escaped, so a spreadsheet shows text
    assert row["workstream"] == "1. Care closer to home"
    assert row["leads"] == "SG/ Sara McClellan"
    assert (row["start"], row["end"]) == ("Aug 2018", "To be defined")
    assert row["forecast_end"] == "2019-04-30"
    assert row["rating"] == "Amber"
    assert row["governance"] == "WDG"
    assert row["references"] == "AOI8, AOI9"
    assert row["completed"] == ""


def test_export_has_every_row_not_one_page(board_client, programme):
    MilestoneFactory.create_batch(120, workstream=WorkstreamFactory(programme=programme))
    url = reverse("programmes:milestone_list", args=[programme.slug])
    assert len(_rows(board_client.get(url, {"format": "csv", "page": "2"}))) == 120


def test_export_honours_the_filters(board_client, programme):
    ws = WorkstreamFactory(programme=programme)
    aoi8 = FrameworkCodeFactory(framework=FrameworkFactory(slug="cqc-aoi"), code="AOI8")
    for i, rating in enumerate([Rating.RED, Rating.GREEN, Rating.RED]):
        m = MilestoneFactory(workstream=ws, ref=f"1.{i + 1}", rating=rating)
        if i < 2:
            MilestoneReferenceFactory(milestone=m, code=aoi8)
    url = reverse("programmes:milestone_list", args=[programme.slug])
    rows = _rows(board_client.get(url, {"format": "csv", "reference": "AOI8", "rating": "red"}))
    assert [r["ref"] for r in rows] == ["1.1"]


def test_xlsx_export_opens_with_the_same_columns(board_client, programme):
    MilestoneFactory(workstream=WorkstreamFactory(programme=programme), ref="1.1")
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url, {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, first = list(sheet.iter_rows(values_only=True))[:2]
    assert list(header[: len(REQUIRED)]) == REQUIRED
    assert first[0] == "1.1"


def test_unknown_export_format_is_a_400(board_client, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url, {"format": "pdf"})
    assert response.status_code == 400
    assert "csv" in response.content.decode()


def test_list_page_links_to_exports_with_the_current_filters(board_client, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    html = board_client.get(url, {"rating": "red"}).content.decode()
    assert "rating=red&amp;format=csv" in html
    assert "rating=red&amp;format=xlsx" in html
