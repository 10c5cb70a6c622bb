"""The one way a view says who may use it: `@requires(rule)`.

The rules themselves (what a role may do) live in `integration.roles`; this module only turns
"this user may not" into the same kind of answer everywhere: a 403 page that says why, either
the view's own explanatory page or the site's 403 page with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render

from integration import roles

View = TypeVar("View", bound=Callable[..., HttpResponseBase])
Rule = Callable[[User | AnonymousUser], bool]


def requires(
    rule: Rule, *, message: str = "", template: str | None = None
) -> Callable[[View], View]:
    """Let the request through when `rule(request.user)` holds; otherwise answer 403.

    `template` renders a page that explains the refusal in the view's own words; without it
    the site's 403 page shows `message`.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not rule(request.user):
                if template is not None:
                    return render(request, template, status=403)
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def check(request: HttpRequest, rule: Rule, *, message: str) -> None:
    """The same rule inside a view that decides late (for example only for POST)."""
    if not rule(request.user):
        raise PermissionDenied(message)


# The rules every view uses, named once so the 403 pages say the same thing everywhere.
plan_editors = requires(
    roles.can_edit_plans,
    message="Only programme managers and administrators can change plans.",
)
plan_importers = requires(roles.can_edit_plans, template="programmes/import/forbidden.html")
metric_uploaders = requires(roles.can_upload_metrics, template="metrics/uploads/forbidden.html")
