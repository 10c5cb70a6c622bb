"""Every browser test runs under the real Content Security Policy and fails on any violation
(tests/browser/conftest.py). These show that the watch works, and that the policy is the
strict one: a script or style slipped into a page is refused."""

import pytest

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INJECT_INLINE_STYLE = """() => {
  const style = document.createElement("style");
  style.textContent = "body { background: red; }";
  document.head.appendChild(style);
}"""


def test_signed_in_pages_come_with_the_strict_policy(page, board_user):
    sign_in(page, "board", PASSWORD)
    response = page.goto("/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.csp_violation_expected
def test_an_injected_inline_style_is_refused_and_reported(page, board_user, csp_violations):
    sign_in(page, "board", PASSWORD)
    page.evaluate(INJECT_INLINE_STYLE)
    page.wait_for_function("() => true")
    page.wait_for_timeout(200)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 0, 0)"
    assert any("Content Security Policy" in message for message in csp_violations)
