"""Rights over programmes and milestones: the object permissions views, exports, reports,
htmx fragments, history pages and commands ask through `user.has_perm(perm, obj)`.

- `programmes.view_programme` (a programme, or anything of one): its members, through their
  own membership or a team's;
- `programmes.change_programme` (a programme: plan, settings, imports, members): its managers;
- `programmes.change_milestone_status` (a milestone): its programme's managers, and
  contributors assigned its workstream or leading it (`Person.user`).

The same rules in SQL, for lists, are `ProgrammeQuerySet.visible_to/editable_by` and
`MilestoneQuerySet.visible_to/status_editable_by`. Administrators hold every permission
(`integration.roles.RoleBackend`). Registered when the app is ready (`apps.py`).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest

from integration import roles
from integration.access import refusal_recorder_register, requires
from programmes.choices import MEMBERSHIP_STRENGTH, MembershipRole
from programmes.models import AccessRefusal, Membership, Milestone, Programme

VIEW_PROGRAMME = "programmes.view_programme"
CHANGE_PROGRAMME = "programmes.change_programme"
CHANGE_MILESTONE_STATUS = "programmes.change_milestone_status"

# Where a user's roles per programme are kept for the rest of the request.
_CACHE = "_programme_roles"


def roles_remember(user: User | AnonymousUser, programme: Programme) -> None:
    """Keep the role a `with_member_role` query already read, so asking costs no query."""
    cached: dict[int, str | None] = getattr(user, _CACHE, None) or {}
    cached[programme.pk] = getattr(programme, "member_role", None)
    setattr(user, _CACHE, cached)


def role_in(user: User | AnonymousUser, programme_id: int) -> str | None:
    """The strongest role `user` holds in the programme, or None. One query per request for
    programmes a page has not read with `with_member_role`."""
    cached: dict[int, str | None] | None = getattr(user, _CACHE, None)
    if cached is None or programme_id not in cached:
        roles_found: dict[int, str] = {}
        for pid, role in Membership.objects.of_user(user).values_list("programme_id", "role"):
            if pid not in roles_found or _stronger(role, roles_found[pid]):
                roles_found[pid] = role
        cached = {**(cached or {}), **roles_found}
        cached.setdefault(programme_id, None)
        setattr(user, _CACHE, cached)
    return cached[programme_id]


def _stronger(role: str, than: str) -> bool:
    return MEMBERSHIP_STRENGTH[MembershipRole(role)] < MEMBERSHIP_STRENGTH[MembershipRole(than)]


def _programme_id(obj: Any) -> int:
    return obj.pk if isinstance(obj, Programme) else obj.programme_id


def may_view(user: User, obj: Any) -> bool:
    """A programme, or anything with a `programme_id`, is visible to its members."""
    return role_in(user, _programme_id(obj)) is not None


def may_change(user: User, obj: Any) -> bool:
    return role_in(user, _programme_id(obj)) == MembershipRole.MANAGER


def may_record_status(user: User, milestone: Milestone) -> bool:
    role = role_in(user, milestone.programme_id)
    if role == MembershipRole.MANAGER:
        return True
    if role != MembershipRole.CONTRIBUTOR:
        return False
    return Milestone.objects.status_editable_by(user).filter(pk=milestone.pk).exists()


def imports_plans(user: User | AnonymousUser) -> bool:
    """Who may open the plan import: managers of some programme, and administrators."""
    return roles.is_administrator(user) or (
        user.is_authenticated and Programme.objects.editable_by(user).exists()
    )


plan_importers = requires(imports_plans, template="programmes/import/forbidden.html")


def _refusal_record(request: HttpRequest, asked: str, obj: Any) -> None:
    """Keep the refusal as a record, so the change log shows who tried what and when."""
    user = request.user if request.user.is_authenticated else None
    refusal = AccessRefusal(
        user=user,
        path=request.path[:500],
        method=(request.method or "")[:10],
        permission=asked[:100],
        object_label=str(obj or "")[:300],
    )
    refusal._history_user = user  # type: ignore[attr-defined]  # simple-history reads it
    refusal.save()


def register() -> None:
    roles.object_rule_register(VIEW_PROGRAMME, may_view)
    roles.object_rule_register(CHANGE_PROGRAMME, may_change)
    roles.object_rule_register(CHANGE_MILESTONE_STATUS, may_record_status)
    refusal_recorder_register(_refusal_record)
