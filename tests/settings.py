"""Test settings: the real settings, with test-only values the environment has not set.

The database still comes from DATABASE_URL, so the suite runs on SQLite by default and on
PostgreSQL when DATABASE_URL points at one.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment-0123456789")
# The test client speaks plain HTTP.
for _name in ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"):
    os.environ.setdefault(_name, "false")

from integration.settings import *  # noqa: E402,F403

# Tests need no collectstatic run: serve assets from the finders, unhashed.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
# WhiteNoise serves from the finders in tests; its collected-files folder need only exist.
STATIC_ROOT = VAR_DIR / "test-static"  # noqa: F405
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Persistent connections would outlive the live-server thread and block dropping the test DB.
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
