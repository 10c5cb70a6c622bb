"""Sign-in, health check and the Administrator-only admin."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.integration.database_servers import closed_port, postgres_at


def test_home_redirects_anonymous_users_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("path", ["/programmes/", "/metrics/", "/metrics/uploads/"])
def test_every_section_needs_sign_in(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_healthz_answers_without_sign_in(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_returns_503_when_the_database_is_unreachable(client, db, monkeypatch):
    # A PostgreSQL server that is not there: nothing listens on the port, so it refuses.
    monkeypatch.setattr("integration.health.connections", postgres_at(closed_port()))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_board_member_signs_in_and_sees_the_navigation(client, board_user):
    response = client.post(
        reverse("login"), {"username": "board", "password": PASSWORD}, follow=True
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Signed in as" in html
    for label in ("Programmes", "Metrics", "Uploads"):
        assert f">{label}<" in html
    assert "Sign out" in html
    assert 'href="#main-content"' in html


def test_wrong_password_shows_an_error_summary_and_keeps_the_username(client, board_user):
    response = client.post(reverse("login"), {"username": "board", "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert 'value="board"' in html
    assert "<title>Error: Sign in" in html


def test_sign_out_ends_the_session(board_client):
    response = board_client.post(reverse("logout"))
    assert response.status_code == 302
    assert board_client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin_client_role", 200),
        ("pm_client", 302),
        ("board_client", 302),
        ("analyst_client", 302),
    ],
)
def test_admin_is_open_to_administrators_only(request, persona, status):
    client = request.getfixturevalue(persona)
    assert client.get("/admin/").status_code == status


def test_administrator_can_open_the_user_list_in_admin(admin_client_role):
    assert admin_client_role.get("/admin/auth/user/").status_code == 200


def test_role_groups_exist_after_migration(db):
    from django.contrib.auth.models import Group

    names = set(Group.objects.values_list("name", flat=True))
    assert {"Board member", "Programme manager", "Analyst", "Administrator"} <= names
