"""While the database is down or hangs, the service says so quickly and plainly: `/healthz`
answers 503 within a few seconds, and pages answer 503 "try again shortly", never a bare 500."""

import time

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from integration.health import database_reachable
from tests.integration.database_servers import postgres_at, silent_server
from tests.programmes.factories import ProgrammeFactory


def test_healthz_answers_503_within_seconds_when_the_database_hangs(client, db, monkeypatch):
    with silent_server() as port:
        monkeypatch.setattr("integration.health.connections", postgres_at(port, connect_timeout=30))
        started = time.monotonic()
        response = client.get("/healthz")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}
    # The check gives up after three seconds even though the driver would wait thirty.
    assert elapsed < 6


def test_connect_timeout_ends_a_hung_connection_attempt(db):
    with silent_server() as port:
        started = time.monotonic()
        reachable = database_reachable(handler=postgres_at(port, connect_timeout=1), timeout=10)
        elapsed = time.monotonic() - started
    assert reachable is False
    assert elapsed < 5


def test_a_page_answers_503_try_again_shortly_when_the_database_drops(board_user, monkeypatch):
    programme = ProgrammeFactory(slug="wiltshire-integration")
    client = Client(raise_request_exception=False)
    client.force_login(board_user)

    def outage(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    # The overview's queries fail as they do when the server goes away mid-request.
    monkeypatch.setattr("programmes.views.pages.programme_overview", outage)
    response = client.get(reverse("programmes:programme_detail", args=[programme.slug]))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Try again shortly" in response.content.decode()


def test_any_other_fault_is_still_the_plain_500_page(board_user, monkeypatch):
    programme = ProgrammeFactory(slug="wiltshire-integration")
    client = Client(raise_request_exception=False)
    client.force_login(board_user)

    def bug(*args, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr("programmes.views.pages.programme_overview", bug)
    response = client.get(reverse("programmes:programme_detail", args=[programme.slug]))
    assert response.status_code == 500
    assert "there is a problem with the service" in response.content.decode()


@pytest.mark.parametrize(
    ("variable", "expected"),
    [("DATABASE_CONNECT_TIMEOUT", "connect_timeout"), ("DATABASE_STATEMENT_TIMEOUT", "options")],
)
def test_postgres_connections_carry_connect_and_statement_timeouts(variable, expected):
    from tests.integration.test_settings import _manage

    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS'])",
        DEBUG="true",
        DATABASE_URL="postgres://tracker@127.0.0.1:5432/tracker",
        DATABASE_CONNECT_TIMEOUT="4",
        DATABASE_STATEMENT_TIMEOUT="120",
    )
    assert result.returncode == 0, result.stderr
    assert "'connect_timeout': 4" in result.stdout
    assert "statement_timeout=120000" in result.stdout
    assert expected in result.stdout
    bad = _manage("check", DEBUG="true", DATABASE_URL="postgres://t@h:5432/t", **{variable: "soon"})
    assert bad.returncode != 0
    assert f"{variable} must be a whole number" in bad.stderr
