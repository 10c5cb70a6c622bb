"""Personas shared by every test: a programme manager, a board member, an analyst,
an administrator and an outsider with no role.

As in the demo, the persona `pm` manages every programme the tests make and `board` reads
every one (`persona_memberships_grant`, called when either the persona or the programme is
made); tests of other rights make their own users and memberships.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from integration import roles
from metrics.models import AnalystArea, Area
from programmes.choices import MembershipRole
from programmes.models import Membership, Programme

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Every test keeps uploaded files in its own folder: nothing is shared between tests or
    parallel workers, and nothing is left under var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


PERSONA_MEMBERSHIPS = {"pm": MembershipRole.MANAGER, "board": MembershipRole.VIEWER}


def persona_memberships_grant() -> None:
    """The personas' memberships of every programme there is (see the module docstring)."""
    for username, role in PERSONA_MEMBERSHIPS.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        for programme in Programme.objects.exclude(memberships__user=user):
            Membership.objects.create(programme=programme, user=user, role=role)


def analyst_areas_grant(user: User) -> None:
    """Assign the analyst every area there is now (a test that loads areas later calls it)."""
    known = AnalystArea.objects.filter(user=user).values_list("area_id", flat=True)
    AnalystArea.objects.bulk_create(
        AnalystArea(user=user, area=area) for area in Area.objects.exclude(pk__in=known)
    )


def _persona(username: str, role: str | None) -> User:
    user = User.objects.create_user(username=username, password=PASSWORD, first_name=username)
    if role:
        # get_or_create: transactional tests flush the groups the data migration made.
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    persona_memberships_grant()
    return user


@pytest.fixture
def pm_user(db) -> User:
    return _persona("pm", roles.PROGRAMME_MANAGER)


@pytest.fixture
def board_user(db) -> User:
    return _persona("board", roles.BOARD_MEMBER)


@pytest.fixture
def analyst_user(db) -> User:
    """The analyst publishes for every area there is when the test starts (`AnalystArea`)."""
    user = _persona("analyst", roles.ANALYST)
    analyst_areas_grant(user)
    return user


@pytest.fixture
def admin_user(db) -> User:
    return _persona("admin", roles.ADMINISTRATOR)


@pytest.fixture
def outsider_user(db) -> User:
    return _persona("outsider", None)


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def pm_client(pm_user) -> Client:
    return _client_for(pm_user)


@pytest.fixture
def board_client(board_user) -> Client:
    return _client_for(board_user)


@pytest.fixture
def analyst_client(analyst_user) -> Client:
    return _client_for(analyst_user)


@pytest.fixture
def admin_client_role(admin_user) -> Client:
    return _client_for(admin_user)


@pytest.fixture
def outsider_client(outsider_user) -> Client:
    return _client_for(outsider_user)
