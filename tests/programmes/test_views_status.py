"""Status updates in the browser: the rules, the error page, and the htmx row fragment."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from programmes.choices import Rating, RatingScale
from programmes.models import StatusUpdate
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def milestone():
    programme = ProgrammeFactory(
        slug="wiltshire-integration", rating_scale=RatingScale.DELIVERY_CONFIDENCE
    )
    ws = WorkstreamFactory(programme=programme)
    return MilestoneFactory(workstream=ws, ref="1.3", baseline_end=date(2019, 3, 31))


def _url(milestone):
    return reverse("programmes:status_update", args=[milestone.programme.slug, milestone.pk])


def _post(client, milestone, headers=None, **data):
    payload = {
        "rating": "green",
        "narrative": "",
        "cause": "",
        "path_to_green": "",
        "forecast_end": "",
        "forecast_reason": "",
    }
    payload.update(data)
    return client.post(_url(milestone), payload, **(headers or {}))


@pytest.mark.parametrize("rating", ["red", "amber_red", "amber"])
def test_off_track_rating_without_cause_is_rejected(pm_client, milestone, rating):
    response = _post(pm_client, milestone, rating=rating, path_to_green="Recruit")
    assert response.status_code == 200
    assert "Enter the cause" in response.content.decode()
    assert StatusUpdate.objects.count() == 0


@pytest.mark.parametrize("rating", ["red", "amber_red", "amber"])
def test_off_track_rating_without_path_to_green_is_rejected(pm_client, milestone, rating):
    response = _post(pm_client, milestone, rating=rating, cause="Vacancies")
    assert response.status_code == 200
    assert "Enter the path to green" in response.content.decode()
    assert StatusUpdate.objects.count() == 0


def test_amber_without_path_to_green_shows_error_summary_and_keeps_typed_text(pm_client, milestone):
    response = _post(
        pm_client, milestone, rating="amber", cause="Two vacancies", narrative="Met the board"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="govuk-error-summary"' in html
    assert "There is a problem" in html
    assert f'<a href="#status-{milestone.pk}-path_to_green">' in html
    assert ">Two vacancies</textarea>" in html
    assert ">Met the board</textarea>" in html
    assert 'value="amber" checked' in html
    assert "<title>Error: " in html


def test_green_needs_no_cause_or_path_to_green(pm_client, milestone):
    response = _post(pm_client, milestone, rating="amber_green")
    assert response.status_code == 302
    assert StatusUpdate.objects.get().rating == Rating.AMBER_GREEN


def test_forecast_later_than_baseline_needs_a_reason(pm_client, milestone):
    response = _post(pm_client, milestone, forecast_end="30/04/2019")
    assert response.status_code == 200
    assert "Enter why the forecast end is later than the baseline end" in (
        response.content.decode()
    )
    assert StatusUpdate.objects.count() == 0
    response = _post(
        pm_client, milestone, forecast_end="30/04/2019", forecast_reason="Provider delay"
    )
    assert response.status_code == 302
    update = StatusUpdate.objects.get()
    assert (update.forecast_end, update.forecast_reason) == (date(2019, 4, 30), "Provider delay")


def test_forecast_within_the_baseline_needs_no_reason(pm_client, milestone):
    assert _post(pm_client, milestone, forecast_end="March 2019").status_code == 302
    assert StatusUpdate.objects.get().forecast_end == date(2019, 3, 31)


@pytest.mark.parametrize("typed", ["31/02/2019", "next spring", "Dec 19", "Sept"])
def test_a_bad_forecast_date_is_a_field_error_not_a_500(pm_client, milestone, typed):
    response = _post(pm_client, milestone, forecast_end=typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="#status-{milestone.pk}-forecast_end">' in html
    assert f'value="{typed}"' in html
    assert StatusUpdate.objects.count() == 0


def test_rating_off_the_programme_scale_is_rejected(pm_client, milestone):
    milestone.programme.rating_scale = RatingScale.RAG
    milestone.programme.save()
    response = _post(pm_client, milestone, rating="amber_green")
    assert response.status_code == 200
    assert "Select a rating on this programme" in response.content.decode()
    response = _post(pm_client, milestone, rating="")
    assert "Select a rating" in response.content.decode()
    assert StatusUpdate.objects.count() == 0


def test_rating_radios_are_limited_to_the_scale_with_labels(pm_client, milestone):
    milestone.programme.rating_scale = RatingScale.RAG
    milestone.programme.save()
    html = pm_client.get(_url(milestone)).content.decode()
    assert 'value="amber_red"' not in html
    for label in ("Red", "Amber", "Green", "Complete", "Not rated"):
        assert f">{label}</label>" in html


def test_update_is_recorded_as_at_the_programme_reporting_date_when_one_is_set(
    pm_client, milestone
):
    milestone.programme.reporting_date = date(2018, 9, 6)
    milestone.programme.save()
    _post(pm_client, milestone, rating="green", narrative="On track")
    assert StatusUpdate.objects.get().as_of == date(2018, 9, 6)


def test_a_valid_update_is_recorded_as_at_today_by_the_user_and_shown_in_history(
    pm_client, pm_user, milestone
):
    response = _post(
        pm_client,
        milestone,
        rating="amber",
        cause="Two vacancies",
        path_to_green="Agency cover from October",
        narrative="Interviews held",
    )
    detail = reverse("programmes:milestone_detail", args=[milestone.programme.slug, milestone.pk])
    assert response.status_code == 302 and response["Location"] == detail
    update = StatusUpdate.objects.get()
    assert update.as_of == timezone.localdate()  # no reporting date set: today
    assert update.author == pm_user
    milestone.refresh_from_db()
    assert milestone.rating == Rating.AMBER
    html = pm_client.get(detail).content.decode()
    assert "Agency cover from October" in html
    assert "recorded as Amber" in html  # the success message


def test_administrators_may_update_status(admin_client_role, milestone):
    assert _post(admin_client_role, milestone, rating="green").status_code == 302


def test_the_form_prefills_cause_and_path_from_the_latest_update(pm_client, milestone):
    _post(pm_client, milestone, rating="red", cause="Funding gap", path_to_green="Bid to BCF")
    html = pm_client.get(_url(milestone) + "?same_as_last=1").content.decode()
    assert ">Funding gap</textarea>" in html
    assert 'value="red" checked' in html


# --- htmx -------------------------------------------------------------------------------------


def test_htmx_get_returns_the_form_as_a_table_row_fragment(pm_client, milestone):
    response = pm_client.get(_url(milestone), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<tr")
    assert "<html" not in html
    assert f'hx-post="{_url(milestone)}"' in html


def test_htmx_post_with_errors_returns_the_fragment_with_200_and_typed_text(pm_client, milestone):
    response = _post(pm_client, milestone, headers=HTMX, rating="amber", cause="Vacancies")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<tr")
    assert "There is a problem" in html
    assert ">Vacancies</textarea>" in html


def test_htmx_post_success_returns_the_updated_row(pm_client, milestone):
    response = _post(pm_client, milestone, headers=HTMX, rating="red", cause="c", path_to_green="p")
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="milestone-row-{milestone.pk}"' in html
    assert '<strong class="govuk-tag govuk-tag--red">Red</strong>' in html
    assert "statusRecorded" in response["HX-Trigger"]
    assert StatusUpdate.objects.count() == 1


def test_row_view_returns_the_plain_row_for_cancel(pm_client, milestone):
    url = reverse("programmes:milestone_row", args=[milestone.programme.slug, milestone.pk])
    html = pm_client.get(url).content.decode()
    assert html.lstrip().startswith("<tr")
    assert "Update status" in html


# --- cause and path to green are not carried over unseen ---------------------------------------


def test_a_new_update_starts_without_last_months_cause_and_path_to_green(pm_client, milestone):
    _post(pm_client, milestone, rating="red", cause="Funding gap", path_to_green="Bid to BCF")
    html = pm_client.get(_url(milestone)).content.decode()
    assert "Funding gap" not in html and "Bid to BCF" not in html
    assert 'value="red" checked' in html  # the rating still starts at the current one
    assert "Same as last update" in html


def test_same_as_last_update_copies_cause_and_path_into_the_form_keeping_typed_text(
    pm_client, milestone
):
    _post(pm_client, milestone, rating="red", cause="Funding gap", path_to_green="Bid to BCF")
    response = _post(
        pm_client, milestone, rating="amber", narrative="Bid submitted", same_as_last="1"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert ">Funding gap</textarea>" in html and ">Bid to BCF</textarea>" in html
    assert ">Bid submitted</textarea>" in html and 'value="amber" checked' in html
    assert "govuk-error-summary" not in html
    assert StatusUpdate.objects.count() == 1  # copying saves nothing


def test_a_green_update_keeps_no_cause_or_path_to_green(pm_client, milestone):
    _post(pm_client, milestone, rating="red", cause="Funding gap", path_to_green="Bid to BCF")
    _post(pm_client, milestone, rating="green", cause="Funding gap", path_to_green="Bid to BCF")
    newest = StatusUpdate.objects.filter(milestone=milestone).first()
    assert newest.rating == Rating.GREEN
    assert (newest.cause, newest.path_to_green) == ("", "")
