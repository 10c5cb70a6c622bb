"""Striking out a status update entered in error: kept, shown struck through with who, when
and why, and ignored by the milestone's current status and by the board reports."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programmes import board_reports
from programmes.choices import Rating, RatingScale
from programmes.models import StatusUpdate
from programmes.services import status_record, status_strike
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db

SEPT_6 = date(2018, 9, 6)


@pytest.fixture
def milestone():
    programme = ProgrammeFactory(
        slug="wiltshire-integration",
        rating_scale=RatingScale.DELIVERY_CONFIDENCE,
        reporting_date=SEPT_6,
    )
    return MilestoneFactory(
        workstream=WorkstreamFactory(programme=programme),
        ref="1.18",
        baseline_end=date(2019, 3, 31),
        added_on=date(2018, 4, 1),
    )


def _two_updates(milestone):
    good = status_record(milestone=milestone, rating=Rating.GREEN, as_of=date(2018, 8, 31))
    wrong = status_record(
        milestone=milestone, rating=Rating.RED, as_of=SEPT_6, cause="Typo", path_to_green="None"
    )
    return good, wrong


def _strike_url(milestone, update):
    return reverse(
        "programmes:status_strike", args=[milestone.programme.slug, milestone.pk, update.pk]
    )


def test_striking_an_update_keeps_it_and_restores_the_previous_status(milestone, admin_user):
    good, wrong = _two_updates(milestone)
    status_strike(update=wrong, user=admin_user, reason="Entered against the wrong milestone")
    milestone.refresh_from_db()
    assert StatusUpdate.objects.filter(milestone=milestone).count() == 2
    wrong.refresh_from_db()
    assert wrong.is_struck and wrong.struck_by == admin_user
    assert milestone.rating == Rating.GREEN and milestone.status_as_of == good.as_of


def test_striking_the_only_update_leaves_the_milestone_not_rated(milestone, admin_user):
    update = status_record(milestone=milestone, rating=Rating.COMPLETE, as_of=SEPT_6)
    status_strike(update=update, user=admin_user, reason="Not complete yet")
    milestone.refresh_from_db()
    assert milestone.rating == Rating.NOT_RATED and milestone.completed_on is None


def test_a_strike_needs_a_reason_and_happens_once(milestone, admin_user):
    _, wrong = _two_updates(milestone)
    with pytest.raises(ValidationError):
        status_strike(update=wrong, user=admin_user, reason="  ")
    status_strike(update=wrong, user=admin_user, reason="Wrong milestone")
    with pytest.raises(ValidationError):
        status_strike(update=wrong, user=admin_user, reason="Again")


def test_the_strike_and_its_reason_are_in_the_audit_history(milestone, admin_user):
    _, wrong = _two_updates(milestone)
    status_strike(update=wrong, user=admin_user, reason="Wrong milestone")
    latest = wrong.history.first()
    assert latest.history_change_reason == "Struck out: Wrong milestone"
    assert latest.struck_reason == "Wrong milestone"


def test_reports_ignore_a_struck_update(milestone, admin_user):
    _, wrong = _two_updates(milestone)
    programme = milestone.programme
    assert board_reports.exception_report(programme, as_of=SEPT_6).rows
    status_strike(update=wrong, user=admin_user, reason="Wrong milestone")
    assert board_reports.exception_report(programme, as_of=SEPT_6).rows == []
    changes = board_reports.changes_between(programme, since=date(2018, 9, 1), until=SEPT_6)
    assert changes.changes == []


def test_the_milestone_page_shows_a_struck_update_struck_through_with_who_and_why(
    admin_client_role, milestone, admin_user
):
    _, wrong = _two_updates(milestone)
    response = admin_client_role.post(_strike_url(milestone, wrong), {"reason": "Wrong milestone"})
    assert response.status_code == 302
    page = admin_client_role.get(
        reverse("programmes:milestone_detail", args=[milestone.programme.slug, milestone.pk])
    ).content.decode()
    assert "<del>" in page
    assert "Struck out on " in page and ": Wrong milestone" in page


def test_striking_out_needs_a_reason_on_the_form(admin_client_role, milestone):
    _, wrong = _two_updates(milestone)
    response = admin_client_role.post(_strike_url(milestone, wrong), {"reason": ""})
    assert response.status_code == 200
    assert "Enter why this update is being struck out" in response.content.decode()
    wrong.refresh_from_db()
    assert not wrong.is_struck


def test_only_administrators_may_strike_out_an_update(pm_client, milestone):
    _, wrong = _two_updates(milestone)
    assert pm_client.post(_strike_url(milestone, wrong), {"reason": "x"}).status_code == 403
    wrong.refresh_from_db()
    assert not wrong.is_struck
