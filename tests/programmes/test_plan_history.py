"""Plan dates and everything shown to the board have history: moving a milestone's dates
needs a reason, and the exception and changes reports show each milestone's baseline, title,
leads, governance body and cross-references as they stood on the report's dates."""

from contextlib import contextmanager
from datetime import date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from programmes import board_reports
from programmes.board_reports.plan_history import HistoricalMilestone, HistoricalReference
from programmes.choices import BaselineChange, Rating
from programmes.models import BaselineRevision, Milestone
from programmes.services import BaselineReason, milestone_update, status_record
from tests.programmes.factories import (
    FrameworkCodeFactory,
    GovernanceBodyFactory,
    MilestoneFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db

OCT_4 = date(2018, 10, 4)
LONDON = timezone.get_default_timezone()


@contextmanager
def happened_on(day: date):
    """History written inside the block is dated noon on `day` in London (the audit history
    records real time; the reports are as at plan dates)."""
    mark = timezone.now()
    yield
    when = datetime(day.year, day.month, day.day, 12, tzinfo=LONDON)
    for model in (HistoricalMilestone, HistoricalReference):
        model.objects.filter(history_date__gte=mark).update(history_date=when)


@pytest.fixture
def siblings():
    """Two milestones due on 30 September 2018, reported on 4 October: both 4 days overdue."""
    programme = ProgrammeFactory(slug="wiltshire-integration", reporting_date=OCT_4)
    ws = WorkstreamFactory(programme=programme, number="1")
    made = []
    for ref in ("1.17", "1.18"):
        with happened_on(date(2018, 7, 1)):
            milestone = MilestoneFactory(
                workstream=ws, ref=ref, added_on=date(2018, 7, 1), baseline_end=date(2018, 9, 30)
            )
        with happened_on(date(2018, 9, 28)):
            status_record(milestone=milestone, rating=Rating.GREEN, as_of=date(2018, 9, 28))
        made.append(milestone)
    return made


def _edit_url(milestone):
    return reverse("programmes:milestone_edit", args=[milestone.programme.slug, milestone.pk])


def _edit_data(milestone, **overrides):
    data = {
        "workstream": milestone.workstream_id,
        "ref": milestone.ref,
        "title": milestone.title,
        "sub_group": "",
        "parent": "",
        "lead_text": "",
        "baseline_start": "01/07/2018",
        "baseline_end": "30/09/2018",
        "governance_body": "",
        "version": milestone.version,
    }
    return {**data, **overrides}


def _overdue(programme, as_of):
    report = board_reports.exception_report(programme, as_of=as_of)
    return {row.milestone.ref: row.reason_labels for row in report.rows}


def test_moving_the_end_date_without_a_reason_is_refused(pm_client, siblings):
    moved = siblings[1]
    response = pm_client.post(_edit_url(moved), _edit_data(moved, baseline_end="31/12/2018"))
    assert response.status_code == 200
    assert "Say why the dates change" in response.content.decode()
    moved.refresh_from_db()
    assert moved.baseline_end == date(2018, 9, 30)
    assert not BaselineRevision.objects.exists()


def test_a_re_baseline_needs_the_approving_body_and_a_correction_needs_words(pm_client, siblings):
    moved = siblings[1]
    data = _edit_data(moved, baseline_end="31/12/2018")
    html = pm_client.post(_edit_url(moved), {**data, "baseline_change": "rebaseline"}).content
    assert "Choose the governance body that approved the re-baseline" in html.decode()
    html = pm_client.post(_edit_url(moved), {**data, "baseline_change": "correction"}).content
    assert "Enter what was wrong with the dates" in html.decode()
    assert not BaselineRevision.objects.exists()


def test_a_re_baselined_milestone_is_judged_against_its_new_baseline_from_the_revision_date(
    pm_client, pm_user, siblings
):
    """The issue: moving 1.18's end dropped it off the report while its sibling 1.17 showed
    "Overdue by 4 days", with no trace. Now the move is a re-baseline approved by a named
    body, in force from the reporting date it was made on; before then both are judged alike."""
    sibling, moved = siblings
    hwb = GovernanceBodyFactory(acronym="HWB")
    data = _edit_data(
        moved,
        baseline_end="31/12/2018",
        baseline_change="rebaseline",
        approved_by=hwb.pk,
        approved_on="02/10/2018",
        baseline_reason="Scope widened to dementia care",
    )
    assert pm_client.post(_edit_url(moved), data).status_code == 302
    [revision] = BaselineRevision.objects.all()
    assert (revision.kind, revision.approved_by, revision.recorded_by) == (
        BaselineChange.REBASELINE,
        hwb,
        pm_user,
    )
    assert (revision.baseline_end, revision.new_baseline_end) == (
        date(2018, 9, 30),
        date(2018, 12, 31),
    )
    programme = moved.programme
    assert _overdue(programme, OCT_4) == {"1.17": ["Overdue by 4 days"]}
    assert _overdue(programme, date(2018, 10, 3)) == {
        "1.17": ["Overdue by 3 days"],
        "1.18": ["Overdue by 3 days"],
    }
    changes = board_reports.changes_between(programme, since=date(2018, 9, 30), until=OCT_4)
    [change] = [c for c in changes.changes if c.milestone.ref == "1.18"]
    assert change.labels == [
        "Re-baselined: 30 Sep 2018 → 31 Dec 2018 (approved by HWB on 2 Oct 2018: "
        "Scope widened to dementia care, by pm)"
    ]
    assert ("Re-baselined", 1) in changes.summary
    history = Milestone.objects.get(pk=moved.pk).history.first()
    assert history.history_user == pm_user
    assert history.history_change_reason.startswith("Re-baselined, approved by HWB")


def test_a_correction_is_worded_as_one(pm_user, siblings):
    moved = siblings[1]
    milestone_update(
        milestone=moved,
        expected_version=moved.version,
        values={
            "workstream": moved.workstream,
            "title": moved.title,
            "baseline_end": date(2018, 10, 31),
        },
        user=pm_user,
        baseline_reason=BaselineReason(kind=BaselineChange.CORRECTION, reason="Typed September"),
    )
    changes = board_reports.changes_between(moved.programme, since=date(2018, 9, 30), until=OCT_4)
    [change] = [c for c in changes.changes if c.milestone.ref == "1.18"]
    assert change.labels == ["Corrected: 30 Sep 2018 → 31 Oct 2018 (Typed September, by pm)"]


@pytest.fixture
def edited(pm_user):
    """Milestone 1.18 led by SG for the WDG with AOI3 until 20 September 2018, when it was
    retitled, re-led, re-governed and cross-referenced to AOI7 instead."""
    programme = ProgrammeFactory(slug="wiltshire-integration", reporting_date=OCT_4)
    ws = WorkstreamFactory(programme=programme, number="1")
    sg, tm = PersonFactory(name="", initials="SG"), PersonFactory(name="", initials="TM")
    wdg, hwb = GovernanceBodyFactory(acronym="WDG"), GovernanceBodyFactory(acronym="HWB")
    aoi3, aoi7 = FrameworkCodeFactory(code="AOI3"), FrameworkCodeFactory(code="AOI7")
    with happened_on(date(2018, 7, 1)):
        milestone = MilestoneFactory(
            workstream=ws, ref="1.18", title="Falls service", added_on=date(2018, 7, 1),
            governance_body=wdg, baseline_end=date(2018, 8, 31),
        )  # fmt: skip
        milestone_update(
            milestone=milestone,
            expected_version=milestone.version,
            values={"workstream": ws, "title": "Falls service", "governance_body": wdg},
            leads=[sg],
            references=[aoi3],
        )
    with happened_on(date(2018, 9, 20)):
        milestone_update(
            milestone=milestone,
            expected_version=Milestone.objects.get(pk=milestone.pk).version,
            values={"workstream": ws, "title": "Falls prevention service", "governance_body": hwb},
            leads=[tm],
            references=[aoi7],
            user=pm_user,
            change_reason="Board asked for a wider scope",
        )
    milestone.codes = {"AOI3": aoi3, "AOI7": aoi7}
    return milestone


def test_an_as_at_report_shows_the_title_leads_and_body_the_milestone_had_then(edited):
    programme = edited.programme
    [before] = board_reports.exception_report(programme, as_of=date(2018, 9, 10)).rows
    assert before.milestone.title == "Falls service"
    assert [str(p) for p in before.milestone.leads.all()] == ["SG"]
    assert before.milestone.governance_body.acronym == "WDG"
    assert before.status.plan.reference_ids == {edited.codes["AOI3"].pk}
    [after] = board_reports.exception_report(programme, as_of=date(2018, 9, 21)).rows
    assert after.milestone.title == "Falls prevention service"
    assert [str(p) for p in after.milestone.leads.all()] == ["TM"]
    assert after.milestone.governance_body.acronym == "HWB"
    assert after.status.plan.reference_ids == {edited.codes["AOI7"].pk}


def test_the_exception_report_for_a_body_uses_the_body_of_the_date(edited):
    programme = edited.programme
    wdg = edited.governance_body.__class__.objects.get(acronym="WDG")
    assert board_reports.exception_report(programme, as_of=date(2018, 9, 10), body=wdg).rows
    assert not board_reports.exception_report(programme, as_of=date(2018, 9, 21), body=wdg).rows


def test_the_changes_report_lists_retitled_re_led_re_governed_with_who_and_why(edited):
    changes = board_reports.changes_between(
        edited.programme, since=date(2018, 9, 10), until=date(2018, 9, 21)
    )
    [change] = changes.changes
    why = "(Board asked for a wider scope, by pm)"
    assert change.labels == [
        f"Retitled: “Falls service” → “Falls prevention service” {why}",
        f"Leads changed: SG → TM {why}",
        f"Governance body changed: WDG → HWB {why}",
        f"Cross-references changed: added AOI7; removed AOI3 {why}",
    ]
    summary = dict(changes.summary)
    assert (
        summary["Retitled"] == summary["Leads changed"] == summary["Governance body changed"] == 1
    )
    assert changes.changes[0].milestone.title == "Falls prevention service"


def test_nothing_changed_outside_the_dates(edited):
    changes = board_reports.changes_between(
        edited.programme, since=date(2018, 9, 21), until=date(2018, 9, 30)
    )
    assert changes.changes == []


def _edited_milestones(ws, count, user):
    """`count` milestones, each edited (title, leads, body, references and dates) on 20 Sept."""
    sg, tm = PersonFactory(initials="SG"), PersonFactory(initials="TM")
    wdg, hwb = GovernanceBodyFactory(), GovernanceBodyFactory()
    old, new = FrameworkCodeFactory(), FrameworkCodeFactory()
    for i in range(count):
        with happened_on(date(2018, 7, 1)):
            milestone = MilestoneFactory(
                workstream=ws, ref=f"{ws.number}.{i}", added_on=date(2018, 7, 1),
                governance_body=wdg, baseline_end=date(2018, 8, 31), leads=[sg],
            )  # fmt: skip
            status_record(milestone=milestone, rating=Rating.GREEN, as_of=date(2018, 7, 1))
        with happened_on(date(2018, 9, 20)):
            milestone_update(
                milestone=milestone,
                expected_version=Milestone.objects.get(pk=milestone.pk).version,
                values={
                    "workstream": ws,
                    "title": f"Renamed {i}",
                    "governance_body": hwb,
                    "baseline_end": date(2018, 12, 31),
                },
                leads=[tm],
                references=[new if i % 2 else old],
                user=user,
                baseline_reason=BaselineReason(kind=BaselineChange.CORRECTION, reason="Typo"),
            )


@pytest.mark.parametrize(
    "build_report",
    [
        lambda p: board_reports.exception_report(p, as_of=date(2018, 9, 10)).rows,
        lambda p: (
            board_reports.changes_between(
                p, since=date(2018, 9, 10), until=date(2018, 9, 21)
            ).changes
        ),
    ],
    ids=["exception report", "changes report"],
)
def test_as_at_reports_read_plan_history_in_a_fixed_number_of_queries(pm_user, build_report):
    programme = ProgrammeFactory(reporting_date=OCT_4)
    _edited_milestones(WorkstreamFactory(programme=programme, number="1"), 3, pm_user)
    with CaptureQueriesContext(connection) as small:
        assert len(build_report(programme)) == 3
    _edited_milestones(WorkstreamFactory(programme=programme, number="2"), 30, pm_user)
    with CaptureQueriesContext(connection) as large:
        assert len(build_report(programme)) == 33
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_milestone_created_by_a_plan_import_keeps_its_imported_plan_in_earlier_reports(pm_user):
    """Plan imports create milestones in bulk; their first history row (with its leads and
    cross-references) is written too, so an as-at report before a later edit shows the plan as
    imported, not today's."""
    from programmes.plan_import import plan_import_apply, plan_import_preview
    from programmes.reference import frameworks_load

    frameworks_load()
    programme = ProgrammeFactory(slug="imported", reporting_date=OCT_4)
    content = (
        b"Workstream,Ref,Project milestone,Lead,Start Date,End Date,Status (G/A/R),AOI\n"
        b"1 Prevention,1.1,Falls service,SG,Jul 2018,Aug 2018,G,AOI3\n"
    )
    with happened_on(date(2018, 9, 1)):
        preview = plan_import_preview(
            programme=programme, file_name="plan.csv", content=content,
            as_of=date(2018, 9, 1), user=pm_user,
        )  # fmt: skip
        plan_import_apply(plan_import=preview, user=pm_user)
    milestone = Milestone.objects.get(programme=programme, ref="1.1")
    tm = PersonFactory(name="", initials="TM")
    with happened_on(date(2018, 9, 20)):
        milestone_update(
            milestone=milestone,
            expected_version=milestone.version,
            values={"workstream": milestone.workstream, "title": "Falls prevention service"},
            leads=[tm],
            references=[],
            user=pm_user,
            change_reason="Wider scope",
        )
    first = HistoricalMilestone.objects.filter(id=milestone.pk).earliest("history_date")
    assert first.history_user == pm_user and first.history_change_reason == "Plan import"
    changes = board_reports.changes_between(programme, since=date(2018, 9, 5), until=OCT_4)
    [change] = [c for c in changes.changes if c.milestone.ref == "1.1"]
    assert any(label.startswith("Retitled") for label in change.labels)
    # Overdue since August, so on the exception report as at 10 September, as imported then.
    [then] = board_reports.exception_report(programme, as_of=date(2018, 9, 10)).rows
    assert then.milestone.title == "Falls service"
    assert [p.initials for p in then.milestone.leads.all()] == ["SG"]
    [now] = board_reports.exception_report(programme, as_of=date(2018, 9, 21)).rows
    assert now.milestone.title == "Falls prevention service"
