"""A board member signs in with the real Chromium and sees the home page."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_board_member_signs_in_and_sees_home_page(page, board_user):
    page.goto("/")
    assert "/accounts/sign-in/" in page.url
    sign_in(page, "board", PASSWORD)
    page.wait_for_url("**/")
    assert page.get_by_role("heading", level=1).inner_text() == "Integration programme tracker"
    assert page.get_by_text("Signed in as").is_visible()
    nav = page.get_by_role("navigation", name="Menu")
    for label in ("Programmes", "Metrics", "Uploads"):
        assert nav.get_by_role("link", name=label).is_visible()
    # The compiled GOV.UK stylesheet loaded: the body uses the Arial stack, not GDS Transport.
    font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "arial" in font.lower()


def test_wrong_password_shows_the_error_summary_in_the_browser(page, board_user):
    sign_in(page, "board", "wrong-password")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a correct username and password" in summary.inner_text()
