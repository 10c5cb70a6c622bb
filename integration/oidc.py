"""Sign in with the organisation's account: Microsoft Entra ID or another OpenID Connect provider.

mozilla-django-oidc runs the authorisation-code flow (state, nonce, PKCE, token request, JWKS
signature check). This module adds what it leaves out or reads from settings we do not keep:

- the provider's endpoints come from the issuer's discovery document, fetched when a sign-in
  first needs them (never at start-up, never when a page loads a signed-in user);
- an ID token must also be for this client (`aud`), from this issuer (`iss`) and in date;
- names and e-mail come from the verified ID token; an existing user is matched by e-mail; a
  new user gets no role (an administrator grants roles);
- the user's organisation comes from their e-mail domain (OIDC_ORGANISATION_DOMAINS);
- every refusal reaches the person as one plain sentence on the sign-in page.

Settings (see integration/settings.py): OIDC_ISSUER, OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET,
OIDC_ORGANISATION_DOMAINS, OIDC_TIMEOUT, and the library's OIDC_* switches.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import User
from django.contrib.auth.views import LoginView
from django.core.exceptions import SuspiciousOperation
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.views.generic import View

# The library ships no type information.
from mozilla_django_oidc.auth import (  # type: ignore[import-untyped]
    OIDCAuthenticationBackend,
)
from mozilla_django_oidc.views import (  # type: ignore[import-untyped]
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from integration.models import UserOrganisation

logger = logging.getLogger(__name__)

# How long a fetched discovery document is trusted before it is fetched again.
DISCOVERY_LIFETIME_SECONDS = 3600
# Clock difference tolerated between this server and the provider when checking exp and iat.
CLOCK_LEEWAY_SECONDS = 60

_NOT_SIGNED_IN = "We could not sign you in with your organisation account: "
UNREACHABLE = (
    "Your organisation's sign-in service could not be reached. Try again shortly, or sign in "
    "with a local account."
)
CANCELLED = (
    _NOT_SIGNED_IN + "the sign-in was cancelled or refused by your organisation's sign-in "
    "service. Try again, or sign in with a local account."
)
ATTEMPT_EXPIRED = (
    _NOT_SIGNED_IN + "this sign-in attempt has expired or was already used. Start again."
)
BAD_SIGNATURE = (
    _NOT_SIGNED_IN + "the reply from your organisation's sign-in service was not signed with "
    "its key. Try again; if it happens again, tell your administrator."
)
WRONG_AUDIENCE = (
    _NOT_SIGNED_IN + "the reply from your organisation's sign-in service was issued for a "
    "different application. Tell your administrator."
)
WRONG_ISSUER = (
    _NOT_SIGNED_IN + "the reply came from a different sign-in service than the one this site "
    "trusts. Tell your administrator."
)
EXPIRED_TOKEN = (
    _NOT_SIGNED_IN + "the reply from your organisation's sign-in service had expired. Try again."
)
WRONG_NONCE = (
    _NOT_SIGNED_IN + "the reply from your organisation's sign-in service did not belong to "
    "this sign-in attempt. Start again."
)
INVALID_TOKEN = (
    _NOT_SIGNED_IN + "the reply from your organisation's sign-in service could not be "
    "checked. Try again; if it happens again, tell your administrator."
)
NO_EMAIL = _NOT_SIGNED_IN + "it did not tell us your e-mail address. Tell your administrator."
UNVERIFIED_EMAIL = (
    _NOT_SIGNED_IN + "your organisation has not confirmed your e-mail address. Tell your "
    "administrator."
)
INACTIVE = _NOT_SIGNED_IN + "your account here is switched off. Ask an administrator."

# Most specific first: PyJWT's signature, audience and issuer errors share base classes.
_TOKEN_ERRORS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.InvalidSignatureError, BAD_SIGNATURE),
    (jwt.InvalidAudienceError, WRONG_AUDIENCE),
    (jwt.InvalidIssuerError, WRONG_ISSUER),
    (jwt.ExpiredSignatureError, EXPIRED_TOKEN),
    (jwt.ImmatureSignatureError, EXPIRED_TOKEN),
    (jwt.PyJWTError, INVALID_TOKEN),
)


class OrganisationSignInRefused(Exception):
    """A sign-in that must not go ahead; its message is what the person is told."""


class ProviderUnavailable(Exception):
    """The discovery document could not be fetched or does not describe the configured issuer."""


def oidc_enabled() -> bool:
    """Sign-in with an organisation account is offered only when a provider is configured."""
    return bool(getattr(settings, "OIDC_ISSUER", "") and getattr(settings, "OIDC_RP_CLIENT_ID", ""))


_discovered: dict[str, tuple[float, dict[str, Any]]] = {}
_REQUIRED_ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri")


def provider_configuration() -> dict[str, Any]:
    """The issuer's discovery document (/.well-known/openid-configuration), cached a while."""
    issuer: str = settings.OIDC_ISSUER
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_LIFETIME_SECONDS:
        return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"{url}: {exc}") from exc
    if not isinstance(document, dict) or document.get("issuer") != issuer:
        # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it came from.
        raise ProviderUnavailable(f"{url} does not describe the issuer {issuer!r}")
    missing = [name for name in _REQUIRED_ENDPOINTS if not document.get(name)]
    if missing:
        raise ProviderUnavailable(f"{url} has no {', '.join(missing)}")
    _discovered[issuer] = (time.monotonic(), document)
    return document


def _endpoint(name: str) -> str:
    try:
        return str(provider_configuration()[name])
    except ProviderUnavailable as exc:
        logger.warning("Organisation sign-in: provider unavailable: %s", exc)
        raise OrganisationSignInRefused(UNREACHABLE) from exc


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def organisation_for(email: str) -> str | None:
    """The organisation an e-mail address belongs to, by its domain; None when not mapped."""
    domains: dict[str, str] = getattr(settings, "OIDC_ORGANISATION_DOMAINS", {})
    return domains.get(email_domain(email))


def _refused_domain(domain: str) -> str:
    return (
        f"{_NOT_SIGNED_IN}accounts at {domain} cannot sign in here. Ask your administrator to "
        "add your organisation."
    )


def _duplicate_email(email: str) -> str:
    return (
        f"{_NOT_SIGNED_IN}more than one account here has the e-mail address {email}. Ask an "
        "administrator to remove the spare one."
    )


class OrganisationBackend(OIDCAuthenticationBackend):
    """Signs in a person whose organisation's OpenID Connect provider vouches for them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads every endpoint here. Django makes a backend for each password
        # sign-in and each page a signed-in user loads, so ours are looked up only when used.
        self.UserModel = User

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # the library's attribute names
        return _endpoint("token_endpoint")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return _endpoint("jwks_uri")

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(settings.OIDC_RP_CLIENT_ID)

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return str(settings.OIDC_RP_CLIENT_SECRET)

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return str(settings.OIDC_RP_SIGN_ALGO)

    # Keys always come from the provider's JWKS, never from a key kept in settings.
    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback view passes a nonce; a password sign-in is not ours to answer.
        if request is None or "nonce" not in kwargs or not oidc_enabled():
            return None
        try:
            user: User | None = super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            # The library's own refusals: no key in the JWKS with the token's kid, and the like.
            logger.warning("Organisation sign-in refused: %s", exc)
            raise OrganisationSignInRefused(INVALID_TOKEN) from exc
        except requests.RequestException as exc:
            logger.warning("Organisation sign-in: provider request failed: %s", exc)
            raise OrganisationSignInRefused(UNREACHABLE) from exc
        return user

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        """The ID token's signature, audience, issuer, dates and the nonce of this attempt."""
        try:
            key = self.retrieve_matching_jwk(token)
        except (jwt.PyJWTError, KeyError) as exc:
            # Not a JWT, no kid, or a key the JWKS cannot express.
            logger.warning("Organisation sign-in: no signing key for the ID token: %r", exc)
            raise OrganisationSignInRefused(INVALID_TOKEN) from exc
        payload = self.get_payload_data(token, key)
        if payload.get("nonce") != kwargs.get("nonce"):
            raise OrganisationSignInRefused(WRONG_NONCE)
        return payload

    def get_payload_data(self, token: str, key: Any) -> dict[str, Any]:
        # The library checks the signature only; an ID token must also be meant for this client,
        # come from the configured issuer and be in date (OpenID Connect Core 1.0 §3.1.3.7).
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                leeway=CLOCK_LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.PyJWTError as exc:
            logger.warning("Organisation sign-in: ID token refused: %s", exc)
            raise OrganisationSignInRefused(_token_refusal(exc)) from exc
        return payload

    def get_userinfo(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        # Names and e-mail come from the signed ID token: no second call to the provider.
        return payload

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        email = str(claims.get("email") or "").strip()
        if "@" not in email:
            raise OrganisationSignInRefused(NO_EMAIL)
        if claims.get("email_verified") is False:
            raise OrganisationSignInRefused(UNVERIFIED_EMAIL)
        domains: dict[str, str] = settings.OIDC_ORGANISATION_DOMAINS
        if domains and email_domain(email) not in domains:
            # With a mapping set, only the partners' domains may sign in.
            raise OrganisationSignInRefused(_refused_domain(email_domain(email)))
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        users = User.objects.filter(email__iexact=str(claims["email"]).strip())
        if users.count() > 1:
            raise OrganisationSignInRefused(_duplicate_email(str(claims["email"])))
        return users

    def get_username(self, claims: dict[str, Any]) -> str:
        """The e-mail address, made unique when a local account already holds it as a name."""
        base = str(claims["email"]).strip().lower()[:140]
        username, number = base, 1
        while User.objects.filter(username__iexact=username).exists():
            number += 1
            username = f"{base}-{number}"
        return username

    def create_user(self, claims: dict[str, Any]) -> User:
        # No role: an administrator decides what a newcomer may do.
        user = User(username=self.get_username(claims), email=str(claims["email"]).strip())
        _fill_names(user, claims)
        user.set_unusable_password()
        _save_with_reason(user, "Created at first sign-in with an organisation account")
        _record_organisation(user, str(claims["email"]))
        return user

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        if _fill_names(user, claims):
            _save_with_reason(
                user, "Name from organisation account", update_fields=["first_name", "last_name"]
            )
        _record_organisation(user, str(claims["email"]))
        return user


def _token_refusal(error: jwt.PyJWTError) -> str:
    return next(message for kind, message in _TOKEN_ERRORS if isinstance(error, kind))


def _fill_names(user: User, claims: dict[str, Any]) -> bool:
    """Fill names left empty from the token; a name set here already is kept. True if changed."""
    if user.first_name or user.last_name:
        return False
    given = str(claims.get("given_name") or "").strip()
    family = str(claims.get("family_name") or "").strip()
    if not (given or family):
        # Entra ID sends "name" unless given and family names are added as optional claims.
        given = str(claims.get("name") or "").strip()
    user.first_name, user.last_name = given[:150], family[:150]
    return bool(given or family)


def _record_organisation(user: User, email: str) -> None:
    """Keep the user's organisation in step with their e-mail domain; unmapped leaves it as is."""
    name = organisation_for(email)
    if name is None:
        return
    link = UserOrganisation.objects.filter(user=user).first()
    if link is None:
        link = UserOrganisation(user=user)
    elif link.organisation_name == name:
        return
    link.organisation_name = name
    _save_with_reason(link, "From the e-mail domain of the organisation account")


def _save_with_reason(obj: Model, reason: str, **save_options: Any) -> None:
    # simple-history copies _change_reason onto the history row this save writes.
    obj._change_reason = reason  # type: ignore[attr-defined]
    obj.save(**save_options)


def _refuse(request: HttpRequest, reason: str) -> HttpResponse:
    messages.error(request, reason)
    return HttpResponseRedirect(resolve_url("login"))


class OrganisationSignInView(OIDCAuthenticationRequestView):
    """Sends the person to their organisation's sign-in page."""

    def __init__(self, **kwargs: Any) -> None:
        # The library reads the authorisation endpoint from settings here; ours is discovered.
        View.__init__(self, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404("Sign-in with an organisation account is not set up here.")
        try:
            self.OIDC_OP_AUTH_ENDPOINT = _endpoint("authorization_endpoint")
        except OrganisationSignInRefused as refusal:
            return _refuse(request, str(refusal))
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        response: HttpResponse = super().get(request)
        return response


class OrganisationCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the person back: sign them in, or say plainly why not."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404("Sign-in with an organisation account is not set up here.")
        try:
            response: HttpResponse = super().get(request)
        except OrganisationSignInRefused as refusal:
            return _refuse(request, str(refusal))
        except SuspiciousOperation:
            # The library's answer to a state this session never started, or already used.
            return _refuse(request, ATTEMPT_EXPIRED)
        return response

    def login_failure(self) -> HttpResponse:
        user = getattr(self, "user", None)
        if self.request.GET.get("error"):
            reason = CANCELLED
        elif user is not None and not user.is_active:
            reason = INACTIVE
        else:
            reason = ATTEMPT_EXPIRED
        if self.request.user.is_authenticated:
            logout(self.request)
        return _refuse(self.request, reason)


class SignInView(LoginView):
    """The sign-in page: the local form, and the organisation account when one is set up."""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["organisation_sign_in"] = oidc_enabled()
        return context
