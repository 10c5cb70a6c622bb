"""Sign-in throttling with django-axes: who is asking, and what a locked-out person reads.

The limits are settings (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME); axes counts the failures and
calls these two functions.
"""

from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class SignInThrottleBackend(AxesStandaloneBackend):
    """django-axes' gate, first in AUTHENTICATION_BACKENDS: a locked-out account or address is
    refused before any password is checked. Every sign-in page passes the request; a password
    checked without one (a script, a test, the shell) is not a web sign-in attempt, so there
    is nothing to throttle and the next backend decides, where axes itself would raise."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


def client_address(request: HttpRequest) -> str:
    """The address a sign-in attempt came from. Behind TRUSTED_PROXY_COUNT proxies, the one
    the outermost of them saw; entries further left were written by the client and could
    be anything, so they are never trusted."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    if not proxies:
        return remote
    forwarded = [
        part.strip()
        for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if part.strip()
    ]
    return forwarded[-proxies] if len(forwarded) >= proxies else remote


def cool_off_minutes(cool_off: timedelta) -> int:
    return max(1, round(cool_off.total_seconds() / 60))


def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict | None = None,
) -> HttpResponse:
    """The sign-in page again, with a GOV.UK error summary saying why and for how long
    (429 Too Many Requests), instead of axes' bare message."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cool_off_minutes": cool_off_minutes(settings.AXES_COOLOFF_TIME),
    }
    return render(request, "registration/locked_out.html", context, status=429)
