"""Is the database answering? Asked by `/healthz` and by nothing that must not wait.

The check opens its own short-lived connection (never the request's persistent one, which a
frozen server would hold forever) and gives up after a few seconds whatever the driver does:
a load balancer must hear "503" quickly enough to route around a stuck database.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as CheckTimedOut

from django.db import DatabaseError, connections
from django.db.utils import ConnectionHandler

HEALTH_CHECK_SECONDS = 3.0


def _select_one(handler: ConnectionHandler, alias: str) -> None:
    connection = handler[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def database_reachable(
    alias: str = "default",
    *,
    timeout: float = HEALTH_CHECK_SECONDS,
    handler: ConnectionHandler | None = None,
) -> bool:
    """True when a new connection to `alias` answers `SELECT 1` within `timeout` seconds."""
    handler = handler or ConnectionHandler({alias: connections.settings[alias]})
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz")
    future = executor.submit(_select_one, handler, alias)
    try:
        future.result(timeout=timeout)
    except (DatabaseError, CheckTimedOut):
        return False
    finally:
        # Never wait for a stuck connection attempt: its own connect timeout ends it.
        executor.shutdown(wait=False)
    return True
