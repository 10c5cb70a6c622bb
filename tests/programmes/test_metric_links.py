"""Workstreams linked to the metrics they aim to move, shown on both sides."""

from datetime import date

import pytest
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics.panels import metric_page_panels
from programmes.choices import Rating
from programmes.metric_links import linked_work_panel
from programmes.models import MetricLink
from programmes.services import status_record
from tests.metrics.factories import NEL, WOLVERHAMPTON, area, metric, wolverhampton_nel
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def workstream():
    programme = ProgrammeFactory(slug="wolves", name="Wolverhampton BCF", area="Wolverhampton")
    return WorkstreamFactory(programme=programme, number="2", name="Admission avoidance")


def _url(workstream):
    return reverse("programmes:workstream_detail", args=[workstream.programme.slug, "2"])


def _link_form(**extra):
    return {"metric": metric(NEL).pk, "area": area(WOLVERHAMPTON).pk, **extra}


def test_programme_manager_links_a_workstream_to_a_metric_and_sees_its_status(
    pm_client, workstream
):
    wolverhampton_nel()
    response = pm_client.post(_url(workstream), _link_form(note="Fewer emergency admissions"))
    assert response.status_code == 302
    link = MetricLink.objects.get()
    assert (link.workstream, link.metric.code, link.area.code) == (workstream, NEL, WOLVERHAMPTON)
    page = pm_client.get(_url(workstream)).content.decode()
    assert "Fewer emergency admissions" in page
    status = pm_client.get(_url(workstream)).context["linked"][0].status
    assert status.label in page and status.reason in page
    assert 'data-chart="sparkline-' in page and "plotly.min" in page


def test_linking_the_same_metric_twice_is_refused_with_a_message(pm_client, workstream):
    pm_client.post(_url(workstream), _link_form())
    response = pm_client.post(_url(workstream), _link_form())
    assert response.status_code == 400
    assert "is already linked here" in response.content.decode()
    assert MetricLink.objects.count() == 1


def test_a_milestone_of_another_workstream_cannot_be_chosen(pm_client, workstream):
    other = MilestoneFactory()
    response = pm_client.post(_url(workstream), _link_form(milestone=other.pk))
    assert response.status_code == 400
    assert MetricLink.objects.count() == 0


def test_missing_metric_shows_an_error_summary(pm_client, workstream):
    response = pm_client.post(_url(workstream), {"area": area(WOLVERHAMPTON).pk})
    html = response.content.decode()
    assert "There is a problem" in html and "Choose the metric this work aims to move" in html


def test_board_member_cannot_link_or_remove(board_client, workstream):
    assert board_client.post(_url(workstream), _link_form()).status_code == 403
    link = MetricLink.objects.create(
        workstream=workstream, metric=metric(NEL), area=area(WOLVERHAMPTON)
    )
    remove = reverse(
        "programmes:metric_link_remove", args=[workstream.programme.slug, "2", link.pk]
    )
    assert board_client.post(remove).status_code == 403
    assert MetricLink.objects.count() == 1


def test_programme_manager_removes_a_link(pm_client, workstream):
    link = MetricLink.objects.create(
        workstream=workstream, metric=metric(NEL), area=area(WOLVERHAMPTON)
    )
    remove = reverse(
        "programmes:metric_link_remove", args=[workstream.programme.slug, "2", link.pk]
    )
    assert pm_client.post(remove).status_code == 302
    assert not MetricLink.objects.exists()


def test_overview_shows_metric_status_beside_workstream_ratings(board_client, workstream):
    wolverhampton_nel()
    MetricLink.objects.create(workstream=workstream, metric=metric(NEL), area=area(WOLVERHAMPTON))
    response = board_client.get(
        reverse("programmes:programme_detail", args=[workstream.programme.slug])
    )
    html = response.content.decode()
    item = response.context["linked_metrics"][workstream.pk][0]
    assert "Metrics it aims to move" in html
    assert f">{item.status.label}</strong>" in html


def test_overview_query_count_does_not_grow_with_links(board_client, workstream):
    from django.db import connection

    url = reverse("programmes:programme_detail", args=[workstream.programme.slug])
    MetricLink.objects.create(workstream=workstream, metric=metric(NEL), area=area(WOLVERHAMPTON))
    with CaptureQueriesContext(connection) as one:
        board_client.get(url)
    programme = workstream.programme
    for number in range(3, 8):
        ws = WorkstreamFactory(programme=programme, number=str(number))
        MetricLink.objects.create(workstream=ws, metric=metric(NEL), area=area(WOLVERHAMPTON))
    with CaptureQueriesContext(connection) as six:
        board_client.get(url)
    assert len(six.captured_queries) == len(one.captured_queries)


def test_metric_page_panel_lists_linked_workstreams_with_their_worst_rating(workstream, admin_user):
    red = MilestoneFactory(workstream=workstream, programme=workstream.programme)
    status_record(
        milestone=red, rating=Rating.RED, as_of=date(2018, 9, 6), cause="c", path_to_green="p"
    )
    MilestoneFactory(workstream=workstream, programme=workstream.programme)
    MetricLink.objects.create(workstream=workstream, metric=metric(NEL), area=area(WOLVERHAMPTON))
    panels = metric_page_panels(area=area(WOLVERHAMPTON), metric=metric(NEL), user=admin_user)
    panel = next(p for p in panels if p.template.endswith("metric_links_panel.html"))
    [item] = panel.context["items"]
    assert item.link.workstream == workstream and item.rating == Rating.RED


def test_panel_says_when_nothing_is_linked(admin_user):
    panel = linked_work_panel(area=area(WOLVERHAMPTON), metric=metric(NEL), user=admin_user)
    assert panel.context["items"] == []


def test_metric_page_lists_the_linked_workstream_with_its_rating(board_client, workstream):
    wolverhampton_nel()
    milestone = MilestoneFactory(workstream=workstream, programme=workstream.programme)
    status_record(
        milestone=milestone,
        rating=Rating.AMBER,
        as_of=date(2018, 9, 6),
        cause="Winter pressures",
        path_to_green="Extra reablement hours",
    )
    MetricLink.objects.create(workstream=workstream, metric=metric(NEL), area=area(WOLVERHAMPTON))
    url = reverse("metrics:metric_detail", args=[WOLVERHAMPTON, NEL])
    html = board_client.get(url).content.decode()
    assert "Work that aims to move this metric" in html
    assert "2. Admission avoidance" in html and "Wolverhampton BCF" in html
    assert ">Amber</strong>" in html
