"""The milestone list in real Chromium: filter by cross-reference and rating, sort, and the
"Update status" link still works with JavaScript switched off (full page, no htmx)."""

from datetime import date

import pytest

from programmes.choices import Rating, RatingScale
from programmes.models import StatusUpdate
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.programmes.factories import (
    FrameworkCodeFactory,
    FrameworkFactory,
    MilestoneFactory,
    MilestoneReferenceFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan():
    programme = ProgrammeFactory(
        slug="wiltshire-integration",
        name="Wiltshire Integration Programme",
        rating_scale=RatingScale.RAG,
        reporting_date=date(2018, 9, 6),
    )
    ws = WorkstreamFactory(programme=programme, number="1", name="Care closer to home")
    aoi = FrameworkFactory(slug="cqc-aoi", name="CQC areas of improvement")
    codes = {c: FrameworkCodeFactory(framework=aoi, code=c) for c in ("AOI8", "AOI9", "AOI18")}
    rows = [
        ("1.3", Rating.RED, ["AOI8", "AOI9"]),
        ("1.6", Rating.GREEN, ["AOI8"]),
        ("1.13", Rating.AMBER, ["AOI9"]),
        ("1.25", Rating.NOT_RATED, ["AOI18"]),
    ]
    milestones = {}
    for i, (ref, rating, refs) in enumerate(rows):
        m = MilestoneFactory(
            workstream=ws, ref=ref, title=f"Action {ref}", rating=rating, position=i
        )
        for code in refs:
            MilestoneReferenceFactory(milestone=m, code=codes[code])
        milestones[ref] = m
    return milestones


def _shown_refs(page) -> list[str]:
    return [
        cell.inner_text().strip()
        for cell in page.locator("table.govuk-table tbody tr td:first-child").all()
    ]


def test_filter_by_aoi8_then_by_rating_and_sort_by_rating(page, board_user, plan):
    sign_in(page, "board", PASSWORD)
    page.wait_for_url("**/")
    page.goto("/programmes/wiltshire-integration/milestones/")
    assert _shown_refs(page) == ["1.3", "1.6", "1.13", "1.25"]

    page.get_by_label("Cross-reference").select_option("AOI8")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**reference=AOI8**")
    assert _shown_refs(page) == ["1.3", "1.6"]  # not 1.25, whose AOI18 merely contains "AOI8"
    assert "2 milestones match these filters" in page.locator("#results-heading").inner_text()

    page.get_by_label("Red", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**rating=red**")
    assert _shown_refs(page) == ["1.3"]

    page.get_by_role("link", name="Clear filters").click()
    page.get_by_role("link", name="Rating", exact=True).click()
    page.wait_for_url("**sort=rating**")
    header = page.locator("th", has=page.get_by_role("link", name="Rating", exact=True))
    assert header.get_attribute("aria-sort") == "ascending"
    assert _shown_refs(page)[0] == "1.25"  # Not rated is the least severe
    page.get_by_role("link", name="Rating", exact=True).click()
    page.wait_for_url("**sort=-rating**")
    assert _shown_refs(page)[0] == "1.3"  # Red first


def test_board_members_see_no_update_links(page, board_user, plan):
    sign_in(page, "board", PASSWORD)
    page.wait_for_url("**/")
    page.goto("/programmes/wiltshire-integration/milestones/")
    assert page.get_by_role("link", name="Update status").count() == 0


def test_update_status_works_without_javascript(chromium, live_server, pm_user, plan):
    context = chromium.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    try:
        sign_in(page, "pm", PASSWORD)
        page.wait_for_url("**/")
        page.goto("/programmes/wiltshire-integration/milestones/")
        page.get_by_role("link", name="Update status of 1.6").click()
        page.wait_for_url(f"**/milestones/{plan['1.6'].pk}/status/")
        page.get_by_label("Amber", exact=True).check()
        page.get_by_label("Path to green").fill("Weekly huddles")
        page.get_by_role("button", name="Save status").click()
        assert "Enter the cause of the Amber rating" in (
            page.locator(".govuk-error-summary").inner_text()
        )
        assert page.get_by_label("Path to green").input_value() == "Weekly huddles"
        page.get_by_label("Cause").fill("Provider capacity")
        page.get_by_role("button", name="Save status").click()
        page.wait_for_url(f"**/milestones/{plan['1.6'].pk}/")
        assert "Weekly huddles" in page.locator("#history + div").inner_text()
        assert StatusUpdate.objects.get().rating == Rating.AMBER
    finally:
        context.close()
