"""Milestone create and edit: GOV.UK errors, month-precision dates, stale-edit conflicts."""

from datetime import date

import pytest
from django.urls import reverse

from programmes.choices import DatePrecision
from programmes.models import Milestone
from programmes.services import milestone_update
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


@pytest.fixture
def ws():
    return WorkstreamFactory(programme=ProgrammeFactory(slug="wiltshire-integration"))


def _form_data(ws, **overrides):
    data = {
        "workstream": ws.pk,
        "ref": "1.29",
        "title": "Establish a falls service",
        "sub_group": "",
        "parent": "",
        "lead_text": "SG/ Sara McClellan",
        "baseline_start": "Sept 2018",
        "baseline_end": "March 2019",
        "governance_body": "",
        # Edits that move the dates say why; ignored when the dates stay.
        "baseline_change": "correction",
        "baseline_reason": "Typed wrongly",
    }
    data.update(overrides)
    return data


def test_create_stores_month_precision_dates_and_the_text_as_typed(pm_client, ws):
    sg = PersonFactory(initials="SG")
    code = FrameworkCodeFactory(code="AOI8")
    body = GovernanceBodyFactory(acronym="WDG")
    url = reverse("programmes:milestone_create", args=[ws.programme.slug])
    response = pm_client.post(
        url,
        _form_data(ws, leads=[sg.pk], references=[code.pk], governance_body=body.pk),
    )
    assert response.status_code == 302
    m = Milestone.objects.get(ref="1.29")
    assert (m.baseline_start, m.baseline_start_precision) == (date(2018, 9, 1), "month")
    # A month end date means the end of that month.
    assert (m.baseline_end, m.baseline_end_precision) == (date(2019, 3, 31), "month")
    assert (m.baseline_start_raw, m.baseline_end_raw) == ("Sept 2018", "March 2019")
    assert list(m.leads.all()) == [sg]
    assert list(m.references.all()) == [code]
    assert m.governance_body == body
    assert m.programme == ws.programme
    html = pm_client.get(response["Location"]).content.decode()
    assert "Sep 2018" in html and "Mar 2019" in html


def test_create_accepts_a_day_date_and_to_be_defined_for_the_end(pm_client, ws):
    url = reverse("programmes:milestone_create", args=[ws.programme.slug])
    response = pm_client.post(
        url, _form_data(ws, baseline_start="06/09/2018", baseline_end="To be defined")
    )
    assert response.status_code == 302
    m = Milestone.objects.get(ref="1.29")
    assert (m.baseline_start, m.baseline_start_precision) == (date(2018, 9, 6), "day")
    assert (m.baseline_end, m.baseline_end_precision) == (None, DatePrecision.UNDEFINED)


def test_to_be_defined_is_not_a_start_date(pm_client, ws):
    url = reverse("programmes:milestone_create", args=[ws.programme.slug])
    response = pm_client.post(url, _form_data(ws, baseline_start="To be defined"))
    assert response.status_code == 200
    assert '<a href="#id_baseline_start">' in response.content.decode()


def test_create_errors_show_the_summary_and_keep_what_was_typed(pm_client, ws):
    url = reverse("programmes:milestone_create", args=[ws.programme.slug])
    response = pm_client.post(
        url, _form_data(ws, title="", baseline_end="Marchember 2019", lead_text="EL/DB")
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter the milestone" in html
    assert 'value="Marchember 2019"' in html
    assert 'value="EL/DB"' in html
    assert Milestone.objects.count() == 0


def test_end_before_start_is_rejected(pm_client, ws):
    url = reverse("programmes:milestone_create", args=[ws.programme.slug])
    response = pm_client.post(
        url, _form_data(ws, baseline_start="Dec 2018", baseline_end="Jan 2018")
    )
    assert "The end date must be the same as or after the start" in response.content.decode()


def test_workstream_of_another_programme_is_rejected(pm_client, ws):
    other = WorkstreamFactory(programme=ProgrammeFactory(slug="other"))
    url = reverse("programmes:milestone_create", args=[ws.programme.slug])
    response = pm_client.post(url, _form_data(other))
    assert response.status_code == 200
    assert Milestone.objects.count() == 0


def test_edit_shows_raw_text_and_saves_changes(pm_client, ws):
    m = MilestoneFactory(
        workstream=ws, baseline_end=date(2018, 12, 31), baseline_end_precision="month",
        baseline_end_raw="Dec 2018", lead_text="TW/HJ",
    )  # fmt: skip
    url = reverse("programmes:milestone_edit", args=[ws.programme.slug, m.pk])
    html = pm_client.get(url).content.decode()
    assert 'value="Dec 2018"' in html
    assert f'name="version" value="{m.version}"' in html
    response = pm_client.post(
        url, _form_data(ws, title="Renamed", baseline_end="Jan 2019", version=m.version)
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.title == "Renamed"
    assert m.baseline_end == date(2019, 1, 31)
    assert m.version == 2


def test_edit_keeps_imported_reference_raw_tokens_for_kept_codes(pm_client, ws):
    m = MilestoneFactory(workstream=ws)
    ref = MilestoneReferenceFactory(
        milestone=m, code=FrameworkCodeFactory(code="AOI7"), raw_token="A017"
    )
    ref.auto_corrected = True
    ref.save()
    url = reverse("programmes:milestone_edit", args=[ws.programme.slug, m.pk])
    pm_client.post(url, _form_data(ws, references=[ref.code_id], version=m.version))
    kept = m.milestonereference_set.get()
    assert (kept.raw_token, kept.auto_corrected) == ("A017", True)


def test_a_stale_edit_shows_both_versions_instead_of_overwriting(pm_client, ws):
    m = MilestoneFactory(workstream=ws, title="Original")
    url = reverse("programmes:milestone_edit", args=[ws.programme.slug, m.pk])
    opened_version = m.version
    # Someone else saves in between.
    milestone_update(
        milestone=m,
        expected_version=opened_version,
        values={"title": "Their title", "workstream": ws},
    )
    response = pm_client.post(url, _form_data(ws, title="My title", version=opened_version))
    html = response.content.decode()
    assert response.status_code == 409
    assert "Someone else saved this milestone" in html
    assert "Their title" in html and "My title" in html
    m.refresh_from_db()
    assert m.title == "Their title"
    # The form at the bottom carries the new version, so saving it again wins knowingly.
    assert f'name="version" value="{m.version}"' in html
    response = pm_client.post(url, _form_data(ws, title="My title", version=m.version))
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.title == "My title"


def test_edit_without_a_version_is_treated_as_stale(pm_client, ws):
    m = MilestoneFactory(workstream=ws, title="Original")
    url = reverse("programmes:milestone_edit", args=[ws.programme.slug, m.pk])
    response = pm_client.post(url, _form_data(ws, title="Mine"))
    assert response.status_code == 409
    m.refresh_from_db()
    assert m.title == "Original"


def test_a_milestone_cannot_become_a_sub_step_of_its_own_sub_step(pm_client, ws):
    parent = MilestoneFactory(workstream=ws)
    child = MilestoneFactory(workstream=ws, parent=parent)
    url = reverse("programmes:milestone_edit", args=[ws.programme.slug, parent.pk])
    response = pm_client.post(url, _form_data(ws, parent=child.pk, version=parent.version))
    assert response.status_code == 200
    assert "cannot be a sub-step of its own sub-step" in response.content.decode()
