"""The board's view of the demo plan: the exception report as at 6 September 2018."""

import io
from datetime import date

import pytest
from django.urls import reverse

from programmes.demo import load_demo_data
from programmes.models import Milestone

pytestmark = pytest.mark.django_db
URL = reverse("programmes:exception_report", args=["wiltshire-integration"])


@pytest.fixture(autouse=True)
def demo():
    load_demo_data(stdout=io.StringIO())


def _listed(client, **query) -> dict[str, list[str]]:
    report = client.get(URL, query).context["report"]
    return {row.milestone.ref: row.reasons for row in report.rows}


def test_demo_report_lists_exactly_the_overdue_and_undated_milestones(board_client):
    listed = _listed(board_client)
    # Theme 5 ended in August 2018 (6 days before the board); 7.1-7.4 end "To be defined".
    overdue = {"5.1", "5.2", "5.3", "5.5", "5.6", "5.8", "5.9", "5.10"}
    undated = {"7.1", "7.2", "7.3", "7.4"}
    assert listed == {
        **{ref: ["overdue"] for ref in overdue},
        **{ref: ["no_end_date"] for ref in undated},
    }


def _set_status(client, ref: str, **fields):
    milestone = Milestone.objects.get(programme__slug="wiltshire-integration", ref=ref)
    url = reverse("programmes:status_update", args=["wiltshire-integration", milestone.pk])
    return client.post(url, fields)


RED = {
    "rating": "red",
    "narrative": "Co-design sessions cancelled",
    "cause": "No service user representatives recruited",
    "path_to_green": "Recruit through Healthwatch by October",
}


def test_a_rating_set_by_the_programme_manager_moves_a_milestone_in_and_out(
    pm_client, board_client
):
    assert _set_status(pm_client, "1.1", **RED).status_code == 302
    assert _listed(board_client)["1.1"] == ["rating"]
    _set_status(pm_client, "1.1", rating="green", narrative="Representatives recruited")
    assert "1.1" not in _listed(board_client)


def test_after_the_period_closes_a_new_rating_shows_now_and_the_old_one_as_at_before(
    pm_client, board_client
):
    pm_client.post(
        reverse("programmes:reporting_date_set", args=["wiltshire-integration"]),
        {"reporting_date": "2018-10-04"},
    )
    _set_status(pm_client, "1.1", **RED)
    now = board_client.get(URL).context["report"]
    row = next(r for r in now.rows if r.milestone.ref == "1.1")
    assert (now.as_of, row.status.rating, row.previous.rating) == (
        date(2018, 10, 4),
        "red",
        "not_rated",
    )
    assert "1.1" not in _listed(board_client, as_of="2018-09-06")
