"""The History tab and the change log cost the same queries for 10 and for 100 changes: every
page of changes is read set-based (one query per kind of record, never one per row)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programmes.choices import Rating
from programmes.models import StatusUpdate
from tests.programmes.factories import (
    FrameworkCodeFactory,
    GovernanceBodyFactory,
    MilestoneFactory,
    MilestoneReferenceFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db


def _changes(milestone, n: int, start: int = 0) -> None:
    """n changes of every kind a milestone has: title, body, leads, references, status."""
    bodies = [GovernanceBodyFactory() for _ in range(2)]
    for i in range(start, start + n):
        kind = i % 5
        if kind == 0:
            milestone.title = f"Title {i}"
            milestone.save()
        elif kind == 1:
            milestone.governance_body = bodies[i % 2]
            milestone.save()
        elif kind == 2:
            milestone.leads.add(PersonFactory())
        elif kind == 3:
            MilestoneReferenceFactory(milestone=milestone, code=FrameworkCodeFactory())
        else:
            StatusUpdate.objects.create(
                milestone=milestone, rating=Rating.AMBER, as_of=date(2018, 9, 1 + i % 28),
                cause="c", path_to_green="p", author_name="pm",
            )  # fmt: skip


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
        assert response.status_code == 200
    return len(captured)


@pytest.fixture
def milestone(db):
    programme = ProgrammeFactory(slug="wiltshire", reporting_date=date(2018, 9, 6))
    return MilestoneFactory(workstream=WorkstreamFactory(programme=programme))


def test_a_milestone_history_tab_costs_the_same_for_10_and_100_changes(board_client, milestone):
    url = reverse("programmes:milestone_history", args=[milestone.programme.slug, milestone.pk])
    _changes(milestone, 10)
    small = _queries(board_client, url)
    _changes(milestone, 90, start=10)
    large = _queries(board_client, url)
    assert large == small
    assert len(board_client.get(url).context["table"].page.object_list) == 50


def test_the_change_log_costs_the_same_for_10_and_100_changes(admin_client_role, milestone):
    url = reverse("audit_log")
    _changes(milestone, 10)
    small = _queries(admin_client_role, url)
    filtered = _queries(admin_client_role, url, {"object_type": "programmes.milestone"})
    _changes(milestone, 90, start=10)
    assert _queries(admin_client_role, url) == small
    assert _queries(admin_client_role, url, {"object_type": "programmes.milestone"}) == filtered
