"""The rules of a plan, each written once in programmes.rules, and the pages that use them."""

import csv
import io
from datetime import UTC, date, datetime
from unittest import mock

import pytest
from django.urls import reverse

from programmes import rules
from programmes.choices import Rating, StatusSource, tag_colour
from programmes.models import Milestone
from programmes.services import status_record
from tests.programmes.factories import (
    MilestoneFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

SEPT_6 = date(2018, 9, 6)
# 23:30 UTC on 6 September 2018 is 00:30 BST on 7 September in London.
HALF_PAST_MIDNIGHT_BST = datetime(2018, 9, 6, 23, 30, tzinfo=UTC)


def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_effective_end_is_the_forecast_else_the_baseline():
    assert rules.effective_end(date(2019, 1, 31), date(2018, 12, 31)) == date(2019, 1, 31)
    assert rules.effective_end(None, date(2018, 12, 31)) == date(2018, 12, 31)
    assert rules.effective_end(None, None) is None


def test_complete_means_completed_by_the_date_or_rated_complete():
    assert rules.is_complete(completed_on=SEPT_6, rating=Rating.GREEN)
    assert rules.is_complete(completed_on=None, rating=Rating.COMPLETE)
    assert not rules.is_complete(completed_on=SEPT_6, rating=Rating.GREEN, as_of=date(2018, 9, 5))


def test_overdue_and_due_within_count_from_the_as_of_date():
    assert rules.days_overdue(date(2018, 9, 1), as_of=SEPT_6) == 5
    assert not rules.is_overdue(SEPT_6, as_of=SEPT_6)
    assert not rules.is_overdue(None, as_of=SEPT_6)
    assert rules.is_due_within(date(2018, 10, 6), as_of=SEPT_6, days=30)
    assert not rules.is_due_within(date(2018, 10, 7), as_of=SEPT_6, days=30)


def test_worst_rating_and_direction_follow_the_severity_order():
    assert rules.worst_rating([Rating.GREEN, Rating.RED, Rating.AMBER]) == Rating.RED
    assert rules.worst_rating([]) is None
    assert rules.direction(Rating.RED, Rating.AMBER) == "worse"
    assert rules.direction(Rating.GREEN, Rating.AMBER) == "better"
    assert rules.direction(Rating.COMPLETE, Rating.RED) == "changed"
    assert not rules.is_worse(Rating.RED, Rating.NOT_RATED)


def test_a_status_picks_its_tag_colour_in_one_place():
    assert Rating.AMBER.tag_class == tag_colour("amber") == "govuk-tag--yellow"
    assert tag_colour("unknown") == "govuk-tag--grey"


def test_the_reporting_date_is_the_programme_date_else_today_in_london():
    assert rules.reporting_date(ProgrammeFactory.build(reporting_date=SEPT_6)) == SEPT_6
    with mock.patch("django.utils.timezone.now", return_value=HALF_PAST_MIDNIGHT_BST):
        assert rules.reporting_date(ProgrammeFactory.build(reporting_date=None)) == date(2018, 9, 7)


@pytest.mark.django_db
def test_between_midnight_and_one_in_summer_the_milestone_list_and_exception_report_agree(
    board_client,
):
    programme = ProgrammeFactory(slug="wilts", reporting_date=None)
    with mock.patch("django.utils.timezone.now", return_value=HALF_PAST_MIDNIGHT_BST):
        listing = board_client.get(reverse("programmes:milestone_list", args=["wilts"]))
        report = board_client.get(reverse("programmes:exception_report", args=["wilts"]))
        overview = board_client.get(reverse("programmes:programme_detail", args=["wilts"]))
    assert programme.reporting_date is None
    assert "worked out as at 7 Sep 2018" in listing.content.decode()
    assert report.context["report"].as_of == date(2018, 9, 7)
    assert overview.context["as_of"] == date(2018, 9, 7)


@pytest.mark.django_db
def test_the_milestone_export_and_the_exception_export_show_the_same_leads(board_client):
    programme = ProgrammeFactory(slug="wilts", reporting_date=SEPT_6)
    workstream = WorkstreamFactory(programme=programme, number="1")
    milestone = MilestoneFactory(
        workstream=workstream, programme=programme, ref="1.1", lead_text="SG/ Sara McClellan"
    )
    milestone.leads.add(PersonFactory(initials="SG", name="Sara McClellan"))
    unwritten = MilestoneFactory(workstream=workstream, programme=programme, ref="1.2")
    unwritten.leads.add(PersonFactory(initials="TW"))
    for m in (milestone, unwritten):
        status_record(
            milestone=m,
            rating=Rating.RED,
            as_of=SEPT_6,
            source=StatusSource.IMPORT,
            cause="Vacancies",
            path_to_green="Agency staff",
        )
    listed = _csv_rows(
        board_client.get(reverse("programmes:milestone_list", args=["wilts"]) + "?format=csv")
    )
    exceptions = _csv_rows(
        board_client.get(reverse("programmes:exception_report", args=["wilts"]) + "?format=csv")
    )
    leads_listed = {row["ref"]: row["leads"] for row in listed}
    leads_in_report = {row["ref"]: row["leads"] for row in exceptions}
    assert leads_listed == leads_in_report
    assert leads_listed["1.1"] == "SG/ Sara McClellan"
    assert leads_listed["1.2"] == str(unwritten.leads.get())
    assert Milestone.objects.count() == 2
