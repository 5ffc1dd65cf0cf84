"""Opening connections: the one place asyncpg's connect errors are translated.

Connect retries with backoff while the server is starting (refused, "the
database system is starting up"), up to ``connect_timeout``; errors that retrying
cannot fix (bad password, unknown database) fail at once. Every message is
masked: the DSN's password never reaches an exception, a log or the terminal.
"""

from __future__ import annotations

import logging
import math
import os
import socket
import sys
import time
from typing import Any

import anyio
import asyncpg

from .config import dsn_password, mask_dsn, mask_secrets
from .errors import ConfigurationError, DatabaseUnavailable

__all__ = ["connect", "session_settings"]

log = logging.getLogger("trenova_db")

APPLICATION_NAME = "trenova-db"

_RETRYABLE: tuple[type[BaseException], ...] = (
    ConnectionRefusedError,
    ConnectionResetError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    TimeoutError,
    socket.gaierror,
)


def session_settings(
    *,
    purpose: str,
    statement_timeout: float | None = None,
    lock_timeout: float | None = None,
) -> dict[str, str]:
    """Server settings for a session: application_name names who holds locks."""
    settings = {"application_name": f"{APPLICATION_NAME} {purpose} pid={os.getpid()}"[:63]}
    if statement_timeout is not None:
        settings["statement_timeout"] = f"{math.ceil(statement_timeout * 1000)}ms"
    if lock_timeout is not None:
        settings["lock_timeout"] = f"{math.ceil(lock_timeout * 1000)}ms"
    return settings


def _debug_logger(record: Any) -> None:
    elapsed_ms = record.elapsed * 1000
    status = f" ERROR {record.exception!r}" if record.exception else ""
    query = " ".join(str(record.query).split())
    print(f"[trenova-db] {elapsed_ms:8.2f} ms  {query}{status}", file=sys.stderr)


async def connect(
    dsn: str,
    *,
    purpose: str = "migrate",
    connect_timeout: float = 10.0,
    statement_timeout: float | None = None,
    lock_timeout: float | None = None,
    debug: bool = False,
) -> Any:
    """Open one connection, retrying while the server is starting up."""
    if not dsn:
        raise ConfigurationError(
            "no database URL given",
            hint="pass --database-url, or set DATABASE_URL (the CLI falls back to the "
            "embedded server; library calls never start one)",
        )
    secret = dsn_password(dsn)
    settings = session_settings(
        purpose=purpose, statement_timeout=statement_timeout, lock_timeout=lock_timeout
    )
    deadline = time.monotonic() + connect_timeout
    delay = 0.05
    attempt = 0
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        try:
            conn = await asyncpg.connect(
                dsn, timeout=max(min(remaining, 10.0), 0.5), server_settings=settings
            )
        except (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError) as exc:
            raise DatabaseUnavailable(
                f"cannot connect to {mask_dsn(dsn)}: authentication failed "
                f"({mask_secrets(str(exc), secret)})",
                hint="check the user and password in DATABASE_URL / --database-url",
            ) from None
        except asyncpg.InvalidCatalogNameError as exc:
            raise DatabaseUnavailable(
                f"cannot connect to {mask_dsn(dsn)}: {mask_secrets(str(exc), secret)}",
                hint="create the database first (createdb), or fix the name in the URL",
            ) from None
        except _RETRYABLE + (OSError,) as exc:
            retryable = isinstance(exc, _RETRYABLE)
            if not retryable or time.monotonic() + delay >= deadline:
                reason = mask_secrets(str(exc) or type(exc).__name__, secret)
                raise DatabaseUnavailable(
                    f"cannot connect to {mask_dsn(dsn)} after {attempt} attempt"
                    f"{'s' if attempt > 1 else ''}: {reason}",
                    hint="is PostgreSQL running and reachable? check host/port in the URL, "
                    "or raise --connect-timeout while the server starts",
                ) from None
            log.debug("connect attempt %d failed (%s); retrying in %.2fs", attempt, exc, delay)
            await anyio.sleep(delay)
            delay = min(delay * 2, 1.0)
            continue
        except ValueError as exc:
            # asyncpg raises ValueError for a malformed DSN; its text may echo the DSN.
            raise ConfigurationError(
                f"invalid database URL {mask_dsn(dsn)}: {mask_secrets(str(exc), secret)}",
                hint="use postgresql://user:password@host:port/database",
            ) from None
        except asyncpg.PostgresError as exc:
            raise DatabaseUnavailable(
                f"cannot connect to {mask_dsn(dsn)}: {mask_secrets(str(exc), secret)}"
            ) from None
        if debug:
            conn.add_query_logger(_debug_logger)
        return conn
