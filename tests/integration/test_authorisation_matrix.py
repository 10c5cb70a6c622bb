"""Who may open what: every URL pattern the resolver knows, for every persona and method,
against the table below.

The patterns come from `get_resolver()`, not from a list here: a new view that is not in
`EXPECTED` fails `test_every_url_pattern_is_in_the_table`, so it cannot be added without
deciding who may use it. Path parameters are filled from one world: the Wiltshire programme
(slug), its workstream 1 (number), a milestone of workstream 1 (pk) and so on by the
pattern's name. Requests carry an empty body: the point is access, not success.

What the outcomes mean:
- `ok`: the view ran (a page, a form with errors, or a redirect after doing its job);
- `login`: redirected to sign in (anonymous users, everywhere but sign-in and /healthz);
- `403`: refused with a page that says why (the user can see the record but not do this);
- `404`: the user may not know the record exists (not a member of its programme);
- `405`: the method is not accepted by the view.

Personas: anonymous; `outsider` (signed in, no role, no membership); `viewer`,
`contributor` (on workstream 1) and `manager` of Wiltshire; `board` (Board member role,
viewer of another programme only); `analyst` (Analyst role, no membership);
`administrator`.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from integration import roles
from metrics.models import AnalystArea, Area, MappingProfile
from metrics.services import upload_create
from programmes.choices import ImportState, MembershipRole, Rating
from programmes.models import Membership, MetricLink, PlanImport
from programmes.services import status_record
from tests.metrics.factories import metric
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

PERSONAS = (
    "anonymous",
    "outsider",
    "viewer",
    "contributor",
    "manager",
    "board",
    "analyst",
    "administrator",
)
WILTSHIRE = "E06000054"

# Shorthands for rows of the table, in PERSONAS order.
OK = "ok"
LOGIN = "login"


def row(*outcomes: str) -> dict[str, str]:
    assert len(outcomes) == len(PERSONAS)
    return dict(zip(PERSONAS, outcomes, strict=True))


def every(outcome: str, **but: str) -> dict[str, str]:
    """Everyone gets `outcome`, but anonymous users are sent to sign in, unless `but` says."""
    return {
        persona: but.get(persona, LOGIN if persona == "anonymous" else outcome)
        for persona in PERSONAS
    }


#                    anonymous outsider viewer contributor manager board analyst administrator
PROGRAMME_READ = row(LOGIN, "404", OK, OK, OK, "404", "404", OK)
PROGRAMME_CHANGE = row(LOGIN, "404", "403", "403", OK, "404", "404", OK)
GET_ONLY_READ = {
    "GET": PROGRAMME_READ,
    "POST": row(LOGIN, "405", "405", "405", "405", "405", "405", "405"),
}
ADMIN_ONLY = every("403", administrator=OK)
ANALYSTS = every("403", analyst=OK, administrator=OK)
NOT_ALLOWED = every("405")

EXPECTED: dict[str, dict[str, dict[str, str]]] = {
    # -- sign-in, health, home, change log ---------------------------------------------------
    "home": {"GET": every(OK), "POST": every("405")},
    "healthz": {"GET": every(OK, anonymous=OK), "POST": every("405", anonymous="405")},
    "login": {"GET": every(OK, anonymous=OK), "POST": every(OK, anonymous=OK)},
    "logout": {"GET": every("405"), "POST": every(OK)},
    "audit_log": {"GET": ADMIN_ONLY, "POST": ADMIN_ONLY},
    # Not set up in tests (no OIDC_ISSUER): 404 for everyone, without sign-in; GET only.
    "oidc_sign_in": {"GET": every("404", anonymous="404"), "POST": every("405", anonymous="405")},
    "oidc_callback": {
        "GET": every("404", anonymous="404"),
        "POST": every("405", anonymous="405"),
    },
    # -- programmes ----------------------------------------------------------------------------
    "programmes:programme_list": {"GET": every(OK), "POST": every("405")},
    "programmes:programme_detail": GET_ONLY_READ,
    "programmes:workstream_detail": {"GET": PROGRAMME_READ, "POST": PROGRAMME_CHANGE},
    "programmes:workstream_history": {"GET": PROGRAMME_READ, "POST": PROGRAMME_READ},
    "programmes:programme_history": {"GET": PROGRAMME_READ, "POST": PROGRAMME_READ},
    "programmes:metric_link_remove": {
        "GET": row(LOGIN, "405", "405", "405", "405", "405", "405", "405"),
        "POST": PROGRAMME_CHANGE,
    },
    "programmes:membership_list": {"GET": PROGRAMME_READ, "POST": PROGRAMME_CHANGE},
    "programmes:membership_edit": {"GET": PROGRAMME_CHANGE, "POST": PROGRAMME_CHANGE},
    "programmes:membership_remove": {
        "GET": row(LOGIN, "405", "405", "405", "405", "405", "405", "405"),
        "POST": PROGRAMME_CHANGE,
    },
    "programmes:milestone_list": GET_ONLY_READ,
    "programmes:milestone_detail": GET_ONLY_READ,
    "programmes:milestone_history": {"GET": PROGRAMME_READ, "POST": PROGRAMME_READ},
    "programmes:milestone_row": GET_ONLY_READ,
    "programmes:milestone_create": {"GET": PROGRAMME_CHANGE, "POST": PROGRAMME_CHANGE},
    "programmes:milestone_edit": {"GET": PROGRAMME_CHANGE, "POST": PROGRAMME_CHANGE},
    # The contributor records status on milestones of workstream 1 (this one).
    "programmes:status_update": {
        "GET": row(LOGIN, "404", "403", OK, OK, "404", "404", OK),
        "POST": row(LOGIN, "404", "403", OK, OK, "404", "404", OK),
    },
    "programmes:status_strike": {"GET": ADMIN_ONLY, "POST": ADMIN_ONLY},
    "programmes:exception_report": {"GET": PROGRAMME_READ, "POST": PROGRAMME_READ},
    "programmes:changes": {"GET": PROGRAMME_READ, "POST": PROGRAMME_READ},
    "programmes:coverage": {"GET": PROGRAMME_READ, "POST": PROGRAMME_READ},
    "programmes:reporting_date_set": {
        "GET": row(LOGIN, "405", "405", "405", "405", "405", "405", "405"),
        "POST": PROGRAMME_CHANGE,
    },
    "programmes:reference_review": {"GET": PROGRAMME_READ, "POST": PROGRAMME_CHANGE},
    # Plan import: the page is for managers of some programme; each import for its own.
    "programmes:plan_import_upload": {
        "GET": every("403", manager=OK, administrator=OK),
        "POST": every("403", manager=OK, administrator=OK),
    },
    "programmes:plan_import_detail": {
        "GET": every("403", manager=OK, administrator=OK),
        "POST": every("403", manager=OK, administrator=OK),
    },
    "programmes:plan_import_confirm": {
        "GET": every("403", manager="405", administrator="405"),
        "POST": every("403", manager=OK, administrator=OK),
    },
    "programmes:plan_import_discard": {
        "GET": every("403", manager="405", administrator="405"),
        "POST": every("403", manager=OK, administrator=OK),
    },
    # -- metrics: metric data is public-sector statistics; analysts publish ---------------------
    "metrics:dashboard": {"GET": every(OK), "POST": every(OK)},
    "metrics:comparison": {"GET": every(OK), "POST": every(OK)},
    "metrics:metric_detail": {"GET": every(OK), "POST": every(OK)},
    "metrics:metric_history": {"GET": every(OK), "POST": every(OK)},
    "metrics:upload_list": {"GET": every(OK), "POST": every("405")},
    "metrics:upload_detail": {"GET": every(OK), "POST": every("405")},
    "metrics:upload_profile_list": {"GET": every(OK), "POST": ANALYSTS},
    "metrics:upload_profile_export": {"GET": every(OK), "POST": every("405")},
    "metrics:upload_create": {"GET": ANALYSTS, "POST": ANALYSTS},
    "metrics:upload_mapping": {"GET": ANALYSTS, "POST": ANALYSTS},
    "metrics:upload_apply": {
        "GET": every("403", analyst="405", administrator="405"),
        "POST": ANALYSTS,
    },
    "metrics:upload_check": {
        "GET": every("403", analyst="405", administrator="405"),
        "POST": ANALYSTS,
    },
    "metrics:upload_discard": {
        "GET": every("403", analyst="405", administrator="405"),
        "POST": ANALYSTS,
    },
    "metrics:upload_revert": {
        "GET": every("403", administrator="405"),
        "POST": ADMIN_ONLY,
    },
    "metrics:upload_file": {
        "GET": ANALYSTS,
        "POST": every("403", analyst="405", administrator="405"),
    },
}

# The admin site is one application with its own check (`AdminSite.has_permission`, open to
# administrators): every one of its patterns sends anyone else to its sign-in page.
ADMIN_PREFIX = "admin:"
ADMIN_OPEN = {"admin:login", "admin:logout", "admin:jsi18n"}


def url_patterns(patterns=None, prefix: str = "", namespace: str = ""):
    """(route, name) of every pattern the resolver knows, namespaces included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(n for n in (namespace, pattern.namespace or "") if n)
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name


def _user(username: str, role: str | None = None) -> User:
    user = User.objects.create_user(username=f"matrix-{username}", password="x")
    if role:
        user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def world(db, settings):
    """The Wiltshire programme with a member of each kind, and one object of every type the
    URL patterns name."""
    # Empty sign-in posts are failures: left on, throttling would lock the test's address out
    # halfway through the table (it has its own tests in test_throttling.py).
    settings.AXES_ENABLED = False
    wiltshire = ProgrammeFactory(slug="matrix-wiltshire", name="Wiltshire")
    other = ProgrammeFactory(slug="matrix-other", name="Another area")
    workstream_a = WorkstreamFactory(programme=wiltshire, number="1")
    WorkstreamFactory(programme=wiltshire, number="2")
    milestone = MilestoneFactory(programme=wiltshire, workstream=workstream_a)
    update = status_record(milestone=milestone, rating=Rating.GREEN, as_of=date(2018, 9, 6))
    users = {
        "outsider": _user("outsider"),
        "viewer": _user("viewer"),
        "contributor": _user("contributor"),
        "manager": _user("manager", roles.PROGRAMME_MANAGER),
        "board": _user("board", roles.BOARD_MEMBER),
        "analyst": _user("analyst", roles.ANALYST),
        "administrator": _user("administrator", roles.ADMINISTRATOR),
    }
    viewer = Membership.objects.create(
        programme=wiltshire, user=users["viewer"], role=MembershipRole.VIEWER
    )
    Membership.objects.create(
        programme=wiltshire, user=users["contributor"], role=MembershipRole.CONTRIBUTOR
    ).workstreams.add(workstream_a)
    Membership.objects.create(
        programme=wiltshire, user=users["manager"], role=MembershipRole.MANAGER
    )
    Membership.objects.create(programme=other, user=users["board"], role=MembershipRole.VIEWER)
    area = Area.objects.get(code=WILTSHIRE)
    AnalystArea.objects.create(user=users["analyst"], area=area)
    link = MetricLink.objects.create(
        workstream=workstream_a, metric=metric("non-elective-admissions"), area=area
    )
    plan_import = PlanImport.objects.create(
        programme=wiltshire,
        original_name="plan.csv",
        sha256="0" * 64,
        as_of=date(2018, 9, 6),
        state=ImportState.DISCARDED,
    )
    upload = upload_create(
        content=b"area_code,metric_code,period,value\nE06000054,non-elective-admissions,2018-04,1\n",
        filename="activity.csv",
        user=users["analyst"],
    )
    profile = MappingProfile.objects.create(
        name="matrix profile", definition=upload.profile_snapshot
    )
    params = {
        "slug": wiltshire.slug,
        "number": workstream_a.number,
        "update_pk": update.pk,
        "area_code": WILTSHIRE,
        "metric_code": "non-elective-admissions",
    }
    pks = {
        "programmes:membership_edit": viewer.pk,
        "programmes:membership_remove": viewer.pk,
        "programmes:metric_link_remove": link.pk,
        "programmes:plan_import_detail": plan_import.pk,
        "programmes:plan_import_confirm": plan_import.pk,
        "programmes:plan_import_discard": plan_import.pk,
        "metrics:upload_profile_export": profile.pk,
    }
    return {"users": users, "params": params, "pks": pks, "milestone": milestone, "upload": upload}


def _url(route: str, name: str, world) -> str:
    """The route with its parameters filled from the world, by parameter and pattern name."""

    def fill(match: re.Match) -> str:
        parameter = match.group("name")
        if parameter == "pk":
            if name in world["pks"]:
                return str(world["pks"][name])
            if name.startswith("metrics:upload"):
                return str(world["upload"].pk)
            return str(world["milestone"].pk)
        return str(world["params"].get(parameter, "1"))

    filled = re.sub(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>", fill, route)
    return "/" + filled


def _outcome(response, admin: bool = False) -> str:
    status = response.status_code
    if status in (301, 302):
        location = response["Location"]
        # The admin site sends signed-in users without the right to its own sign-in page.
        sign_in = (reverse("login"), reverse("admin:login")) if admin else (reverse("login"),)
        if location.startswith(sign_in) and "next=" in location:
            return LOGIN
        return OK
    if status in (200, 204, 400, 409):
        return OK
    return str(status)


def _client(persona: str, world) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(world["users"][persona])
    return client


def _patterns():
    return [(route, name) for route, name in url_patterns() if not name.startswith(ADMIN_PREFIX)]


def test_every_url_pattern_is_in_the_table():
    names = {name for _, name in _patterns()}
    assert names - EXPECTED.keys() == set(), "a view nobody decided who may use"
    assert EXPECTED.keys() - names == set(), "the table names a view that no longer exists"


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_exactly_what_the_table_says(persona, world):
    wrong = []
    for route, name in _patterns():
        url = _url(route, name, world)
        for method, expected in EXPECTED[name].items():
            # A client per request: signing out must not change the next request's answer.
            response = getattr(_client(persona, world), method.lower())(url)
            got = _outcome(response)
            if got != expected[persona]:
                wrong.append(f"{method} {url} ({name}): expected {expected[persona]}, got {got}")
    assert wrong == []


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_admin_site_is_for_administrators_only(persona, world):
    client = _client(persona, world)
    for route, name in url_patterns():
        if not name.startswith(ADMIN_PREFIX) or name in ADMIN_OPEN:
            continue
        got = _outcome(client.get(_url(route, name, world)), admin=True)
        if persona == "administrator":
            assert got != LOGIN and not got.startswith("5"), name
        else:
            assert got == LOGIN, name
