"""What a person can type into a query string is bounded: a date off the calendar or a page
size of minus one gets a plain message or a sensible page, never a server error."""

import pytest
from django.urls import reverse

from integration.tables import MAX_PER_PAGE
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    programme = ProgrammeFactory(slug="wiltshire-integration")
    workstream = WorkstreamFactory(programme=programme, number="1")
    for i in range(1, 4):
        MilestoneFactory(programme=programme, workstream=workstream, ref=f"1.{i}")
    return programme


@pytest.mark.parametrize("as_of", ["01/01/0001", "0001-01-01", "9999-12-31", "1899-12-31"])
def test_an_as_at_date_off_the_calendar_is_a_plain_message(admin_client_role, programme, as_of):
    url = reverse("programmes:exception_report", args=[programme.slug])
    response = admin_client_role.get(url, {"as_of": as_of})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter a date between 2000 and 2100" in html


def test_a_changes_report_from_year_one_is_a_plain_message(admin_client_role, programme):
    url = reverse("programmes:changes", args=[programme.slug])
    response = admin_client_role.get(url, {"since": "0001-01-01", "until": "0001-01-02"})
    assert response.status_code == 200
    assert "Enter a date between 2000 and 2100" in response.content.decode()


@pytest.mark.parametrize("per_page", ["-1", "0", "100000000"])
def test_a_page_size_out_of_range_is_brought_within_bounds(admin_client_role, programme, per_page):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = admin_client_role.get(url, {"per_page": per_page})
    assert response.status_code == 200
    page_size = response.context["table"].page.paginator.per_page
    assert 1 <= page_size <= MAX_PER_PAGE


def test_the_uploads_list_takes_no_negative_page_size(admin_client_role):
    response = admin_client_role.get(reverse("metrics:upload_list"), {"per_page": "-1"})
    assert response.status_code == 200
