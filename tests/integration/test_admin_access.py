"""Administrators (the role) use the admin site, signing in at /admin/login/ or on the
tracker's own sign-in page; nobody else does."""

import io

import pytest
from django.test import Client
from django.urls import reverse

from integration.demo import demo_users_ensure
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
DEMO_PASSWORD = "demo-password-for-admin-tests"


@pytest.fixture
def demo_users(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    demo_users_ensure(stdout=io.StringIO())


def _admin_sign_in(username: str, password: str):
    client = Client()
    response = client.post(
        reverse("admin:login") + "?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
    )
    return client, response


def test_the_demo_administrator_signs_in_at_the_admin_and_reaches_it(demo_users):
    client, response = _admin_sign_in("admin", DEMO_PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "Integration tracker administration" in index.content.decode()


def test_the_demo_administrator_reaches_the_admin_after_the_tracker_sign_in(demo_users):
    client = Client()
    client.post(reverse("login"), {"username": "admin", "password": DEMO_PASSWORD})
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Access attempts" in response.content.decode()


def test_other_roles_cannot_sign_in_at_the_admin(pm_user):
    client, response = _admin_sign_in("pm", PASSWORD)
    assert response.status_code == 200
    assert "for an administrator" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_wrong_password_at_the_admin_counts_towards_the_lock(demo_users):
    for _ in range(5):
        _admin_sign_in("admin", "wrong-password")
    _, response = _admin_sign_in("admin", DEMO_PASSWORD)
    assert response.status_code == 429
