"""Settings for the integration programme tracker, read from the environment.

Every variable is listed in `.env.example` and the README. A malformed value raises
ImproperlyConfigured naming the variable.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from integration.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = env_str("SECRET_KEY")
    key_file = env_str("SECRET_KEY_FILE")
    if not key and key_file:
        try:
            key = Path(key_file).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"SECRET_KEY_FILE {key_file!r} cannot be read: {exc}"
            ) from exc
    if key:
        return key
    if DEBUG:
        # Only for local development with DEBUG on; never used when DEBUG is off.
        return "insecure-development-key-do-not-use-in-production"
    raise ImproperlyConfigured(
        "SECRET_KEY is required when DEBUG is off: set SECRET_KEY (or SECRET_KEY_FILE). "
        "On a machine set up with `make setup`, SECRET_KEY_FILE=var/secret_key uses the key "
        "it made."
    )


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "integration.admin_apps.IntegrationAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Django's own form templates, found by the form renderer below after templates/.
    "django.forms",
    "django_tables2",
    "django_filters",
    # Field-level history of every domain model: who, when, what changed (old -> new).
    "simple_history",
    # Sign-in throttling: failed attempts per account and per address (see "Sign-in" below).
    "axes",
    "integration",
    "metrics",
    "programmes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # A body over the upload limit is refused (413) before it is read or a session looked up.
    "integration.uploads.UploadLimitMiddleware",
    # Content-Security-Policy on every response (static files included, harmlessly).
    "csp.middleware.CSPMiddleware",
    "integration.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A signed-in user's pages and exports are never kept by the browser or a proxy.
    "integration.middleware.NoStoreForSignedInMiddleware",
    # Every page needs sign-in unless its view is marked login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # Records the signed-in user on every history row a request writes.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: answers a locked-out sign-in with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "integration.urls"
WSGI_APPLICATION = "integration.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "integration.context_processors.site",
            ],
        },
    },
]

# Every form field renders as one GOV.UK form group (templates/django/forms/).
FORM_RENDERER = "integration.forms.GovukFormRenderer"


# IMMEDIATE transactions and WAL stop "database is locked" under concurrent writes: the
# default SQLite database and any SQLite DATABASE_URL get them alike.
_SQLITE_LOCKING = {"transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}


def _database() -> dict[str, Any]:
    url = env_str("DATABASE_URL")
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": dict(_SQLITE_LOCKING),
        }
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60))
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we support: {exc}") from exc
    if not config.get("ENGINE") or not config.get("NAME"):
        raise ImproperlyConfigured(
            "DATABASE_URL must name a database, e.g. postgres://user@host:5432/dbname."
        )
    if "postgresql" in config["ENGINE"]:
        config["OPTIONS"] = {**config.get("OPTIONS", {}), **_postgres_timeouts()}
    elif "sqlite3" in config["ENGINE"]:
        config["OPTIONS"] = {**_SQLITE_LOCKING, **config.get("OPTIONS", {})}
    return dict(config)


def _postgres_timeouts() -> dict[str, Any]:
    """A database that hangs must not hang every request: give up connecting after a few
    seconds, and end any one statement that runs longer than a large upload's apply needs."""
    connect = env_int("DATABASE_CONNECT_TIMEOUT", 5, minimum=1)
    statement = env_int("DATABASE_STATEMENT_TIMEOUT", 300)
    return {
        "connect_timeout": connect,
        # 0 means no limit, as in PostgreSQL itself.
        "options": f"-c statement_timeout={statement * 1000}",
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before its password is checked.
    "integration.throttling.SignInThrottleBackend",
    "integration.roles.RoleBackend",
    # Sign-in with the organisation's account; answers nothing until OIDC_ISSUER is set.
    "integration.oidc.OrganisationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"]

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# The project's own sources, plus the compiled front end (var/build) made by `make setup`.
STATICFILES_DIRS = [BASE_DIR / "static", VAR_DIR / "build"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "media/"
# Hashed static names never change content, so browsers may keep them for a year.
WHITENOISE_MAX_AGE = 31536000
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest upload, refused while it streams in (integration/uploads.py): the middleware
# above by Content-Length, and the first upload handler byte by byte.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_MB", 50, minimum=1) * 1024 * 1024
FILE_UPLOAD_HANDLERS = [
    "integration.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# HTTPS hardening: on by default when DEBUG is off, each switchable for a local HTTP run.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    # Behind a TLS-terminating load balancer that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
# No script reads the CSRF cookie: forms (htmx ones included) send the token from the page.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


def _sign_in_provider_origin() -> list[str]:
    """The organisation sign-in provider (OIDC_ISSUER), where a sign-in form may send people:
    browsers apply form-action to the redirects that follow a form, too."""
    issuer = urlsplit(env_str("OIDC_ISSUER").strip())
    return [f"{issuer.scheme}://{issuer.netloc}"] if issuer.scheme and issuer.netloc else []


# Content Security Policy (django-csp 4): scripts and styles only from our own static files.
# No 'unsafe-inline' and no 'unsafe-eval' (htmx runs with allowEval off, see base.html). The
# one inline style is the board pack's running header, whose text is the report's title: it
# carries the per-response nonce (templates/includes/print_header.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],
        # GOV.UK Frontend draws some icons as data: images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF, *_sign_in_provider_origin()],
        "frame-ancestors": [NONE],
    },
}
# Features no page uses, switched off for this site and anything it might embed.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), payment=(), usb=()"
)

# Sign-in throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords in a row, that
# account, and separately that address, is refused for the cool-off time, whatever the
# password. An administrator unlocks early in the admin (Axes > Access attempts: delete).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "integration.throttling.locked_out"
AXES_CLIENT_IP_CALLABLE = "integration.throttling.client_address"
# Sign-in attempts are in the admin; each one need not also be a log line.
AXES_VERBOSE = False
# Behind load balancers or reverse proxies, how many of them append to X-Forwarded-For: the
# address counted is the one the outermost trusted proxy saw. 0 (direct): REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

DJANGO_TABLES2_TEMPLATE = "includes/table.html"

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", _LOG_LEVELS)},
}


# Sign in with the organisation's account: Microsoft Entra ID or another OpenID Connect
# provider (integration/oidc.py, mozilla-django-oidc). Off until OIDC_ISSUER is set; the
# provider's endpoints come from its discovery document, fetched at the first sign-in.
OIDC_ISSUER = env_str("OIDC_ISSUER").strip()
OIDC_RP_CLIENT_ID = env_str("OIDC_CLIENT_ID").strip()
OIDC_RP_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET").strip()
if any((OIDC_ISSUER, OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET)) and not all(
    (OIDC_ISSUER, OIDC_RP_CLIENT_ID, OIDC_RP_CLIENT_SECRET)
):
    raise ImproperlyConfigured(
        "OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET go together: set all three to "
        "offer sign-in with an organisation account, or none of them."
    )
if OIDC_ISSUER and not OIDC_ISSUER.startswith("https://") and not DEBUG:
    raise ImproperlyConfigured(f"OIDC_ISSUER must be an https:// address, not {OIDC_ISSUER!r}.")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10, minimum=1)
OIDC_AUTHENTICATION_CALLBACK_URL = "oidc_callback"


def _organisation_domains() -> dict[str, str]:
    """OIDC_ORGANISATION_DOMAINS="wiltshire.gov.uk=Wiltshire Council,nhs.net=…": e-mail domain
    to organisation name. A piece without "=" continues the name before it, so names may hold
    commas ("Bath and North East Somerset, Swindon and Wiltshire ICB")."""
    pairs: list[list[str]] = []
    for piece in env_str("OIDC_ORGANISATION_DOMAINS").split(","):
        domain, equals, name = piece.partition("=")
        if equals:
            pairs.append([domain.strip().lower().lstrip("@"), name.strip()])
        elif pairs and piece.strip():
            pairs[-1][1] += "," + piece.rstrip()
        elif piece.strip():
            raise ImproperlyConfigured(
                f"OIDC_ORGANISATION_DOMAINS must read domain=Organisation name,…; {piece!r} "
                "has no organisation."
            )
    domains = {domain: name for domain, name in pairs if domain and name}
    if len(domains) != len(pairs):
        raise ImproperlyConfigured(
            "OIDC_ORGANISATION_DOMAINS has a domain twice, or a domain or name left empty."
        )
    return domains


OIDC_ORGANISATION_DOMAINS = _organisation_domains()
