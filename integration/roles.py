"""Who may do what: the single place that turns group membership into rights.

Finer per-programme rights can come later; views ask these functions, never the groups.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser, User

BOARD_MEMBER = "Board member"
PROGRAMME_MANAGER = "Programme manager"
ANALYST = "Analyst"
ADMINISTRATOR = "Administrator"
ALL_ROLES = (BOARD_MEMBER, PROGRAMME_MANAGER, ANALYST, ADMINISTRATOR)


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The role names a user holds, cached on the user object for the request."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        # Cached on the request's user object, so one request asks the database once.
        setattr(user, "_role_names", cached)  # noqa: B010
    return cached


def is_administrator(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_superuser) or (
        ADMINISTRATOR in roles_of(user)
    )


def can_edit_plans(user: User | AnonymousUser) -> bool:
    """Programme managers and administrators change plans and status; board members read."""
    return is_administrator(user) or PROGRAMME_MANAGER in roles_of(user)


def can_upload_metrics(user: User | AnonymousUser) -> bool:
    """Analysts (and administrators) upload and apply activity files."""
    return is_administrator(user) or ANALYST in roles_of(user)


class RoleBackend(ModelBackend):
    """Model permissions as usual, plus every permission for the Administrator role."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if is_administrator(user_obj):
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        if is_administrator(user_obj):
            return True
        return super().has_module_perms(user_obj, app_label)
