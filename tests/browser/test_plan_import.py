"""A programme manager uploads the Wiltshire plan in Chromium, checks the preview, confirms,
and resolves a cross-reference on the review page."""

from pathlib import Path

import pytest

from programmes.models import Milestone, UnresolvedReference
from programmes.reference import frameworks_load
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.programmes.factories import ProgrammeFactory

REPO = Path(__file__).resolve().parents[2]
DEMO_PLAN = REPO / "fixtures" / "demo" / "wiltshire-integration-plan-2018-09.csv"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pm_uploads_the_demo_plan_sees_the_preview_confirms_and_resolves_a015(page, pm_user):
    frameworks_load()  # transactional tests start from an empty database
    ProgrammeFactory(slug="wiltshire", name="Wiltshire plan")
    sign_in(page, "pm", PASSWORD)
    page.wait_for_url("**/")
    page.goto("/programmes/import/?programme=wiltshire")
    assert page.get_by_role("heading", level=1).inner_text() == "Import a plan"
    page.get_by_label("Plan file").set_input_files(str(DEMO_PLAN))
    page.get_by_label("Date the file was true").fill("06/09/2018")
    page.get_by_role("button", name="Check the file").click()

    page.wait_for_url("**/programmes/import/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Check the plan import"
    assert page.locator('[data-count="rows"]').inner_text() == "94"
    assert page.locator('[data-count="workstreams"]').inner_text() == "9"
    assert page.locator('[data-count="complete"]').inner_text() == "4"
    assert page.locator(".govuk-warning-text").is_visible()
    warnings = page.locator("#warnings + p + .app-table-container, #warnings ~ div").first
    assert warnings.get_by_text("“A015” could be AOI5 or AOI15").is_visible()
    assert Milestone.objects.count() == 0

    page.get_by_role("button", name="Confirm and import").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Plan imported"
    assert "94 created" in page.locator(".govuk-notification-banner").inner_text()
    assert Milestone.objects.filter(programme__slug="wiltshire").count() == 94

    page.get_by_role("link", name="Review 11 unresolved cross-references").click()
    row = page.locator("tr", has=page.locator("code.app-token", has_text="A015"))
    row.get_by_label("AOI15").check()
    row.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert (
        "“A015” on 1.17 now links to AOI15"
        in page.locator(".govuk-notification-banner").inner_text()
    )
    assert UnresolvedReference.objects.get(raw_token="A015").resolved_code.code == "AOI15"
