"""Response headers the project adds to Django's and django-csp's own."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

Handler = Callable[[HttpRequest], HttpResponse]


class PermissionsPolicyMiddleware:
    """Switches off browser features no page uses (settings.PERMISSIONS_POLICY)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class NoStoreForSignedInMiddleware:
    """Pages and exports shown to a signed-in user carry `Cache-Control: no-store`, so a shared
    computer's browser cache or a proxy never keeps a programme's working papers. A response
    that already says how it may be cached keeps that; static files never reach here
    (WhiteNoise answers them earlier, with their own long cache lifetime)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            patch_cache_control(response, no_store=True)
        return response
