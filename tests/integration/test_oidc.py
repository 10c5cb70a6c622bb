"""Signing in with the organisation's account, against a real OpenID Connect provider.

The provider (tests/integration/oidc_provider.py) runs on 127.0.0.1 in a thread; the browser's
part is played by the Django test client (our pages) and `requests` (the provider's page).
"""

import html
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from integration import oidc, roles
from integration.models import UserOrganisation
from tests.conftest import PASSWORD
from tests.integration.oidc_provider import OpenIDProvider

REPO = Path(__file__).resolve().parents[2]
CALLBACK = "http://testserver/accounts/organisation/callback/"
CLIENT_ID = "integration-tracker"
CLIENT_SECRET = "test-client-secret"
DOMAINS = {
    "wiltshire.gov.uk": "Wiltshire Council",
    "nhs.net": "Bath and North East Somerset, Swindon and Wiltshire ICB",
}
PERSON = {
    "email": "Jo.Bloggs@wiltshire.gov.uk",
    "email_verified": True,
    "given_name": "Jo",
    "family_name": "Bloggs",
    "name": "Jo Bloggs",
}


@pytest.fixture
def provider(settings, db):
    """A running provider, and this site configured to trust it."""
    with OpenIDProvider(CLIENT_ID, CLIENT_SECRET, CALLBACK, dict(PERSON)) as running:
        settings.OIDC_ISSUER = running.issuer
        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_ORGANISATION_DOMAINS = DOMAINS
        oidc._discovered.clear()
        yield running
    oidc._discovered.clear()


def _start(client: Client, next_url: str = "/") -> str:
    """Press "Sign in with your organisation account"; the provider approves at once.
    Returns the callback address the provider sends the browser back to."""
    start = client.get(reverse("oidc_sign_in"), {"next": next_url})
    assert start.status_code == 302
    approval = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert approval.status_code == 302, approval.text
    back = urlsplit(approval.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    return f"{back.path}?{back.query}"


def _sign_in(client: Client, next_url: str = "/"):
    return client.get(_start(client, next_url))


def _signed_in_user(client: Client) -> User | None:
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def _shown_after(client: Client, response) -> str:
    """The page the person lands on after a redirect, as text."""
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    return client.get(response["Location"]).content.decode()


def test_a_new_person_signs_in_and_is_created_with_their_name_email_and_organisation(provider):
    client = Client()
    response = _sign_in(client, next_url="/programmes/")

    assert response.status_code == 302
    assert response["Location"] == "/programmes/"
    user = _signed_in_user(client)
    assert user is not None
    assert user.email == "Jo.Bloggs@wiltshire.gov.uk"
    assert (user.first_name, user.last_name) == ("Jo", "Bloggs")
    assert user.user_organisation.organisation_name == "Wiltshire Council"
    assert not user.has_usable_password()
    assert roles.roles_of(user) == frozenset(), "an administrator grants roles, not sign-in"
    assert client.get("/").status_code == 200
    # The PKCE verifier and client secret were sent, and the code exchanged once.
    assert provider.token_requests == 1


def test_an_existing_user_is_matched_by_email_and_keeps_their_name_and_roles(provider):
    manager = User.objects.create_user(
        "jbloggs", email="jo.bloggs@WILTSHIRE.gov.uk", password=PASSWORD, first_name="Joanna"
    )
    manager.groups.add(Group.objects.get_or_create(name=roles.PROGRAMME_MANAGER)[0])
    client = Client()

    _sign_in(client)

    assert _signed_in_user(client) == manager
    assert User.objects.count() == 1
    manager.refresh_from_db()
    assert manager.first_name == "Joanna"
    assert roles.can_edit_plans(manager)
    assert manager.user_organisation.organisation_name == "Wiltshire Council"
    # The local password still works: local accounts stay for small teams and the demo.
    assert Client().login(username="jbloggs", password=PASSWORD)


def test_signing_in_again_does_not_rewrite_the_organisation(provider):
    _sign_in(Client())
    _sign_in(Client())

    user = User.objects.get()
    assert UserOrganisation.history.filter(user=user).count() == 1
    assert user.history.earliest().history_change_reason == (
        "Created at first sign-in with an organisation account"
    )


def test_a_name_only_in_the_name_claim_is_kept_whole(provider):
    provider.claims = {"email": "sam@nhs.net", "name": "Sam O'Neil (BSW ICB)"}

    _sign_in(Client())

    user = User.objects.get()
    assert user.get_full_name() == "Sam O'Neil (BSW ICB)"
    assert user.username == "sam@nhs.net"
    assert user.user_organisation.organisation_name == DOMAINS["nhs.net"]


def test_a_next_address_on_another_site_is_not_followed_after_sign_in(provider):
    client = Client()

    response = _sign_in(client, next_url="https://evil.example.org/")

    assert response["Location"] == "/"
    assert _signed_in_user(client) is not None


def test_the_session_cookie_comes_back_with_the_provider_redirect(settings):
    # The provider sends the browser back with a cross-site GET: a Strict session cookie
    # would not come with it, and every organisation sign-in would end "attempt expired".
    assert settings.SESSION_COOKIE_SAMESITE != "Strict"


@pytest.mark.parametrize(
    ("misbehaviour", "message"),
    [
        ("signature", oidc.BAD_SIGNATURE),
        ("audience", oidc.WRONG_AUDIENCE),
        ("issuer", oidc.WRONG_ISSUER),
        ("nonce", oidc.WRONG_NONCE),
        ("expired", oidc.EXPIRED_TOKEN),
    ],
)
def test_an_id_token_that_does_not_check_out_is_refused_with_a_plain_message(
    provider, misbehaviour, message
):
    provider.misbehave = misbehaviour
    client = Client()

    response = _sign_in(client)

    assert html.escape(message) in _shown_after(client, response)
    assert _signed_in_user(client) is None
    assert not User.objects.exists()


def test_an_email_domain_outside_the_partnership_is_refused(provider):
    provider.claims = {**PERSON, "email": "someone@elsewhere.example"}
    client = Client()

    page = _shown_after(client, _sign_in(client))

    assert "accounts at elsewhere.example cannot sign in here" in page
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"name": "No Email"}, oidc.NO_EMAIL),
        ({**PERSON, "email_verified": False}, oidc.UNVERIFIED_EMAIL),
    ],
)
def test_an_account_without_a_confirmed_email_is_refused(provider, claims, message):
    provider.claims = claims
    client = Client()

    assert html.escape(message) in _shown_after(client, _sign_in(client))
    assert not User.objects.exists()


def test_a_switched_off_account_is_refused(provider):
    User.objects.create_user("jo", email=PERSON["email"], is_active=False)
    client = Client()

    assert html.escape(oidc.INACTIVE) in _shown_after(client, _sign_in(client))
    assert _signed_in_user(client) is None


def test_two_accounts_with_the_same_email_are_refused_not_guessed(provider):
    User.objects.create_user("jo1", email=PERSON["email"])
    User.objects.create_user("jo2", email=PERSON["email"].upper())
    client = Client()

    page = _shown_after(client, _sign_in(client))

    assert "more than one account here has the e-mail address" in page
    assert _signed_in_user(client) is None


def test_the_link_back_from_the_provider_works_once(provider):
    client = Client()
    callback = _start(client)
    assert client.get(callback)["Location"] == "/"
    client.logout()

    replay = client.get(callback)

    assert html.escape(oidc.ATTEMPT_EXPIRED) in _shown_after(client, replay)
    assert _signed_in_user(client) is None


def test_a_sign_in_cancelled_at_the_provider_says_so(provider):
    client = Client()
    callback = urlsplit(_start(client))
    state = parse_qs(callback.query)["state"][0]

    response = client.get(callback.path, {"error": "access_denied", "state": state})

    assert html.escape(oidc.CANCELLED) in _shown_after(client, response)


def test_an_unreachable_provider_is_a_plain_message_not_an_error_page(provider, settings):
    settings.OIDC_ISSUER = "http://127.0.0.1:9/nothing-listens-here"
    client = Client()

    response = client.get(reverse("oidc_sign_in"))

    assert html.escape(oidc.UNREACHABLE) in _shown_after(client, response)


def test_sign_in_page_offers_the_organisation_account_only_when_one_is_set_up(settings, db):
    settings.OIDC_ISSUER = ""
    page = Client().get(reverse("login"))
    assert "Sign in with your organisation account" not in page.content.decode()
    assert Client().get(reverse("oidc_sign_in")).status_code == 404
    assert Client().get(reverse("oidc_callback")).status_code == 404
    # Local accounts sign in as before.
    User.objects.create_user("local", password=PASSWORD)
    assert (
        Client().post(reverse("login"), {"username": "local", "password": PASSWORD}).status_code
        == 302
    )

    settings.OIDC_ISSUER = "https://login.microsoftonline.com/tenant-id/v2.0"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    page = Client().get(reverse("login"), {"next": "/metrics/"}).content.decode()
    assert "Sign in with your organisation account" in page
    assert f'href="{reverse("oidc_sign_in")}?next=/metrics/"' in page


def test_password_sign_in_still_works_while_an_organisation_account_is_set_up(provider):
    User.objects.create_user("local", password=PASSWORD)
    client = Client()

    response = client.post(reverse("login"), {"username": "local", "password": PASSWORD})

    assert response.status_code == 302
    assert _signed_in_user(client).username == "local"
    assert provider.token_requests == 0


# Settings, read from the environment in a fresh process.

_OIDC_VARS = ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_ORGANISATION_DOMAINS")
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-with-plenty-of-entropy-0f9e8d7c6b5a",
    "ALLOWED_HOSTS": "tracker.example.org",
    "SECURE_HSTS_PRELOAD": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SESSION_COOKIE_SECURE": "true",
    "CSRF_COOKIE_SECURE": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECRET_KEY_FILE": "",
    "DATABASE_URL": "",
}
ENTRA = {
    "OIDC_ISSUER": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
    "OIDC_CLIENT_ID": "11111111-1111-1111-1111-111111111111",
    "OIDC_CLIENT_SECRET": "a-client-secret",
    "OIDC_ORGANISATION_DOMAINS": (
        "wiltshire.gov.uk=Wiltshire Council,"
        "nhs.net=Bath and North East Somerset, Swindon and Wiltshire ICB"
    ),
}


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _OIDC_VARS}
    return subprocess.run(
        [sys.executable, *args],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "integration.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_domain_mapping_is_read_from_the_environment_names_may_hold_commas():
    code = "import integration.settings as s; print(sorted(s.OIDC_ORGANISATION_DOMAINS.items()))"
    result = _run(["-c", code], **PRODUCTION_ENV, **ENTRA)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr(sorted(DOMAINS.items()))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"OIDC_ISSUER": ENTRA["OIDC_ISSUER"]},
            "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET",
        ),
        ({**ENTRA, "OIDC_ISSUER": "http://idp.example.org"}, "OIDC_ISSUER must be an https://"),
        ({**ENTRA, "OIDC_ORGANISATION_DOMAINS": "nhs.net"}, "OIDC_ORGANISATION_DOMAINS must read"),
        (
            {**ENTRA, "OIDC_ORGANISATION_DOMAINS": "a.org=A,a.org=B"},
            "OIDC_ORGANISATION_DOMAINS has",
        ),
    ],
)
def test_a_half_or_wrongly_set_up_provider_stops_start_up_naming_the_variable(env, message):
    result = _run(["manage.py", "check"], **PRODUCTION_ENV, **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_deploy_check_is_clean_with_an_organisation_account_set_up():
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION_ENV, **ENTRA
    )
    assert result.returncode == 0, result.stderr
