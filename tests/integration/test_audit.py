"""The audit trail: who changed milestone 1.18 and when, for every field, for edits, imports
and role changes; History tabs for everyone who reads the page; the change log for
administrators only, filterable and downloadable."""

import html
import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from integration import roles
from programmes.models import Milestone, PlanImport
from programmes.reference import frameworks_load
from tests.programmes.factories import (
    GovernanceBodyFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db

HEADER = "Workstream,Ref,Project milestone,Lead,Start Date,End Date,Status,Governance,AOI\n"


@pytest.fixture
def plan(db):
    frameworks_load()
    programme = ProgrammeFactory(
        slug="wiltshire", name="Wiltshire plan", reporting_date=date(2018, 9, 6)
    )
    workstream = WorkstreamFactory(programme=programme, number="1", name="Falls prevention")
    return programme, workstream


def _form(workstream, **overrides):
    data = {
        "workstream": workstream.pk,
        "ref": "1.18",
        "title": "Set up a falls service",
        "sub_group": "",
        "parent": "",
        "lead_text": "",
        "baseline_start": "Aug 2018",
        "baseline_end": "30/09/2018",
        "governance_body": "",
    }
    data.update(overrides)
    return data


def _edit_through_the_views(pm_client, programme, workstream) -> Milestone:
    """Create 1.18, then change its title, end date, leads and governance body."""
    sg = PersonFactory(initials="SG", name="Sara Grey")
    wdg = GovernanceBodyFactory(acronym="WDG", name="Wiltshire Delivery Group")
    create = reverse("programmes:milestone_create", args=[programme.slug])
    assert pm_client.post(create, _form(workstream)).status_code == 302
    milestone = Milestone.objects.get(ref="1.18")
    edit = reverse("programmes:milestone_edit", args=[programme.slug, milestone.pk])
    changed = _form(
        workstream,
        title="Set up a community falls service",
        baseline_end="31/12/2018",
        leads=[sg.pk],
        governance_body=wdg.pk,
        version=milestone.version,
        change_reason="Re-baselined by WDG",
        baseline_change="rebaseline",
        approved_by=wdg.pk,
        baseline_reason="Re-baselined by WDG",
    )
    assert pm_client.post(edit, changed).status_code == 302
    return milestone


def _import(client, programme, line: str) -> PlanImport:
    upload = reverse("programmes:plan_import_upload")
    content = (HEADER + line + "\n").encode()
    client.post(
        upload,
        {
            "programme": programme.pk,
            "as_of": "06/10/2018",
            "file": SimpleUploadedFile("plan.csv", content, content_type="text/csv"),
        },
    )
    plan_import = PlanImport.objects.latest("uploaded_at")
    assert plan_import.report["errors"] == []
    client.post(reverse("programmes:plan_import_confirm", args=[plan_import.pk]))
    plan_import.refresh_from_db()
    return plan_import


def _text(response) -> str:
    """The page's text without markup, whitespace folded, as a reader scans it (the hidden
    "changed to" a screen reader hears between old and new left out)."""
    words = re.sub(r"<[^>]+>", " ", response.content.decode())
    return " ".join(html.unescape(words).split()).replace("→ changed to ", "→ ")


def test_the_audit_page_answers_who_changed_milestone_1_18_and_when_for_every_field(
    pm_client, admin_client_role, board_client, plan
):
    programme, workstream = plan
    milestone = _edit_through_the_views(pm_client, programme, workstream)
    plan_import = _import(
        pm_client,
        programme,
        "Falls prevention,1.18,Set up a community falls service,SG,Aug 2018,Jan 2019,G,WDG,",
    )
    assert plan_import.report["updated"] == 1

    log = admin_client_role.get(
        reverse("audit_log"),
        {"object_type": "programmes.milestone", "object_id": milestone.pk},
    )
    assert log.status_code == 200
    text = _text(log)
    assert "Title: Set up a falls service → Set up a community falls service" in text
    for expected in (
        "Baseline end: 30 Sep 2018 → 31 Dec 2018",
        "Baseline end: 31 Dec 2018 → 31 Jan 2019",
        "Governance body: none → WDG (Wiltshire Delivery Group)",
        "Leads: added Sara Grey (SG)",
    ):
        assert expected in text
    assert "pm" in text  # who: the programme manager's display name
    assert f"{date.today().day} " in text  # when  # noqa: DTZ011

    history = board_client.get(
        reverse("programmes:milestone_history", args=[programme.slug, milestone.pk])
    )
    assert history.status_code == 200
    text = _text(history)
    assert "Baseline end: 30 Sep 2018 → 31 Dec 2018" in text
    assert "Baseline end: 31 Dec 2018 → 31 Jan 2019" in text
    assert f"Applied plan import #{plan_import.pk}: 1 updated" in text
    assert (
        reverse("programmes:plan_import_detail", args=[plan_import.pk]) in history.content.decode()
    )


def test_a_role_given_in_the_admin_appears_in_the_change_log(admin_client_role, board_user):
    analysts, _ = Group.objects.get_or_create(name=roles.ANALYST)
    url = reverse("admin:auth_user_change", args=[board_user.pk])
    page = admin_client_role.get(url)
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password",)}
    data.update(
        {
            "username": board_user.username,
            "groups": [g.pk for g in board_user.groups.all()] + [analysts.pk],
            "date_joined_0": board_user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": board_user.date_joined.strftime("%H:%M:%S"),
            "user_permissions": [],
            "is_active": "on",
        }
    )
    response = admin_client_role.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    text = _text(admin_client_role.get(reverse("audit_log"), {"object_type": "auth.user"}))
    assert "Groups: added Analyst" in text
    assert "admin" in text


def test_only_administrators_see_the_change_log(pm_client, admin_client_role):
    assert pm_client.get(reverse("audit_log")).status_code == 403
    assert admin_client_role.get(reverse("audit_log")).status_code == 200
