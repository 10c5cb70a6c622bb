"""Who may do what: the single place that turns roles and memberships into rights.

Site-wide roles are auth groups: administrators may do everything, analysts publish metric
data for their areas, programme managers may start new programmes. Rights over one object
(a programme, a milestone) are object permissions, asked the Django way,
`user.has_perm("programmes.change_programme", programme)`; the app that owns the object
registers the rule (`object_rule_register`), so this module imports no app. Views ask
these, never the groups.
"""

from collections.abc import Callable
from typing import Any

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
    """The programme manager role (and administrators) may start new programmes. Which
    existing programme a user may change is its object permission, not this role."""
    return is_administrator(user) or PROGRAMME_MANAGER in roles_of(user)


def can_upload_metrics(user: User | AnonymousUser) -> bool:
    """Analysts (and administrators) upload and apply activity files."""
    return is_administrator(user) or ANALYST in roles_of(user)


ObjectRule = Callable[[Any, Any], bool]
_object_rules: dict[str, ObjectRule] = {}


def object_rule_register(perm: str, rule: ObjectRule) -> None:
    """Say how `perm` is decided for one object: `rule(user, obj)`, for active users."""
    _object_rules[perm] = rule


class RoleBackend(ModelBackend):
    """Model permissions as usual, every permission for the Administrator role, and object
    permissions by the rules apps register."""

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        if is_administrator(user_obj):
            return True
        if obj is not None:
            rule = _object_rules.get(perm)
            active = user_obj.is_authenticated and user_obj.is_active
            return bool(rule is not None and active and rule(user_obj, obj))
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        if is_administrator(user_obj):
            return True
        return super().has_module_perms(user_obj, app_label)
