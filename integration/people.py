"""How a person is named on every page, export and history row: one rule, one home."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User


def display_name(user: AbstractBaseUser | AnonymousUser | None) -> str:
    """The user's full name, else their user name; "" for nobody (an import, a deleted user)."""
    if user is None or not user.is_authenticated:
        return ""
    full_name = getattr(user, "get_full_name", lambda: "")()
    return full_name or user.get_username()


def signed_in(user: User | AnonymousUser | None) -> User | None:
    """The user when signed in, else None: who to record as having done something."""
    return user if isinstance(user, User) and user.is_authenticated else None
