"""The home page shows each role what it needs first."""

from datetime import date

import pytest

from programmes.choices import Rating, StatusSource
from programmes.services import status_record
from tests.programmes.factories import (
    MilestoneFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db
SEPT_6 = date(2018, 9, 6)


@pytest.fixture
def workstream():
    programme = ProgrammeFactory(name="Wiltshire plan", slug="wilts", reporting_date=SEPT_6)
    return WorkstreamFactory(programme=programme, number="1")


def _milestone(workstream, ref, **kwargs):
    return MilestoneFactory(
        workstream=workstream, programme=workstream.programme, ref=ref, **kwargs
    )


def test_board_member_sees_each_programme_with_its_exception_count(board_client, workstream):
    red = _milestone(workstream, "1.1")
    status_record(
        milestone=red,
        rating=Rating.RED,
        as_of=SEPT_6,
        cause="c",
        path_to_green="p",
        source=StatusSource.IMPORT,
    )
    green = _milestone(workstream, "1.2")
    status_record(milestone=green, rating=Rating.GREEN, as_of=SEPT_6)
    response = board_client.get("/")
    summary = response.context["summaries"][0]
    assert summary.programme.slug == "wilts"
    assert len(summary.report.rows) == 1
    assert "Milestones that need updating" not in response.content.decode()


def test_programme_manager_sees_due_overdue_and_stale_milestones_with_their_own_first(
    pm_client, pm_user, workstream
):
    me = PersonFactory(initials="PM", user=pm_user)
    overdue = _milestone(workstream, "5.1", baseline_end=date(2018, 8, 31))
    status_record(milestone=overdue, rating=Rating.GREEN, as_of=SEPT_6)
    due = _milestone(workstream, "1.21", baseline_end=date(2018, 9, 30), leads=[me])
    status_record(milestone=due, rating=Rating.GREEN, as_of=SEPT_6)
    later = _milestone(workstream, "1.1", baseline_end=date(2019, 3, 31))
    status_record(milestone=later, rating=Rating.GREEN, as_of=SEPT_6)
    _milestone(workstream, "1.5")  # never updated: stale
    response = pm_client.get("/")
    items = response.context["worklists"][0].items
    assert [item.milestone.ref for item in items] == ["1.21", "5.1", "1.5"]
    assert items[0].led_by_user and items[0].labels == ["Due by 30 Sep 2018"]
    html = response.content.decode()
    assert "You lead this" in html
    assert "Overdue by 6 days" in html
