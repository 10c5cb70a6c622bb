"""Shared pieces of the page benchmarks: Django set up on the test settings, a throwaway
test database, a client signed in with a role, and timed GETs.

Import this module before anything from the project: it sets Django up.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)


@contextlib.contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh test database (in-memory SQLite, or `test_<name>` on the PostgreSQL that
    DATABASE_URL names; never the real one), migrated, and dropped afterwards."""
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def client_with_role(username: str, role: str) -> Client:
    user = User.objects.create_user(username, password="unused-benchmark-password")
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    client = Client()
    client.force_login(user)
    return client


def measure_get(client: Client, url: str, runs: int, params: dict | None = None) -> dict:
    """Median, 95th percentile and fastest time in ms of `runs` GETs, with the query count
    and size of the last response (after one warm-up request for templates and caches)."""
    client.get(url, params or {})
    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, params or {})
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {
        "median_ms": statistics.median(times),
        "p95_ms": times[min(len(times) - 1, round(0.95 * len(times)) - 1)],
        "min_ms": times[0],
        "queries": len(queries),
        "bytes": len(response.content),
    }
