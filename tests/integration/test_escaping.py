"""Whatever people type is shown as text: script and HTML in any free-text field is escaped on
every page that shows it, and a formula stays text in every CSV and Excel download."""

import csv
import io
import json
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from integration.htmx import htmx_event_header
from programmes.choices import Rating, StatusSource
from programmes.services import status_record
from tests.programmes.factories import (
    GovernanceBodyFactory,
    MilestoneFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db

SCRIPT = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
FORMULA = '=HYPERLINK("http://example.invalid","Click")'


@pytest.fixture
def hostile(admin_user):
    """A programme whose every free-text field holds a script payload; the milestone title
    is a spreadsheet formula."""
    programme = ProgrammeFactory(
        slug="wiltshire-integration", name=f"Programme {SCRIPT}", reporting_date=date(2018, 9, 6)
    )
    body = GovernanceBodyFactory(acronym="WDG", name=f"Board {SCRIPT}")
    workstream = WorkstreamFactory(
        programme=programme, number="1", name=f"Theme {SCRIPT}", sro_text=f"SRO {SCRIPT}"
    )
    milestone = MilestoneFactory(
        programme=programme,
        workstream=workstream,
        ref="1.1",
        title=FORMULA,
        lead_text=f"Lead {SCRIPT}",
        sub_group=f"Group {SCRIPT}",
        governance_body=body,
        baseline_end=date(2018, 8, 31),
    )
    milestone.leads.add(PersonFactory(name=f"Person {SCRIPT}", initials="XX"))
    status_record(
        milestone=milestone,
        rating=Rating.RED,
        as_of=date(2018, 9, 1),
        author=admin_user,
        narrative=f"Narrative {SCRIPT}",
        cause=f"Cause {SCRIPT}",
        path_to_green=f"Path {SCRIPT}",
        source=StatusSource.BROWSER,
    )
    return milestone


def _pages(milestone):
    slug = milestone.programme.slug
    return [
        reverse("home"),
        reverse("programmes:programme_list"),
        reverse("programmes:programme_detail", args=[slug]),
        reverse("programmes:milestone_list", args=[slug]),
        reverse("programmes:milestone_detail", args=[slug, milestone.pk]),
        reverse("programmes:exception_report", args=[slug]),
        reverse("programmes:changes", args=[slug]) + "?since=2018-08-01&until=2018-09-06",
        reverse("programmes:milestone_history", args=[slug, milestone.pk]),
        reverse("audit_log"),
    ]


def test_script_in_every_free_text_field_is_shown_as_text(admin_client_role, hostile):
    for url in _pages(hostile):
        response = admin_client_role.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert "<script>alert(1)</script>" not in html, url
        assert "onerror=alert(2)>" not in html.replace("&gt;", ""), url


@pytest.mark.parametrize("name", ["milestone_list", "exception_report"])
def test_a_formula_stays_text_in_csv_and_excel_downloads(admin_client_role, hostile, name):
    url = reverse(f"programmes:{name}", args=[hostile.programme.slug])
    text = admin_client_role.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert "'" + FORMULA in cells
    assert FORMULA not in cells
    workbook = load_workbook(io.BytesIO(admin_client_role.get(url, {"format": "xlsx"}).content))
    values = [c.value for row in workbook.active.iter_rows() for c in row]
    assert "'" + FORMULA in values
    assert FORMULA not in values


def test_the_htmx_status_message_header_carries_no_markup_or_line_breaks():
    header = htmx_event_header("statusRecorded", message='1.1 <b>"x"</b>\r\nSet-Cookie: a=b é')
    assert "<" not in header and ">" not in header
    assert "\r" not in header and "\n" not in header
    assert header.isascii()
    assert json.loads(header) == {
        "statusRecorded": {"message": '1.1 <b>"x"</b>\r\nSet-Cookie: a=b é'}
    }
