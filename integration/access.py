"""The one way a view says who may use it.

- `@requires(rule)` for site-wide rules (`integration.roles`: administrators, analysts, the
  programme manager role that starts programmes);
- `require_perm(request, perm, obj)` for rights over one object, asked through Django's
  permission API (`user.has_perm(perm, obj)`), whose rules the owning app registers.

Both turn "this user may not" into the same answer everywhere: a 403 page that says why,
either the view's own explanatory page or the site's 403 page with a one-line reason. A
record the user may not even see is a 404 before it gets here (`visible_to` querysets).
Every refusal is logged and offered to the registered recorders (the change log keeps them).
"""

from __future__ import annotations

import logging
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
RefusalRecorder = Callable[[HttpRequest, str, Any], None]

logger = logging.getLogger("integration.access")
_recorders: list[RefusalRecorder] = []


def refusal_recorder_register(recorder: RefusalRecorder) -> None:
    """Called as recorder(request, what was asked, object or None) on every refusal."""
    if recorder not in _recorders:
        _recorders.append(recorder)


def _refused(request: HttpRequest, asked: str, obj: Any = None) -> None:
    user = request.user.get_username() if request.user.is_authenticated else "anonymous"
    logger.warning(
        "Refused %s %s to %s (%s %s)", asked, obj or "", user, request.method, request.path
    )
    for recorder in _recorders:
        recorder(request, asked, obj)


def _rule_name(rule: Rule) -> str:
    return getattr(rule, "__name__", "rule")


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
                _refused(request, _rule_name(rule))
                if template is not None:
                    return render(request, template, status=403)
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorate


def require_perm(request: HttpRequest, perm: str, obj: Any, *, message: str) -> None:
    """403 with `message` unless the user holds `perm` on `obj` (Django's object
    permissions: `integration.roles.RoleBackend` and the rules apps register)."""
    if not request.user.has_perm(perm, obj):
        _refused(request, perm, obj)
        raise PermissionDenied(message)


# The site-wide rules views use, named once so the 403 pages say the same thing everywhere.
metric_uploaders = requires(roles.can_upload_metrics, template="metrics/uploads/forbidden.html")
