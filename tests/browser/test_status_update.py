"""Signed in as a programme manager in real Chromium: Amber without a path to green is refused
with a GOV.UK error summary keeping the typed text; with one, the history shows the new row.
Both on the full page (no JavaScript needed) and inline from the milestone list (htmx)."""

from datetime import date

import pytest

from programmes.choices import Rating, RatingScale
from programmes.models import StatusUpdate
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def milestone():
    programme = ProgrammeFactory(
        slug="wiltshire-integration",
        name="Wiltshire Integration Programme",
        rating_scale=RatingScale.DELIVERY_CONFIDENCE,
        reporting_date=date(2018, 9, 6),
    )
    ws = WorkstreamFactory(programme=programme, number="1", name="Care closer to home")
    return MilestoneFactory(
        workstream=ws,
        ref="1.3",
        title="Consistent use of Social Prescribing",
        baseline_end=date(2019, 3, 31),
    )


def test_full_page_amber_needs_a_path_to_green_then_history_shows_it(page, pm_user, milestone):
    sign_in(page, "pm", PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/programmes/wiltshire-integration/milestones/{milestone.pk}/")
    page.get_by_role("link", name="Update status").click()
    page.get_by_label("Amber", exact=True).check()
    page.get_by_label("Cause").fill("Two social prescriber vacancies")
    page.get_by_label("Progress since the last update").fill("Link workers in 3 of 5 areas")
    page.get_by_role("button", name="Save status").click()

    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "There is a problem" in summary.inner_text()
    assert "Enter the path to green" in summary.inner_text()
    assert page.get_by_label("Cause").input_value() == "Two social prescriber vacancies"
    assert page.get_by_label("Progress since the last update").input_value() == (
        "Link workers in 3 of 5 areas"
    )
    assert page.get_by_label("Amber", exact=True).is_checked()
    assert page.title().startswith("Error:")
    assert StatusUpdate.objects.count() == 0

    page.get_by_label("Path to green").fill("Agency cover while recruiting")
    page.get_by_role("button", name="Save status").click()
    page.wait_for_url(f"**/milestones/{milestone.pk}/")
    history = page.locator("#history + .app-table-container table")
    assert "Agency cover while recruiting" in history.inner_text()
    first_row = history.locator("tbody tr").first
    assert "Amber" in first_row.inner_text()
    assert "pm" in first_row.inner_text()
    assert StatusUpdate.objects.get().rating == Rating.AMBER


def test_inline_htmx_update_from_the_list_replaces_the_row(page, pm_user, milestone):
    sign_in(page, "pm", PASSWORD)
    page.wait_for_url("**/")
    page.goto("/programmes/wiltshire-integration/milestones/")
    row = page.locator(f"#milestone-row-{milestone.pk}")
    row.get_by_role("link", name="Update status").click()
    # htmx swapped the form into the row: still on the list page.
    form = page.locator(f"#milestone-row-{milestone.pk} form")
    form.wait_for()
    assert page.url.endswith("/milestones/")
    form.get_by_label("Amber", exact=True).check()
    form.get_by_label("Cause").fill("Two social prescriber vacancies")
    form.get_by_role("button", name="Save status").click()

    summary = page.locator(f"#milestone-row-{milestone.pk} .govuk-error-summary")
    summary.wait_for()
    assert "Enter the path to green" in summary.inner_text()
    form = page.locator(f"#milestone-row-{milestone.pk} form")
    assert form.get_by_label("Cause").input_value() == "Two social prescriber vacancies"
    assert page.url.endswith("/milestones/")

    form.get_by_label("Path to green").fill("Agency cover while recruiting")
    form.get_by_role("button", name="Save status").click()
    page.locator(f"#milestone-row-{milestone.pk} .govuk-tag--yellow").wait_for()
    row = page.locator(f"#milestone-row-{milestone.pk}")
    assert "Amber" in row.inner_text()
    assert row.locator("form").count() == 0
    assert page.locator("#status-announcer").inner_text().startswith("Status of 1.3 recorded")

    page.goto(f"/programmes/wiltshire-integration/milestones/{milestone.pk}/")
    assert "Agency cover while recruiting" in page.locator("#history + div").inner_text()
