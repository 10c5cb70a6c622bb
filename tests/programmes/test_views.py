"""Plan pages: programme list, overview, milestone list, milestone page, forms and rights."""

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from programmes.choices import DatePrecision, MembershipRole, Rating
from programmes.models import Membership, Milestone, StatusUpdate
from programmes.services import status_record
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


@pytest.fixture
def plan(programme):
    """Two workstreams with a few milestones in different states."""
    ws1 = WorkstreamFactory(programme=programme, number="1", name="Care closer to home")
    ws2 = WorkstreamFactory(programme=programme, number="2", name="Shared vision")
    sg = PersonFactory(name="Sara McClellan", initials="SG")
    ws1.sros.add(sg)
    wdg = GovernanceBodyFactory(acronym="WDG")
    aoi = FrameworkFactory(slug="cqc-aoi", name="CQC areas of improvement")
    aoi8 = FrameworkCodeFactory(framework=aoi, code="AOI8")
    aoi9 = FrameworkCodeFactory(framework=aoi, code="AOI9")
    red = MilestoneFactory(
        workstream=ws1, ref="1.1", title="Red one", rating=Rating.RED, leads=[sg],
        governance_body=wdg, baseline_end=date(2018, 8, 31),
    )  # fmt: skip
    amber = MilestoneFactory(
        workstream=ws1, ref="1.2", title="Amber one", rating=Rating.AMBER,
        baseline_end=date(2019, 3, 31),
    )  # fmt: skip
    green = MilestoneFactory(workstream=ws2, ref="2.1", title="Green one", rating=Rating.GREEN)
    MilestoneReferenceFactory(milestone=red, code=aoi8)
    MilestoneReferenceFactory(milestone=amber, code=aoi8)
    MilestoneReferenceFactory(milestone=amber, code=aoi9)
    MilestoneReferenceFactory(milestone=green, code=aoi9)
    return {"ws1": ws1, "ws2": ws2, "red": red, "amber": amber, "green": green, "sg": sg}


def test_programme_list_shows_each_programme_with_its_rating_counts(board_client, plan):
    html = board_client.get(reverse("programmes:programme_list")).content.decode()
    assert "Wiltshire Integration Programme" in html
    assert "Wiltshire" in html
    assert "6 Sep 2018" in html
    # Counts are text beside a tag that names the rating: never colour alone.
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong> 1' in html
    assert '<strong class="govuk-tag govuk-tag--yellow">Amber</strong> 1' in html
    assert '<strong class="govuk-tag govuk-tag--green">Green</strong> 1' in html


def test_programme_overview_has_a_row_per_workstream_with_worst_rating_and_overdue(
    board_client, plan, programme
):
    response = board_client.get(reverse("programmes:programme_detail", args=[programme.slug]))
    rows = response.context["rows"]
    assert [r.workstream.number for r in rows] == ["1", "2"]
    first, second = rows
    assert first.worst == Rating.RED
    assert second.worst == Rating.GREEN
    # As at 6 Sep 2018 only 1.1 (ended 31 Aug 2018) is overdue.
    assert (first.overdue, second.overdue) == (1, 0)
    assert [p.initials for p in first.sros] == ["SG"]
    counts = {rc.rating: rc.count for rc in first.ratings}
    assert counts[Rating.RED] == 1 and counts[Rating.AMBER] == 1 and counts[Rating.GREEN] == 0


def test_overdue_uses_today_when_the_programme_has_no_reporting_date(board_client, plan, programme):
    programme.reporting_date = None
    programme.save()
    response = board_client.get(reverse("programmes:programme_detail", args=[programme.slug]))
    first, second = response.context["rows"]
    # Every baseline end in the fixture is in the past by now.
    assert (first.overdue, second.overdue) == (2, 1)


def test_completed_milestones_are_never_overdue(board_client, plan, programme):
    Milestone.objects.filter(pk=plan["red"].pk).update(completed_on=date(2018, 8, 1))
    response = board_client.get(reverse("programmes:programme_detail", args=[programme.slug]))
    assert response.context["rows"][0].overdue == 0


def test_milestone_list_shows_month_dates_and_undefined_ends(board_client, plan, programme):
    MilestoneFactory(
        workstream=plan["ws2"], ref="7.1", title="Digital", baseline_start=date(2018, 9, 1),
        baseline_start_precision=DatePrecision.MONTH, baseline_end=None,
        baseline_end_precision=DatePrecision.UNDEFINED, baseline_end_raw="To be defined",
    )  # fmt: skip
    html = board_client.get(
        reverse("programmes:milestone_list", args=[programme.slug])
    ).content.decode()
    assert "Sep 2018" in html
    assert "To be defined" in html
    assert 'href="/programmes/wiltshire-integration/milestones/' in html


def test_filtering_by_aoi8_shows_exactly_the_milestones_that_cite_it(board_client, plan, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url, {"reference": "AOI8"})
    shown = {row.record.ref for row in response.context["table"].page.object_list}
    assert shown == {"1.1", "1.2"}


def test_filtering_by_rating_accepts_several_ratings(board_client, plan, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url, {"rating": ["red", "green"]})
    shown = {row.record.ref for row in response.context["table"].page.object_list}
    assert shown == {"1.1", "2.1"}


def test_filtering_by_lead_workstream_and_governance(board_client, plan, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    for params, expected in [
        ({"lead": plan["sg"].pk}, {"1.1"}),
        ({"workstream": plan["ws2"].pk}, {"2.1"}),
        ({"governance": plan["red"].governance_body_id}, {"1.1"}),
        ({"q": "amber one"}, {"1.2"}),
    ]:
        response = board_client.get(url, params)
        shown = {row.record.ref for row in response.context["table"].page.object_list}
        assert shown == expected, params


def test_overdue_and_due_within_filters_use_the_reporting_date(board_client, plan, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url, {"overdue": "yes"})
    assert {r.record.ref for r in response.context["table"].page.object_list} == {"1.1"}
    # 6 Sep 2018 + 300 days reaches 31 Mar 2019 (1.2 and 2.1), not 31 Aug 2018 (overdue).
    response = board_client.get(url, {"due_within": "300"})
    assert {r.record.ref for r in response.context["table"].page.object_list} == {"1.2", "2.1"}
    response = board_client.get(url, {"due_within": "10"})
    assert list(response.context["table"].page.object_list) == []


def test_a_bad_filter_value_is_a_message_not_an_error_page(board_client, plan, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url, {"due_within": "soon"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_sorting_by_rating_puts_the_worst_first(board_client, plan, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url, {"sort": "-rating"})
    refs = [r.record.ref for r in response.context["table"].page.object_list]
    assert refs == ["1.1", "1.2", "2.1"]


def test_milestone_list_pages_at_fifty(board_client, programme):
    ws = WorkstreamFactory(programme=programme)
    MilestoneFactory.create_batch(60, workstream=ws)
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = board_client.get(url)
    assert len(response.context["table"].page.object_list) == 50
    assert 'class="govuk-pagination"' in response.content.decode()
    response = board_client.get(url, {"page": 2})
    assert len(response.context["table"].page.object_list) == 10


def test_milestone_page_shows_raw_texts_history_and_sub_steps(
    board_client, plan, programme, pm_user
):
    red = plan["red"]
    Milestone.objects.filter(pk=red.pk).update(
        lead_text="SG/ Sara McClellan",
        baseline_end_raw="March 2019",
        references_raw="AOI8, AO13",
        governance_raw="WDG",
    )
    sub = MilestoneFactory(workstream=plan["ws1"], parent=red, ref="", title="Meet decision makers")
    aoi = plan["red"].references.first().framework
    from programmes.models import UnresolvedReference

    UnresolvedReference.objects.create(milestone=red, framework=aoi, raw_token="AO13")
    status_record(
        milestone=red, rating=Rating.AMBER, as_of=date(2018, 9, 1), author=pm_user,
        cause="Staff shortage", path_to_green="Recruit two posts", narrative="Older update",
    )  # fmt: skip
    status_record(
        milestone=red, rating=Rating.GREEN, as_of=date(2018, 10, 1), author=pm_user,
        narrative="Newer update",
    )  # fmt: skip
    url = reverse("programmes:milestone_detail", args=[programme.slug, red.pk])
    html = board_client.get(url).content.decode()
    assert "As written: “SG/ Sara McClellan”" in html
    assert "As printed: “March 2019”" in html
    assert "As printed: “AOI8, AO13”" in html
    assert "Unresolved</strong> “AO13”" in html
    assert sub.title in html
    assert html.index("Newer update") < html.index("Older update")
    assert "Recruit two posts" in html
    assert "pm" in html  # the author's name


def test_sub_step_links_to_its_parent(board_client, plan, programme):
    sub = MilestoneFactory(workstream=plan["ws1"], parent=plan["red"], ref="", title="Sub")
    url = reverse("programmes:milestone_detail", args=[programme.slug, sub.pk])
    html = board_client.get(url).content.decode()
    parent_url = reverse("programmes:milestone_detail", args=[programme.slug, plan["red"].pk])
    assert f'href="{parent_url}"' in html


def test_milestone_of_another_programme_is_not_found(board_client, plan):
    other = ProgrammeFactory(slug="other")
    url = reverse("programmes:milestone_detail", args=[other.slug, plan["red"].pk])
    assert board_client.get(url).status_code == 404


# --- Rights -----------------------------------------------------------------------------------


def _reader_of(client, programme):
    """Readers are viewers of the programme (board is one already, as in the demo)."""
    user = User.objects.get(pk=client.session["_auth_user_id"])
    Membership.objects.get_or_create(
        programme=programme, user=user, defaults={"role": MembershipRole.VIEWER}
    )


def test_a_signed_in_user_outside_the_programme_gets_404_on_its_pages(
    outsider_client, plan, programme
):
    for url in [
        reverse("programmes:programme_detail", args=[programme.slug]),
        reverse("programmes:milestone_list", args=[programme.slug]),
        reverse("programmes:milestone_detail", args=[programme.slug, plan["red"].pk]),
        *_write_urls(programme, plan["red"]),
    ]:
        assert outsider_client.get(url).status_code == 404, url
    assert outsider_client.get(reverse("programmes:programme_list")).context["programmes"] == []


def _write_urls(programme, milestone):
    return [
        reverse("programmes:milestone_create", args=[programme.slug]),
        reverse("programmes:milestone_edit", args=[programme.slug, milestone.pk]),
        reverse("programmes:status_update", args=[programme.slug, milestone.pk]),
    ]


@pytest.mark.parametrize("persona", ["board_client", "analyst_client", "outsider_client"])
def test_readers_get_403_on_every_write_get_and_post(request, persona, plan, programme):
    client = request.getfixturevalue(persona)
    _reader_of(client, programme)
    for url in _write_urls(programme, plan["red"]):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"rating": "green", "title": "x"}).status_code == 403, url
    assert StatusUpdate.objects.count() == 0


@pytest.mark.parametrize("persona", ["board_client", "outsider_client"])
def test_readers_see_no_edit_buttons(request, persona, plan, programme):
    client = request.getfixturevalue(persona)
    _reader_of(client, programme)
    red = plan["red"]
    for url in (
        reverse("programmes:milestone_list", args=[programme.slug]),
        reverse("programmes:milestone_detail", args=[programme.slug, red.pk]),
        reverse("programmes:programme_detail", args=[programme.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert "Update status" not in html
        assert "Edit milestone" not in html
        assert "Add a milestone" not in html


@pytest.mark.parametrize("persona", ["pm_client", "admin_client_role"])
def test_editors_see_edit_buttons(request, persona, plan, programme):
    client = request.getfixturevalue(persona)
    html = client.get(
        reverse("programmes:milestone_detail", args=[programme.slug, plan["red"].pk])
    ).content.decode()
    assert "Update status" in html and "Edit milestone" in html
    html = client.get(reverse("programmes:milestone_list", args=[programme.slug])).content.decode()
    assert "Update status" in html


def test_anonymous_users_are_sent_to_sign_in(client, plan, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_cross_reference_select_groups_codes_by_framework_and_keeps_the_choice(
    board_client, plan, programme
):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    html = board_client.get(url, {"reference": "AOI8"}).content.decode()
    assert '<optgroup label="CQC' in html
    assert '<option value="AOI8" selected>' in html
    assert '<option value="" >' not in html


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "999"},
        {"sort": "nonsense"},
        {"workstream": "abc"},
        {"lead": "999999"},
        {"rating": "purple"},
        {"due_within": "99999999999"},
        {"reference": "AOI\x008"},
        {"q": "care\x00"},
        {"overdue": "maybe"},
    ],
)
def test_odd_list_parameters_never_cause_an_error_page(board_client, plan, programme, query):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    assert board_client.get(url, query).status_code == 200


def test_export_format_is_case_insensitive(board_client, plan, programme):
    url = reverse("programmes:milestone_list", args=[programme.slug])
    assert board_client.get(url, {"format": "CSV"})["Content-Type"].startswith("text/csv")
