"""Playwright for Python driving Debian's Chromium (never a downloaded browser).

Without Chromium the browser tests are skipped with a message, except when
REQUIRE_BROWSER is set (CI sets it), where a missing browser is a failure.
"""

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def chromium(monkeypatch):
    path = _chromium_path()
    if path is None:
        message = "Chromium is not installed (apt-get install -y chromium): browser tests skipped."
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(message.replace("skipped", "required"))
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread while the browser is open (so
    # per test, not per session, or every later test would look async); the test's own ORM
    # calls are still synchronous, so Django's async-safety guard does not apply here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def _live_server_db_cleanup(django_db_setup, django_db_blocker, live_server):
    """Close connections the live server's keep-alive threads still hold on PostgreSQL.

    Otherwise dropping the test database at the end of the run fails with "being accessed
    by other users".
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# Reports every Content Security Policy violation to the console, where `page` collects it;
# Chromium also logs its own "Refused to ... Content Security Policy" message. Playwright adds
# this script itself, so the page's policy does not apply to it.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective
    + " blocked " + (event.blockedURI || "inline code") + " at " + event.sourceFile
    + ":" + event.lineNumber);
});
"""


class CspViolations(list):
    """Console messages about the Content Security Policy, seen while a test ran."""

    def watch(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.append(message.text)


@pytest.fixture
def csp_violations() -> CspViolations:
    return CspViolations()


@pytest.fixture
def page(chromium, live_server, _live_server_db_cleanup, csp_violations, request):
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.on("console", csp_violations.watch)
    yield page
    context.close()
    # Every browser test runs with the real policy on: a page that breaks it fails the test
    # (unless the test provokes a violation on purpose and says so).
    if csp_violations and "csp_violation_expected" not in request.keywords:
        pytest.fail("Content Security Policy violations:\n" + "\n".join(csp_violations))


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
