"""What every response tells the browser: a Content Security Policy with no inline script or
style, no framing, no referrer to other sites, no camera or microphone, and nothing a signed-in
user sees kept in a cache."""

import re

import pytest
from django.template import loader
from django.urls import reverse

from integration import settings as project_settings
from tests.conftest import PASSWORD
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    programme = ProgrammeFactory(slug="wilts", name="Wiltshire plan")
    workstream = WorkstreamFactory(programme=programme, number="1", name="Integrated care")
    MilestoneFactory(workstream=workstream, programme=programme, ref="1.1")
    return programme


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def _signed_in_pages(programme) -> list[str]:
    return [
        reverse("home"),
        reverse("programmes:programme_list"),
        reverse("programmes:programme_detail", args=[programme.slug]),
        reverse("programmes:milestone_list", args=[programme.slug]),
        reverse("programmes:exception_report", args=[programme.slug]),
        reverse("metrics:dashboard"),
    ]


def test_every_page_carries_a_policy_allowing_only_our_own_scripts_and_styles(
    board_client, programme
):
    for url in _signed_in_pages(programme):
        response = board_client.get(url)
        assert response.status_code == 200, url
        directives = _directives(response)
        assert directives["script-src"] == ["'self'"], url
        assert directives["default-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"], url
        assert directives["frame-ancestors"] == ["'none'"], url
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url


def test_the_sign_in_page_carries_the_policy_too(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_pages_contain_no_inline_script_style_or_event_handler(board_client, programme):
    for url in [*_signed_in_pages(programme), reverse("login")]:
        html = board_client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        # The only <style> is the board pack's running header, which carries the nonce.
        for style in re.findall(r"<style[^>]*>", html):
            assert 'nonce="' in style, url


def test_the_print_header_nonce_is_the_one_the_policy_allows(board_client, programme):
    response = board_client.get(reverse("programmes:exception_report", args=[programme.slug]))
    nonce = re.search(r'<style media="print" nonce="([^"]+)"', response.content.decode())[1]
    assert f"'nonce-{nonce}'" in _directives(response)["style-src"]


def test_error_pages_render_without_inline_style():
    for name in ("500.html", "503.html"):
        html = loader.get_template(name).render()
        assert "<style" not in html and "style=" not in html
        assert "css/error-page.css" in html


def test_htmx_is_configured_to_need_neither_eval_nor_inline_styles(board_client):
    html = board_client.get(reverse("home")).content.decode()
    assert '"allowEval": false' in html
    assert '"includeIndicatorStyles": false' in html


def test_pages_cannot_be_framed_and_send_no_referrer_to_other_sites(board_client):
    response = board_client.get(reverse("home"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_browser_features_no_page_uses_are_switched_off(client, board_client):
    for response in (client.get(reverse("login")), board_client.get(reverse("home"))):
        policy = response["Permissions-Policy"]
        for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()"):
            assert feature in policy


def test_signed_in_pages_and_exports_are_never_cached(board_client, programme):
    export = reverse("programmes:exception_report", args=[programme.slug]) + "?format=csv"
    for url in [*_signed_in_pages(programme), export]:
        response = board_client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url


def test_static_files_keep_their_own_cache_lifetime(board_client):
    response = board_client.get("/static/css/error-page.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_session_and_csrf_cookies_are_http_only(client, board_user):
    client.get(reverse("login"))
    assert client.cookies["csrftoken"]["httponly"]
    client.post(reverse("login"), {"username": "board", "password": PASSWORD})
    assert client.cookies["sessionid"]["httponly"]


def test_a_sqlite_database_url_gets_the_same_locking_as_the_default_database(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    default = project_settings._database()["OPTIONS"]
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/other.sqlite3")
    from_url = project_settings._database()["OPTIONS"]
    assert from_url["transaction_mode"] == default["transaction_mode"] == "IMMEDIATE"
    assert from_url["init_command"] == default["init_command"] == "PRAGMA journal_mode=WAL;"


def test_forms_may_lead_only_to_this_site_or_the_organisation_sign_in_provider(monkeypatch):
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    assert project_settings._sign_in_provider_origin() == []
    monkeypatch.setenv("OIDC_ISSUER", "https://login.microsoftonline.com/tenant-id/v2.0")
    assert project_settings._sign_in_provider_origin() == ["https://login.microsoftonline.com"]
