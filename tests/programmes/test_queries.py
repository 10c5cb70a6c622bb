"""Query counts locked: ten times the data costs no more queries (list, overview, milestone page).

The counts include the request's own queries (session, user, roles) so a change anywhere on
the page shows up here.
"""

from datetime import date

import pytest
from django.urls import reverse

from programmes.choices import Rating
from programmes.models import Milestone, StatusUpdate, UnresolvedReference
from tests.programmes.factories import (
    FrameworkCodeFactory,
    FrameworkFactory,
    GovernanceBodyFactory,
    MilestoneFactory,
    MilestoneReferenceFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db

RATINGS = [Rating.RED, Rating.AMBER, Rating.GREEN, Rating.COMPLETE, Rating.NOT_RATED]

# Session, user, the user's roles; then the page's own queries.
LIST_QUERIES = 14
LIST_EXPORT_QUERIES = 12
OVERVIEW_QUERIES = 8  # includes the linked metrics (their statuses only when there are links)
DETAIL_QUERIES = 13


def _plan(n: int):
    """A programme with n milestones spread over 3 workstreams, each with leads, references,
    an unresolved reference on some, sub-steps and a status history of n/10 rows."""
    programme = ProgrammeFactory(slug="wiltshire-integration", reporting_date=date(2018, 9, 6))
    workstreams = [WorkstreamFactory(programme=programme) for _ in range(3)]
    for ws in workstreams:
        ws.sros.add(PersonFactory(), PersonFactory())
    people = [PersonFactory() for _ in range(5)]
    bodies = [GovernanceBodyFactory(acronym=a) for a in ("WDG", "JCB", "HWB")]
    aoi = FrameworkFactory(slug="cqc-aoi")
    codes = [FrameworkCodeFactory(framework=aoi, code=f"AOI{i}") for i in range(1, 5)]
    first = None
    for i in range(n):
        m = MilestoneFactory(
            workstream=workstreams[i % 3],
            rating=RATINGS[i % len(RATINGS)],
            governance_body=bodies[i % 3],
            baseline_end=date(2018, 8 + i % 3, 1),
            parent=first if i % 7 == 6 else None,
            leads=[people[i % 5], people[(i + 1) % 5]],
        )
        first = first or m
        MilestoneReferenceFactory(milestone=m, code=codes[i % 4])
        MilestoneReferenceFactory(milestone=m, code=codes[(i + 1) % 4])
        if i % 5 == 0:
            u = UnresolvedReference.objects.create(milestone=m, framework=aoi, raw_token="AO13")
            u.candidates.set(codes[:2])
    for j in range(max(1, n // 10)):
        StatusUpdate.objects.create(
            milestone=first, rating=Rating.AMBER, as_of=date(2018, 1, 1 + j % 28),
            cause="c", path_to_green="p", author_name="pm",
        )  # fmt: skip
    return programme, first


@pytest.mark.parametrize("n", [10, 200])
def test_milestone_list_query_count_is_constant(pm_client, django_assert_num_queries, n):
    programme, _ = _plan(n)
    url = reverse("programmes:milestone_list", args=[programme.slug])
    with django_assert_num_queries(LIST_QUERIES):
        response = pm_client.get(url, {"sort": "rating"})
        assert response.status_code == 200
    assert len(response.context["table"].page.object_list) == min(n, 50)


@pytest.mark.parametrize("n", [10, 200])
def test_filtered_milestone_list_query_count_is_constant(pm_client, django_assert_num_queries, n):
    programme, _ = _plan(n)
    url = reverse("programmes:milestone_list", args=[programme.slug])
    params = {"reference": "AOI2", "rating": ["red", "amber"], "overdue": "yes", "q": "Mile"}
    with django_assert_num_queries(LIST_QUERIES):
        assert pm_client.get(url, params).status_code == 200


@pytest.mark.parametrize("n", [10, 200])
def test_milestone_export_query_count_is_constant(board_client, django_assert_num_queries, n):
    programme, _ = _plan(n)
    url = reverse("programmes:milestone_list", args=[programme.slug])
    with django_assert_num_queries(LIST_EXPORT_QUERIES):
        response = board_client.get(url, {"format": "csv"})
        assert response.status_code == 200
    assert response.content.decode("utf-8-sig").count("\n") == n + 1


@pytest.mark.parametrize("n", [10, 200])
def test_programme_overview_query_count_is_constant(board_client, django_assert_num_queries, n):
    programme, _ = _plan(n)
    url = reverse("programmes:programme_detail", args=[programme.slug])
    with django_assert_num_queries(OVERVIEW_QUERIES):
        response = board_client.get(url)
        assert response.status_code == 200
    assert sum(r.total for r in response.context["rows"]) == n


@pytest.mark.parametrize("n", [10, 200])
def test_programme_list_query_count_is_constant(board_client, django_assert_num_queries, n):
    _plan(n)
    with django_assert_num_queries(5):
        assert board_client.get(reverse("programmes:programme_list")).status_code == 200


@pytest.mark.parametrize("n", [10, 200])
def test_milestone_page_query_count_is_constant(pm_client, django_assert_num_queries, n):
    programme, first = _plan(n)
    url = reverse("programmes:milestone_detail", args=[programme.slug, first.pk])
    with django_assert_num_queries(DETAIL_QUERIES):
        response = pm_client.get(url)
        assert response.status_code == 200
    assert len(response.context["milestone"].status_history) == max(1, n // 10)
    assert len(response.context["milestone"].sub_step_list) == len(range(6, n, 7))


def test_every_milestone_in_the_plan_is_in_the_list_count(pm_client):
    programme, _ = _plan(10)
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = pm_client.get(url)
    assert response.context["table"].paginator.count == Milestone.objects.count()
