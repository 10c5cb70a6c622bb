"""Settings come from the environment and fail loudly, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-with-plenty-of-entropy-0f9e8d7c6b5a",
    "ALLOWED_HOSTS": "tracker.example.org",
    "SECURE_HSTS_PRELOAD": "true",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in _SETTINGS_VARS}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "integration.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


_SETTINGS_VARS = {
    "DEBUG",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "DATABASE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def test_missing_secret_key_with_debug_off_stops_start_up_naming_the_variable():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY is required when DEBUG is off" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DEBUG", "maybe", "DEBUG must be true or false"),
        ("SECURE_HSTS_SECONDS", "a year", "SECURE_HSTS_SECONDS must be a whole number"),
        ("DATABASE_URL", "mysterydb://somewhere/x", "DATABASE_URL is not a database URL"),
        ("ALLOWED_HOSTS", " , ", "ALLOWED_HOSTS is set but empty"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL must be one of"),
    ],
)
def test_malformed_value_stops_start_up_naming_the_variable(variable, value, message):
    result = _manage("check", **{**PRODUCTION_ENV, variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_deploy_check_passes_with_the_documented_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr


def test_deploy_check_fails_when_https_hardening_is_switched_off():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION_ENV, SECURE_SSL_REDIRECT="0"
    )
    assert result.returncode != 0
    assert "security.W008" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text("k" * 60)
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", **env, SECRET_KEY_FILE=str(key_file))
    assert result.returncode == 0, result.stderr


def test_a_command_without_its_secret_key_says_what_to_set_without_a_traceback():
    result = _manage("import_activity", "activity.csv", DEBUG="false")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "SECRET_KEY_FILE=var/secret_key" in result.stderr
