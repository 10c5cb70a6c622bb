"""Demo users, one per role, for trying the product and for its browser tests.

`contributor` holds no site-wide role: the demo programme makes them a contributor on its
workstream 1 (`programmes.demo`)."""

import os
import secrets
from typing import Protocol

from django.contrib.auth.models import Group, User

from integration import roles
from metrics.models import AnalystArea, Area

DEMO_USERS = {
    "pm": ("Priya", "Manager", roles.PROGRAMME_MANAGER),
    "board": ("Bernard", "Boardmember", roles.BOARD_MEMBER),
    "analyst": ("Ana", "Lyst", roles.ANALYST),
    "admin": ("Ada", "Administrator", roles.ADMINISTRATOR),
    "contributor": ("Cora", "Contributor", None),
}
NAMES = ", ".join(DEMO_USERS)


class Output(Protocol):
    """Where the demo loaders say what they did: a management command's stdout or a StringIO."""

    def write(self, msg: str, /) -> object: ...


def demo_users_ensure(*, stdout: Output) -> None:
    """Create the demo users in their groups; set passwords from DEMO_PASSWORD when given.

    Without DEMO_PASSWORD, new users get one random password, printed once; existing users
    keep theirs, so running setup again never locks anyone out.
    """
    chosen = os.environ.get("DEMO_PASSWORD", "")
    generated = secrets.token_urlsafe(12) if not chosen else ""
    created_any = False
    for username, (first, last, role) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        user.groups.set([Group.objects.get(name=role)] if role else [])
        if created or chosen:
            user.set_password(chosen or generated)
            user.save()
        created_any = created_any or created
    _analyst_areas_ensure()
    if chosen:
        stdout.write(f"Demo users {NAMES} use the password from DEMO_PASSWORD.\n")
    elif created_any:
        stdout.write(f"Demo users {NAMES} created with password: {generated}\n")
    else:
        stdout.write(
            "Demo users already exist; passwords unchanged (set DEMO_PASSWORD to reset).\n"
        )


def _analyst_areas_ensure() -> None:
    """The demo analyst publishes for every area, so the demo files apply; a real analyst is
    assigned theirs by an administrator (`metrics.AnalystArea`)."""
    analyst = User.objects.get(username="analyst")
    known = set(AnalystArea.objects.filter(user=analyst).values_list("area_id", flat=True))
    AnalystArea.objects.bulk_create(
        AnalystArea(user=analyst, area=area) for area in Area.objects.exclude(pk__in=known)
    )
