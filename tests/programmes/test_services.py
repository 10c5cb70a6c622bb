"""Services the plan pages call: status rules, history, milestone create and stale edits."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from programmes import rules, services
from programmes.choices import Rating, RatingScale
from programmes.models import Milestone, StatusUpdate
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def milestone():
    programme = ProgrammeFactory(rating_scale=RatingScale.DELIVERY_CONFIDENCE)
    return MilestoneFactory(
        workstream=WorkstreamFactory(programme=programme), baseline_end=date(2019, 3, 31)
    )


def _record(milestone, **kwargs):
    values = {"rating": Rating.GREEN, "as_of": date(2018, 9, 6)}
    values.update(kwargs)
    return services.status_record(milestone=milestone, **values)


@pytest.mark.parametrize("rating", [Rating.RED, Rating.AMBER_RED, Rating.AMBER])
def test_amber_or_worse_without_path_to_green_is_rejected(milestone, rating):
    with pytest.raises(ValidationError) as error:
        _record(milestone, rating=rating, cause="Vacancies")
    assert "path_to_green" in error.value.message_dict
    assert StatusUpdate.objects.count() == 0


@pytest.mark.parametrize("rating", [Rating.RED, Rating.AMBER_RED, Rating.AMBER])
def test_amber_or_worse_without_cause_is_rejected(milestone, rating):
    with pytest.raises(ValidationError) as error:
        _record(milestone, rating=rating, path_to_green="Recruit")
    assert "cause" in error.value.message_dict


def test_whitespace_is_not_a_cause(milestone):
    with pytest.raises(ValidationError):
        _record(milestone, rating=Rating.RED, cause="   ", path_to_green="Recruit")


@pytest.mark.parametrize("rating", [Rating.AMBER_GREEN, Rating.GREEN, Rating.COMPLETE])
def test_better_than_amber_needs_no_cause(milestone, rating):
    assert _record(milestone, rating=rating).rating == rating


def test_late_forecast_needs_a_reason(milestone):
    with pytest.raises(ValidationError) as error:
        _record(milestone, forecast_end=date(2019, 4, 1))
    assert "forecast_reason" in error.value.message_dict
    update = _record(milestone, forecast_end=date(2019, 4, 1), forecast_reason="Provider delay")
    assert update.forecast_reason == "Provider delay"


def test_forecast_on_the_baseline_needs_no_reason(milestone):
    assert _record(milestone, forecast_end=date(2019, 3, 31)).forecast_end == date(2019, 3, 31)


def test_rating_must_be_on_the_programme_scale(milestone):
    milestone.programme.rating_scale = RatingScale.RAG
    milestone.programme.save()
    with pytest.raises(ValidationError) as error:
        _record(milestone, rating=Rating.AMBER_GREEN)
    assert "rating" in error.value.message_dict


def test_the_newest_update_becomes_the_milestone_status_and_bumps_the_version(milestone):
    version = milestone.version
    _record(milestone, rating=Rating.AMBER, cause="c", path_to_green="p", as_of=date(2018, 10, 1))
    milestone.refresh_from_db()
    assert (milestone.rating, milestone.status_as_of) == (Rating.AMBER, date(2018, 10, 1))
    assert milestone.version == version + 1
    # An older update lands in history without overwriting the current status.
    _record(milestone, rating=Rating.GREEN, as_of=date(2018, 9, 1))
    milestone.refresh_from_db()
    assert milestone.rating == Rating.AMBER
    assert StatusUpdate.objects.filter(milestone=milestone).count() == 2


def test_status_history_rows_cannot_be_changed(milestone):
    update = _record(milestone)
    update.narrative = "rewritten"
    with pytest.raises(ValidationError):
        update.save()


# --- milestone create / update ----------------------------------------------------------------


def test_milestone_create_appends_to_its_workstream(milestone):
    created = services.milestone_create(
        programme=milestone.programme,
        values={"workstream": milestone.workstream, "title": "New action", "ref": "1.99"},
    )
    assert created.position > milestone.position
    assert created.added_on is not None


def test_milestone_update_with_the_current_version_saves_and_bumps_it(milestone):
    updated = services.milestone_update(
        milestone=milestone,
        expected_version=milestone.version,
        values={"workstream": milestone.workstream, "title": "Renamed"},
    )
    assert updated.version == milestone.version + 1
    assert Milestone.objects.get(pk=milestone.pk).title == "Renamed"


def test_milestone_update_with_an_old_version_raises_a_conflict(milestone):
    opened = milestone.version
    _record(milestone)  # a status update in between also changes the version
    with pytest.raises(services.MilestoneConflict) as conflict:
        services.milestone_update(
            milestone=milestone,
            expected_version=opened,
            values={"workstream": milestone.workstream, "title": "Mine"},
        )
    assert conflict.value.current.version == opened + 1
    assert Milestone.objects.get(pk=milestone.pk).title != "Mine"


def test_milestone_update_refuses_fields_the_form_does_not_own(milestone):
    with pytest.raises(ValueError):
        services.milestone_update(
            milestone=milestone,
            expected_version=milestone.version,
            values={"workstream": milestone.workstream, "title": "x", "rating": Rating.GREEN},
        )


def test_milestone_update_refuses_a_workstream_of_another_programme(milestone):
    other = WorkstreamFactory(programme=ProgrammeFactory())
    with pytest.raises(ValidationError):
        services.milestone_update(
            milestone=milestone,
            expected_version=milestone.version,
            values={"workstream": other, "title": "x"},
        )


def test_a_newer_status_that_is_not_complete_reopens_a_completed_milestone(milestone):
    _record(milestone, rating=Rating.COMPLETE)
    assert milestone.completed_on == date(2018, 9, 6)
    _record(milestone, as_of=date(2018, 10, 4))
    milestone.refresh_from_db()
    assert milestone.completed_on is None and not rules.is_complete(
        completed_on=milestone.completed_on, rating=milestone.rating
    )


def test_an_older_status_does_not_reopen_a_completed_milestone(milestone):
    _record(milestone, rating=Rating.COMPLETE)
    _record(milestone, as_of=date(2018, 8, 1))
    milestone.refresh_from_db()
    assert milestone.completed_on == date(2018, 9, 6)


def test_editing_the_title_keeps_no_baseline_revision_but_moving_the_end_does(milestone):
    from programmes.models import BaselineRevision

    values = {"workstream": milestone.workstream, "title": "Renamed"}
    services.milestone_update(
        milestone=milestone, expected_version=milestone.version, values=values
    )
    assert not BaselineRevision.objects.exists()
    milestone.refresh_from_db()
    services.milestone_update(
        milestone=milestone,
        expected_version=milestone.version,
        values={**values, "baseline_end": date(2019, 6, 30)},
        baseline_reason=services.BaselineReason(kind="correction", reason="Typed wrongly"),
    )
    [revision] = BaselineRevision.objects.all()
    assert revision.baseline_end == date(2019, 3, 31)  # the end that stood until the edit


@pytest.mark.parametrize("rating", [Rating.GREEN, Rating.COMPLETE])
def test_a_recovered_milestone_does_not_keep_last_months_cause(milestone, rating):
    _record(milestone, rating=Rating.RED, cause="Vacancies", path_to_green="Recruit")
    update = _record(milestone, rating=rating, cause="Vacancies", path_to_green="Recruit")
    assert (update.cause, update.path_to_green) == ("", "")


def test_amber_green_may_keep_a_cause(milestone):
    update = _record(milestone, rating=Rating.AMBER_GREEN, cause="Watching vacancies")
    assert update.cause == "Watching vacancies"


def test_re_importing_a_green_row_with_a_cause_records_no_new_status():
    from programmes.plan_import import plan_import_apply, plan_import_preview

    programme = ProgrammeFactory(slug="imported")
    content = (
        b"Workstream,Ref,Project milestone,Lead,Start Date,End Date,Status (G/A/R),Cause\n"
        b"1. Governance,1.1,Refresh the board,TM,Jul 2018,Dec 2018,G,Old vacancies\n"
    )
    for _ in range(2):
        preview = plan_import_preview(
            programme=programme, file_name="plan.csv", content=content, as_of=date(2018, 9, 6)
        )
        plan_import_apply(plan_import=preview)
    [update] = StatusUpdate.objects.all()
    assert update.cause == ""
