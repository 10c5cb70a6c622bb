"""Exception report, changes and coverage, rebuilt from history as at any date."""

from datetime import date

import pytest

from programmes import board_reports
from programmes.choices import DatePrecision, Rating, StatusSource
from programmes.services import status_record
from tests.programmes.factories import (
    FrameworkCodeFactory,
    FrameworkFactory,
    GovernanceBodyFactory,
    MilestoneFactory,
    MilestoneReferenceFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db

SEPT_6 = date(2018, 9, 6)


@pytest.fixture
def programme(programme):
    """The shared programme, with the two-week slippage tolerance these reports test."""
    programme.slippage_tolerance_days = 14
    programme.save()
    return programme


def _status(milestone, rating, as_of, **extra):
    needs_recovery = rating in (Rating.RED, Rating.AMBER, Rating.AMBER_RED)
    defaults = {"cause": "Recruitment delays", "path_to_green": "Agency cover agreed"}
    return status_record(
        milestone=milestone,
        rating=rating,
        as_of=as_of,
        source=StatusSource.IMPORT,
        **({**defaults, **extra} if needs_recovery else extra),
    )


def _report(programme, as_of, **kwargs):
    return board_reports.exception_report(programme, as_of=as_of, **kwargs)


def _listed(report):
    return {row.milestone.ref: row.reasons for row in report.rows}


@pytest.fixture
def workstream(programme):
    return WorkstreamFactory(programme=programme, number="1", name="Integrated care")


def _milestone(workstream, ref, **kwargs):
    return MilestoneFactory(
        workstream=workstream, programme=workstream.programme, ref=ref, **kwargs
    )


def test_green_milestone_updated_this_month_and_on_time_is_not_listed(workstream):
    milestone = _milestone(workstream, "1.1")
    _status(milestone, Rating.GREEN, SEPT_6)
    assert _listed(_report(workstream.programme, SEPT_6)) == {}


def test_amber_rating_lists_the_milestone_with_its_cause_and_path_to_green(workstream):
    milestone = _milestone(workstream, "1.1")
    _status(milestone, Rating.AMBER, SEPT_6, cause="Staff shortage", path_to_green="Recruit")
    report = _report(workstream.programme, SEPT_6)
    assert _listed(report) == {"1.1": [board_reports.REASON_RATING]}
    row = report.rows[0]
    assert (row.status.cause, row.status.path_to_green) == ("Staff shortage", "Recruit")


def test_threshold_is_a_programme_setting(workstream):
    programme = workstream.programme
    programme.exception_threshold = Rating.RED
    programme.save()
    amber, red = _milestone(workstream, "1.1"), _milestone(workstream, "1.2")
    _status(amber, Rating.AMBER, SEPT_6)
    _status(red, Rating.RED, SEPT_6)
    assert _listed(_report(programme, SEPT_6)) == {"1.2": [board_reports.REASON_RATING]}


def test_overdue_milestone_is_listed_with_days_overdue(workstream):
    milestone = _milestone(workstream, "5.1", baseline_end=date(2018, 8, 31))
    _status(milestone, Rating.GREEN, SEPT_6)
    report = _report(workstream.programme, SEPT_6)
    assert _listed(report) == {"5.1": [board_reports.REASON_OVERDUE]}
    assert report.rows[0].days_overdue == 6
    assert report.rows[0].reason_labels == ["Overdue by 6 days"]


def test_completed_milestone_past_its_end_is_not_overdue(workstream):
    milestone = _milestone(workstream, "3.2", baseline_end=date(2018, 7, 31))
    _status(milestone, Rating.COMPLETE, SEPT_6)
    assert _listed(_report(workstream.programme, SEPT_6)) == {}


def test_rating_worse_than_at_the_previous_month_is_listed(workstream):
    workstream.programme.exception_threshold = Rating.RED
    workstream.programme.save()
    milestone = _milestone(workstream, "1.1")
    _status(milestone, Rating.GREEN, date(2018, 8, 10))
    _status(milestone, Rating.AMBER, SEPT_6)
    report = _report(workstream.programme, SEPT_6)
    assert _listed(report) == {"1.1": [board_reports.REASON_WORSENED]}
    assert report.rows[0].previous.rating == Rating.GREEN
    assert report.rows[0].direction == "worse"


def test_forecast_slipped_beyond_tolerance_is_listed_but_within_tolerance_is_not(workstream):
    late = _milestone(workstream, "1.1", baseline_end=date(2018, 12, 31))
    slightly = _milestone(workstream, "1.2", baseline_end=date(2018, 12, 31))
    reason = {"forecast_reason": "Consultation extended"}
    _status(late, Rating.GREEN, SEPT_6, forecast_end=date(2019, 1, 31), **reason)
    _status(slightly, Rating.GREEN, SEPT_6, forecast_end=date(2019, 1, 14), **reason)
    assert _listed(_report(workstream.programme, SEPT_6)) == {"1.1": [board_reports.REASON_SLIPPED]}


def test_no_update_in_this_or_the_previous_month_is_stale(workstream):
    fresh, stale = _milestone(workstream, "1.1"), _milestone(workstream, "1.2")
    _status(fresh, Rating.GREEN, date(2018, 8, 1))
    _status(stale, Rating.GREEN, date(2018, 7, 31))
    assert _listed(_report(workstream.programme, SEPT_6)) == {"1.2": [board_reports.REASON_STALE]}


def test_milestone_never_updated_is_stale(workstream):
    _milestone(workstream, "1.1")
    assert _listed(_report(workstream.programme, SEPT_6)) == {"1.1": [board_reports.REASON_STALE]}


def test_to_be_defined_end_date_past_its_start_is_listed(workstream):
    started = _milestone(
        workstream,
        "7.1",
        baseline_start=date(2018, 8, 1),
        baseline_end=None,
        baseline_end_precision=DatePrecision.UNDEFINED,
    )
    not_started = _milestone(
        workstream,
        "7.2",
        baseline_start=date(2018, 10, 1),
        baseline_end=None,
        baseline_end_precision=DatePrecision.UNDEFINED,
    )
    _status(started, Rating.NOT_RATED, SEPT_6)
    _status(not_started, Rating.NOT_RATED, SEPT_6)
    assert _listed(_report(workstream.programme, SEPT_6)) == {
        "7.1": [board_reports.REASON_NO_END_DATE]
    }


def test_as_at_report_shows_each_days_rating_and_forecast_from_history(workstream):
    """History built step by step: a rating changes one day, a date on another."""
    programme = workstream.programme
    milestone = _milestone(workstream, "1.1", baseline_end=date(2018, 12, 31))
    _status(milestone, Rating.GREEN, date(2018, 9, 3), narrative="On track")
    _status(milestone, Rating.AMBER, date(2018, 9, 10), cause="Provider pulled out")
    _status(
        milestone,
        Rating.AMBER,
        date(2018, 9, 20),
        cause="Provider pulled out",
        forecast_end=date(2019, 2, 28),
        forecast_reason="Re-procurement",
    )
    assert _listed(_report(programme, date(2018, 9, 5))) == {}
    on_12th = _report(programme, date(2018, 9, 12)).rows[0]
    assert on_12th.status.rating == Rating.AMBER
    assert on_12th.status.forecast_end is None
    assert on_12th.end == date(2018, 12, 31)
    on_21st = _report(programme, date(2018, 9, 21)).rows[0]
    assert on_21st.status.forecast_end == date(2019, 2, 28)
    assert on_21st.reasons == [board_reports.REASON_RATING, board_reports.REASON_SLIPPED]
    # Today's values are not what a past report shows.
    milestone.refresh_from_db()
    assert milestone.forecast_end == date(2019, 2, 28)


def test_governance_body_filter_includes_bodies_reporting_to_it(workstream):
    board = GovernanceBodyFactory(acronym="HWB")
    delivery = GovernanceBodyFactory(acronym="WDG", reports_to=board)
    other = GovernanceBodyFactory(acronym="LDB")
    for ref, body in (("1.1", board), ("1.2", delivery), ("1.3", other)):
        _milestone(workstream, ref, governance_body=body)
    report = _report(workstream.programme, SEPT_6, body=board)
    assert set(_listed(report)) == {"1.1", "1.2"}


def test_rows_are_grouped_by_workstream_with_counts(programme):
    first = WorkstreamFactory(programme=programme, number="1", position=1)
    second = WorkstreamFactory(programme=programme, number="2", position=2)
    _status(_milestone(first, "1.1"), Rating.RED, SEPT_6)
    _status(_milestone(second, "2.1", baseline_end=date(2018, 8, 31)), Rating.RED, SEPT_6)
    report = _report(programme, SEPT_6)
    assert [g.workstream.number for g in report.groups] == ["1", "2"]
    assert report.reason_counts == {"rating": 2, "overdue": 1}


def test_removed_milestone_appears_only_before_its_removal(workstream):
    milestone = _milestone(workstream, "1.1", removed_on=date(2018, 9, 15))
    _status(milestone, Rating.RED, SEPT_6)
    assert "1.1" in _listed(_report(workstream.programme, SEPT_6))
    assert "1.1" not in _listed(_report(workstream.programme, date(2018, 9, 20)))


def test_exception_report_query_count_does_not_grow_with_milestones_and_history(
    programme, django_assert_max_num_queries
):
    def build(count):
        ws = WorkstreamFactory(programme=programme)
        for i in range(count):
            milestone = _milestone(ws, f"{ws.number}.{i}")
            for day in (1, 2, 3):
                _status(milestone, Rating.RED, date(2018, 9, day))

    build(5)
    with django_assert_max_num_queries(6) as small:
        _report(programme, SEPT_6).rows  # noqa: B018
    build(50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        report = _report(programme, SEPT_6)
    assert len(report.rows) == 55


def test_changes_between_dates_lists_rating_date_added_completed_and_removed(workstream):
    programme = workstream.programme
    july = date(2018, 7, 1)
    rated = _milestone(workstream, "1.1", baseline_end=date(2018, 12, 31), added_on=july)
    _status(rated, Rating.GREEN, date(2018, 8, 1), narrative="Scoping started")
    _status(
        rated,
        Rating.AMBER,
        date(2018, 9, 1),
        narrative="Scoping delayed by consultation",
        forecast_end=date(2019, 1, 31),
        forecast_reason="Consultation",
    )
    done = _milestone(workstream, "1.2", added_on=july)
    _status(done, Rating.GREEN, date(2018, 8, 1))
    _status(done, Rating.COMPLETE, date(2018, 9, 1))
    _milestone(workstream, "1.3", added_on=date(2018, 8, 20))
    _milestone(workstream, "1.4", added_on=date(2018, 7, 1), removed_on=date(2018, 8, 25))
    report = board_reports.changes_between(programme, since=date(2018, 8, 15), until=SEPT_6)
    kinds = {c.milestone.ref: c.kinds for c in report.changes}
    assert kinds == {
        "1.1": ["rating", "date", "narrative"],
        "1.2": ["completed", "rating"],
        "1.3": ["added"],
        "1.4": ["removed"],
    }
    change = next(c for c in report.changes if c.milestone.ref == "1.1")
    assert change.slippage_days == 31
    assert "<ins" in change.narrative_diff and "delayed by consultation" in change.narrative_diff
    assert "<del" in change.narrative_diff and "started" in change.narrative_diff


def test_word_diff_escapes_html():
    diff = board_reports.word_diff("a <b>", "a <script>")
    assert "<script>" not in diff
    assert "&lt;script&gt;" in diff


def test_coverage_flags_codes_with_only_unresolved_references_and_no_open_milestones(workstream):
    from programmes.models import UnresolvedReference

    framework = FrameworkFactory(slug="cqc-aoi", name="CQC areas of improvement")
    aoi3 = FrameworkCodeFactory(framework=framework, code="AOI3", position=3)
    aoi13 = FrameworkCodeFactory(framework=framework, code="AOI13", position=13)
    aoi5 = FrameworkCodeFactory(framework=framework, code="AOI5", position=5)
    open_one = _milestone(workstream, "4.1")
    MilestoneReferenceFactory(milestone=open_one, code=aoi3)
    completed = _milestone(workstream, "5.7", completed_on=date(2018, 8, 31))
    MilestoneReferenceFactory(milestone=completed, code=aoi5)
    unresolved = UnresolvedReference.objects.create(
        milestone=_milestone(workstream, "4.7"), framework=framework, raw_token="AO13"
    )
    unresolved.candidates.set([aoi3, aoi13])
    result = board_reports.coverage(workstream.programme, as_of=SEPT_6)
    codes = {c.code.code: c for c in result[0].codes}
    assert codes["AOI3"].open == 1 and codes["AOI3"].flags == []
    assert codes["AOI13"].flags == ["Only unresolved references (AO13 on 4.7)"]
    assert codes["AOI5"].flags == ["No open milestone"]
    assert codes["AOI5"].cells[workstream.id].complete == 1


def test_a_past_report_shows_the_baseline_end_that_stood_then(workstream):
    """The baseline end moves later on 20 September; a report as at the 10th uses the old one."""
    from programmes.services import BaselineReason, milestone_update

    programme = workstream.programme
    programme.reporting_date = date(2018, 9, 20)
    programme.save()
    milestone = _milestone(workstream, "5.1", baseline_end=date(2018, 8, 31))
    _status(milestone, Rating.GREEN, date(2018, 9, 5))
    milestone_update(
        milestone=milestone,
        expected_version=milestone.version,
        values={
            "workstream": workstream,
            "title": milestone.title,
            "baseline_end": date(2018, 12, 31),
        },
        leads=[],
        references=[],
        baseline_reason=BaselineReason(kind="correction", reason="Typed wrongly"),
    )
    on_10th = _report(programme, date(2018, 9, 10))
    assert _listed(on_10th) == {"5.1": [board_reports.REASON_OVERDUE]}
    assert on_10th.rows[0].status.baseline_end == date(2018, 8, 31)
    assert _listed(_report(programme, date(2018, 9, 21))) == {}
    changes = board_reports.changes_between(
        programme, since=date(2018, 9, 10), until=date(2018, 9, 21)
    )
    [change] = changes.changes
    assert change.kinds == ["date"] and change.slippage_days == 122


def test_an_import_that_moves_a_baseline_keeps_the_old_dates_for_earlier_reports():
    from programmes.plan_import import plan_import_apply, plan_import_preview

    programme = ProgrammeFactory(slug="imported")
    header = "Workstream,Ref,Project milestone,Lead,Start Date,End Date,Status (G/A/R)\n"

    def load(end: str, as_of: date) -> None:
        content = (header + f"1. Governance,1.1,Refresh the board,TM,Jul 2018,{end},G\n").encode()
        preview = plan_import_preview(
            programme=programme, file_name="plan.csv", content=content, as_of=as_of
        )
        plan_import_apply(plan_import=preview)

    load("Aug 2018", date(2018, 8, 1))
    load("Dec 2018", date(2018, 10, 1))
    in_september = _report(programme, date(2018, 9, 15))
    assert in_september.rows[0].status.baseline_end == date(2018, 8, 31)
    assert board_reports.REASON_OVERDUE in in_september.rows[0].reasons
    # After the move it is no longer overdue (the unchanged status from August is stale).
    assert _listed(_report(programme, date(2018, 10, 2))) == {"1.1": [board_reports.REASON_STALE]}
