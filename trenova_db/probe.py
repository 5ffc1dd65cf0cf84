"""``trenova-db wait``: block until the server accepts connections.

For a container entrypoint (``trenova-db wait && trenova-db migrate``) that
starts beside its database: connecting is retried while the server is down or
starting up, bounded by ``--connect-timeout``. A refused login or an unknown
database fails at once: waiting longer cannot fix those.
"""

from __future__ import annotations

import time

from .config import Settings
from .connection import connect
from .errors import ConfigurationError
from .reports import WaitReport

__all__ = ["run_wait"]


async def run_wait(settings: Settings) -> WaitReport:
    """Connect (retrying up to ``settings.connect_timeout``), ask the version, close."""
    if not settings.database_url:
        raise ConfigurationError(
            "no database URL given", hint="pass --database-url or set DATABASE_URL"
        )
    started = time.perf_counter()
    conn = await connect(
        settings.database_url,
        purpose="wait",
        connect_timeout=settings.connect_timeout,
        debug=settings.debug,
    )
    try:
        version = str(await conn.fetchval("SELECT current_setting('server_version')"))
    finally:
        await conn.close()
    return WaitReport(
        database=settings.masked_url,
        waited_ms=round((time.perf_counter() - started) * 1000, 1),
        server_version=version,
    )
