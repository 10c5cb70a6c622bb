"""Per-programme access, as people notice it: a contributor records status on their own
workstream only, with the refusal in the change log; someone from another programme sees
nothing of Wiltshire anywhere; managers run the Members page."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from integration import roles
from metrics.models import Area, Metric
from programmes.choices import MembershipRole
from programmes.demo import SLUG
from programmes.models import (
    AccessRefusal,
    Membership,
    MetricLink,
    Milestone,
    Programme,
    StatusUpdate,
    Team,
)
from programmes.services import membership_add, membership_change, membership_remove
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db

STATUS = {
    "rating": "green",
    "narrative": "Workshops held",
    "cause": "",
    "path_to_green": "",
    "forecast_end": "",
    "forecast_reason": "",
}


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    return Programme.objects.get(slug=SLUG)


def _status_url(milestone: Milestone) -> str:
    return reverse("programmes:status_update", args=[milestone.programme.slug, milestone.pk])


def test_demo_contributor_records_status_on_1_1_and_is_refused_on_2_1_with_both_in_the_log(
    demo,
):
    contributor = User.objects.get(username="contributor")
    client = _signed_in(contributor)
    on_1_1 = Milestone.objects.get(programme=demo, workstream__number="1", ref="1.1")
    on_2_1 = Milestone.objects.get(programme=demo, workstream__number="2", ref="2.1")

    allowed = client.post(_status_url(on_1_1), STATUS)
    refused = client.post(_status_url(on_2_1), STATUS)

    assert allowed.status_code == 302
    assert refused.status_code == 403
    assert "only on milestones of your workstreams" in refused.content.decode()
    update = StatusUpdate.objects.get(milestone=on_1_1, author__isnull=False)
    assert update.author == contributor
    assert not StatusUpdate.objects.filter(milestone=on_2_1, author=contributor).exists()
    # The audit trail: the allowed edit's history row and the refusal, each with the user.
    assert update.history.get().history_user == contributor
    refusal = AccessRefusal.objects.get()
    assert refusal.user == contributor
    assert refusal.permission == "programmes.change_milestone_status"
    assert refusal.history.get().history_user == contributor
    admin = User.objects.get(username="admin")
    log = _signed_in(admin).get(reverse("audit_log"), {"user": contributor.pk})
    html = log.content.decode()
    assert "Access refusal" in html
    assert "Status update" in html


@pytest.fixture
def second_programme_user(demo):
    """A board member of another area's programme, with nothing in Wiltshire."""
    other = ProgrammeFactory(slug="swindon", name="Swindon Better Care Fund")
    user = User.objects.create_user(username="swindon-board", password="x")
    user.groups.add(Group.objects.get(name=roles.BOARD_MEMBER))
    Membership.objects.create(programme=other, user=user, role=MembershipRole.VIEWER)
    return user


def test_a_user_of_a_second_programme_sees_nothing_of_wiltshire_anywhere(
    demo, second_programme_user
):
    client = _signed_in(second_programme_user)
    milestone = Milestone.objects.filter(programme=demo).first()
    link = MetricLink.objects.filter(workstream__programme=demo).select_related("area", "metric")
    link = link.first()
    assert link is not None, "the demo links workstream 1 to a metric"
    hidden = [
        reverse("programmes:programme_detail", args=[SLUG]),
        reverse("programmes:milestone_list", args=[SLUG]),
        reverse("programmes:milestone_list", args=[SLUG]) + "?format=csv",
        reverse("programmes:milestone_list", args=[SLUG]) + "?format=xlsx",
        reverse("programmes:exception_report", args=[SLUG]) + "?format=csv",
        reverse("programmes:changes", args=[SLUG]) + "?format=xlsx",
        reverse("programmes:coverage", args=[SLUG]),
        reverse("programmes:programme_history", args=[SLUG]),
        reverse("programmes:milestone_detail", args=[SLUG, milestone.pk]),
        reverse("programmes:milestone_history", args=[SLUG, milestone.pk]),
        reverse("programmes:workstream_detail", args=[SLUG, "1"]),
        reverse("programmes:membership_list", args=[SLUG]),
        reverse("programmes:reference_review", args=[SLUG]),
    ]
    for url in hidden:
        assert client.get(url).status_code == 404, url
    # Lists, the home page and the metric page never link to the programme.
    wiltshire_page = reverse("programmes:programme_detail", args=[SLUG])
    for url in (
        reverse("home"),
        reverse("programmes:programme_list"),
        reverse("metrics:metric_detail", args=[link.area.code, link.metric.code]),
    ):
        html = client.get(url).content.decode()
        assert wiltshire_page not in html, url
    # The same pages for a Wiltshire member do link it (so the checks above can fail).
    board = _signed_in(User.objects.get(username="board"))
    metric_page = reverse("metrics:metric_detail", args=[link.area.code, link.metric.code])
    assert wiltshire_page in board.get(metric_page).content.decode()
    assert wiltshire_page in board.get(reverse("home")).content.decode()


def test_a_programme_manager_role_alone_does_not_edit_another_programme(pm_user):
    theirs = ProgrammeFactory(slug="theirs")
    Membership.objects.filter(user=pm_user).delete()  # pm manages no programme now
    milestone = MilestoneFactory(workstream=WorkstreamFactory(programme=theirs))
    client = _signed_in(pm_user)
    assert client.get(_status_url(milestone)).status_code == 404
    edit = reverse("programmes:milestone_edit", args=[theirs.slug, milestone.pk])
    assert client.post(edit, {"title": "Changed"}).status_code == 404


def test_a_team_membership_lets_every_member_of_the_team_read(outsider_user):
    programme = ProgrammeFactory(slug="team-programme")
    team = Team.objects.create(name="Wiltshire Council commissioning")
    team.members.add(outsider_user)
    client = _signed_in(outsider_user)
    url = reverse("programmes:programme_detail", args=[programme.slug])
    assert client.get(url).status_code == 404
    membership_add(programme=programme, team=team, role=MembershipRole.VIEWER)
    assert client.get(url).status_code == 200
    assert list(Programme.objects.visible_to(outsider_user)) == [programme]
    assert list(Programme.objects.editable_by(outsider_user)) == []


def test_managers_add_change_and_remove_members_on_the_members_page(
    pm_client, pm_user, outsider_user
):
    programme = ProgrammeFactory(slug="members-page")
    workstream = WorkstreamFactory(programme=programme, number="1")
    url = reverse("programmes:membership_list", args=[programme.slug])
    response = pm_client.post(
        url,
        {"user": outsider_user.pk, "role": "contributor", "workstreams": [workstream.pk],
         "reason": "Leads the framework work"},
    )  # fmt: skip
    assert response.status_code == 302
    membership = Membership.objects.get(programme=programme, user=outsider_user)
    assert list(membership.workstreams.all()) == [workstream]
    added = membership.history.earliest()
    assert added.history_change_reason == "Leads the framework work"
    assert added.history_user == pm_user
    page = pm_client.get(url).content.decode()
    assert "Contributor" in page and "outsider" in page
    edit = reverse("programmes:membership_edit", args=[programme.slug, membership.pk])
    assert pm_client.post(edit, {"role": "viewer"}).status_code == 302
    membership.refresh_from_db()
    assert membership.role == MembershipRole.VIEWER
    assert list(membership.workstreams.all()) == []
    remove = reverse("programmes:membership_remove", args=[programme.slug, membership.pk])
    assert pm_client.post(remove).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_manager_cannot_be_removed_or_demoted(pm_user):
    programme = ProgrammeFactory(slug="last-manager")
    only = Membership.objects.get(programme=programme, user=pm_user)
    with pytest.raises(Exception, match="at least one manager"):
        membership_remove(membership=only)
    with pytest.raises(Exception, match="at least one manager"):
        membership_change(membership=only, role=MembershipRole.VIEWER)


def test_a_viewer_sees_the_members_but_no_form(board_client):
    programme = ProgrammeFactory(slug="viewer-members")
    response = board_client.get(reverse("programmes:membership_list", args=[programme.slug]))
    assert response.status_code == 200
    assert "Add a member" not in response.content.decode()


def test_analysts_apply_only_for_their_areas(analyst_user):
    from metrics.models import AnalystArea
    from metrics.services import UploadError, upload_apply, upload_create

    AnalystArea.objects.filter(user=analyst_user).exclude(area__code="E06000054").delete()
    metric = Metric.objects.get(code="non-elective-admissions")
    wolverhampton = Area.objects.get(code="E08000031")
    content = (
        f"area_code,metric_code,period,value\n{wolverhampton.code},{metric.code},2018-04,10\n"
    ).encode()
    upload = upload_create(content=content, filename="activity.csv", user=analyst_user)
    with pytest.raises(UploadError, match="You do not publish data for Wolverhampton"):
        upload_apply(upload=upload, user=analyst_user)
    AnalystArea.objects.create(user=analyst_user, area=wolverhampton)
    upload.refresh_from_db()
    assert upload_apply(upload=upload, user=analyst_user).new_count == 1


def test_a_contributor_records_status_on_milestones_they_lead_in_other_workstreams(
    outsider_user,
):
    from tests.programmes.factories import PersonFactory

    programme = ProgrammeFactory(slug="leads")
    mine, other = (WorkstreamFactory(programme=programme, number=n) for n in ("1", "2"))
    on_mine = MilestoneFactory(workstream=mine)
    led = MilestoneFactory(workstream=other, leads=[PersonFactory(user=outsider_user)])
    not_led = MilestoneFactory(workstream=other)
    membership_add(
        programme=programme,
        user=outsider_user,
        role=MembershipRole.CONTRIBUTOR,
        workstreams=[mine],
    )
    editable = Milestone.objects.status_editable_by(outsider_user)
    assert set(editable) == {on_mine, led}
    assert set(Milestone.objects.visible_to(outsider_user)) == {on_mine, led, not_led}
    assert outsider_user.has_perm("programmes.change_milestone_status", led)
    assert not outsider_user.has_perm("programmes.change_milestone_status", not_led)
    assert not outsider_user.has_perm("programmes.change_programme", programme)


def test_a_contributor_sees_update_status_only_on_their_own_milestones(outsider_user):
    programme = ProgrammeFactory(slug="list-rights")
    mine, other = (WorkstreamFactory(programme=programme, number=n) for n in ("1", "2"))
    on_mine = MilestoneFactory(workstream=mine, title="Mine to update")
    on_other = MilestoneFactory(workstream=other, title="Not mine")
    membership_add(
        programme=programme, user=outsider_user, role=MembershipRole.CONTRIBUTOR, workstreams=[mine]
    )
    html = (
        _signed_in(outsider_user)
        .get(reverse("programmes:milestone_list", args=[programme.slug]))
        .content.decode()
    )
    assert _status_url(on_mine) in html
    assert _status_url(on_other) not in html


def _members_page_queries(pm_client, members: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    programme = ProgrammeFactory(slug=f"members-{members}")
    workstream = WorkstreamFactory(programme=programme, number="1")
    for i in range(members):
        user = User.objects.create_user(username=f"member-{members}-{i}")
        membership_add(
            programme=programme,
            user=user,
            role=MembershipRole.CONTRIBUTOR,
            workstreams=[workstream],
        )
    url = reverse("programmes:membership_list", args=[programme.slug])
    with CaptureQueriesContext(connection) as queries:
        assert pm_client.get(url).status_code == 200
    return len(queries)


def test_the_members_page_costs_the_same_for_3_and_30_members(pm_client):
    assert _members_page_queries(pm_client, 3) == _members_page_queries(pm_client, 30)
