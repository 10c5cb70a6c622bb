"""load_demo creates one demo user per role and is safe to run again."""

import io

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from integration import roles


def test_load_demo_creates_users_in_their_groups_with_the_chosen_password(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    expected = {
        "pm": roles.PROGRAMME_MANAGER,
        "board": roles.BOARD_MEMBER,
        "analyst": roles.ANALYST,
        "admin": roles.ADMINISTRATOR,
    }
    for username, role in expected.items():
        user = authenticate(username=username, password="demo-password-for-tests")
        assert user is not None, username
        assert list(user.groups.values_list("name", flat=True)) == [role]


def test_load_demo_prints_a_generated_password_once_and_keeps_it_on_rerun(db, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    first = io.StringIO()
    call_command("load_demo", stdout=first)
    password = first.getvalue().split("password: ")[1].split()[0]
    second = io.StringIO()
    call_command("load_demo", stdout=second)
    assert "passwords unchanged" in second.getvalue()
    assert authenticate(username="board", password=password) is not None
    assert User.objects.filter(username__in=["pm", "board", "analyst", "admin"]).count() == 4
