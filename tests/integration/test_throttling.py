"""Sign-in throttling: after five wrong passwords in a row, that account and that address wait
fifteen minutes (or for an administrator to unlock them), told so in plain English."""

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from integration.throttling import client_address
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
HOME_ADDRESS = "203.0.113.7"
OTHER_ADDRESS = "198.51.100.9"


def _sign_in(username: str, password: str, address: str = HOME_ADDRESS):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": username, "password": password})
    return response


def _fail_five_times(username: str, address: str = HOME_ADDRESS) -> None:
    for _ in range(5):
        response = _sign_in(username, "wrong-password", address)
        assert response.status_code in (200, 429)


def _signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("home")


def test_a_wrong_password_says_so_and_lets_the_person_try_again(board_user):
    response = _sign_in("board", "wrong-password")
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert _signed_in(_sign_in("board", PASSWORD))


def test_after_five_wrong_passwords_the_right_one_is_refused_with_a_plain_message(board_user):
    _fail_five_times("board")
    response = _sign_in("board", PASSWORD)
    html = response.content.decode()
    assert response.status_code == 429
    assert "There is a problem" in html
    assert "Too many failed sign-in attempts: signing in is paused for 15 minutes." in html
    assert "ask an administrator to unlock your account" in html
    assert "_auth_user_id" not in response.client.session


def test_the_locked_account_is_refused_from_another_address_too(board_user):
    _fail_five_times("board")
    assert _sign_in("board", PASSWORD, OTHER_ADDRESS).status_code == 429


def test_the_locked_address_cannot_sign_in_to_another_account(board_user, pm_user):
    for username in ("someone", "another", "a-third", "a-fourth", "a-fifth"):
        _sign_in(username, "wrong-password")
    assert _sign_in("pm", PASSWORD).status_code == 429
    assert _signed_in(_sign_in("pm", PASSWORD, OTHER_ADDRESS))


def test_a_successful_sign_in_starts_the_count_again(board_user):
    for _ in range(4):
        _sign_in("board", "wrong-password")
    assert _signed_in(_sign_in("board", PASSWORD))
    for _ in range(4):
        _sign_in("board", "wrong-password")
    assert _signed_in(_sign_in("board", PASSWORD))


def test_an_administrator_unlocks_the_account_in_the_admin(board_user, admin_client_role):
    _fail_five_times("board")
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert admin_client_role.get(changelist).status_code == 200
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    response = admin_client_role.post(
        changelist,
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert _signed_in(_sign_in("board", PASSWORD))


def test_a_forged_forwarded_address_does_not_dodge_the_lock(board_user, pm_user):
    for number in range(5):
        client = Client(REMOTE_ADDR=HOME_ADDRESS, HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
        client.post(reverse("login"), {"username": f"guess{number}", "password": "x"})
    client = Client(REMOTE_ADDR=HOME_ADDRESS, HTTP_X_FORWARDED_FOR="10.9.9.9")
    response = client.post(reverse("login"), {"username": "pm", "password": PASSWORD})
    assert response.status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_trusted_proxy_the_address_it_saw_is_counted():
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, " + HOME_ADDRESS
    )
    assert client_address(request) == HOME_ADDRESS
    alone = RequestFactory().post("/", REMOTE_ADDR="10.0.0.1")
    assert client_address(alone) == "10.0.0.1"
