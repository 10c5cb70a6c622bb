"""An analyst uploads a small CSV in Chromium, checks the mapping and the preview, applies it,
and finds it applied in the uploads list."""

import pytest

from metrics.models import Observation
from metrics.reference import reference_data_load
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD, analyst_areas_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    "Wolverhampton emergency admissions, April to June 2017\n"
    "area_code,area_name,period,metric,kind,value\n"
    'E08000031,Wolverhampton,Apr-17,Total NEL,actual,"1,700"\n'
    'E08000031,Wolverhampton,May-17,Total NEL,actual,"1,775"\n'
    "E08000031,Wolverhampton,Jun-17,Total NEL,actual,NA\n"
)


def test_analyst_uploads_previews_and_applies_a_csv(page, analyst_user):
    # Transactional tests flush what the data migration loaded; load the catalogue again.
    reference_data_load()
    analyst_areas_grant(analyst_user)
    sign_in(page, "analyst", PASSWORD)
    page.wait_for_url("**/")
    page.goto("/metrics/uploads/")
    page.get_by_role("button", name="Upload an activity file").click()
    page.get_by_label("Activity file").set_input_files(
        {"name": "nel-q1.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Read the file").click()

    page.wait_for_url("**/mapping/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check how the columns are read"
    assert page.get_by_label("Read column 'value' as").input_value() == "value"
    page.get_by_role("button", name="Check the file with this mapping").click()

    page.wait_for_url("**/uploads/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check the upload"
    assert page.locator('[data-count="new"]').inner_text() == "3"
    assert page.locator('[data-count="errors"]').inner_text() == "0"
    warnings = page.locator("#warnings + p + .app-table-container, #warnings ~ div").first
    assert "'NA' is not a number" in warnings.inner_text()
    assert Observation.objects.count() == 0
    page.get_by_role("button", name="Apply").click()

    banner = page.locator(".govuk-notification-banner--success")
    assert "Applied nel-q1.csv: 3 new, 0 changed, 0 unchanged." in banner.inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Upload applied"
    assert Observation.objects.count() == 3

    page.get_by_role("link", name="Back to uploads").click()
    row = page.locator("tbody tr", has_text="nel-q1.csv")
    assert "Applied" in row.inner_text()
    assert "by Ana" in row.inner_text() or "by analyst" in row.inner_text()
