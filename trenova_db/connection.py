"""Opening connections: the one place asyncpg's connect errors are translated.

Connect retries with backoff while the server is starting (refused, "the
database system is starting up"), up to ``connect_timeout``; errors that retrying
cannot fix (bad password, unknown database) fail at once. Every message is
masked: the DSN's password never reaches an exception, a log or the terminal.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
import time
import urllib.parse
import weakref
from typing import Any

import asyncpg

from . import logs as _logs  # noqa: F401 (it sets the package logger's NullHandler)
from .config import connectable_dsn, dsn_password, mask_dsn, mask_secrets
from .errors import (
    ConfigurationError,
    DatabaseUnavailable,
    LockTimeout,
    QueryFailed,
    TrenovaDBError,
)

__all__ = [
    "connect",
    "is_connection_loss",
    "log_copy",
    "session_settings",
    "translate_query_error",
]

log = logging.getLogger("trenova_db.connection")
_sql_log = logging.getLogger("trenova_db.sql")

APPLICATION_NAME = "trenova-db"

# Worth retrying while a server starts (or a name resolves): anything else
# (bad password, unknown database) fails at once.
_RETRYABLE: tuple[type[Exception], ...] = (
    ConnectionRefusedError,
    ConnectionResetError,
    TimeoutError,
    socket.gaierror,
    FileNotFoundError,  # the Unix socket does not exist yet
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
)


def application_name(purpose: str) -> str:
    """Who this session is, as pg_stat_activity and lock holders show it."""
    return f"{APPLICATION_NAME} {purpose} pid={os.getpid()}"[:63]


def session_settings(*, purpose: str) -> dict[str, str]:
    """Startup parameters of a session: application_name only.

    Timeouts are never startup parameters: PgBouncer refuses them (or, told to
    ignore them, drops them). ``trenova_db.pooler.setup`` SETs them instead.
    PgBouncer accepts application_name: it tracks it per client.
    """
    return {"application_name": application_name(purpose)}


def _debug_logger(record: Any) -> None:
    _print_statement(record.query, record.elapsed, record.exception)


def _print_statement(query: str, elapsed: float, exception: BaseException | None) -> None:
    """A DEBUG record on ``trenova_db.sql`` (the CLI shows them on stderr)."""
    status = f" ERROR {exception!r}" if exception else ""
    text = " ".join(str(query).split())
    _sql_log.debug(
        "%8.2f ms  %s%s",
        elapsed * 1000,
        text,
        status,
        extra={"event": "sql", "duration_ms": elapsed * 1000, "sql": text},
    )


# Connections opened with debug=True. asyncpg's query logger does not see
# COPY, which is how the history is read; callers log those via log_copy.
_DEBUG_CONNECTIONS: weakref.WeakSet[Any] = weakref.WeakSet()


def log_copy(conn: Any, query: str, started: float, exception: BaseException | None) -> None:
    """Print a COPY like the query logger prints everything else (debug only)."""
    if conn in _DEBUG_CONNECTIONS:
        _print_statement(f"COPY ({query}) TO STDOUT", time.perf_counter() - started, exception)


def plain_on_loopback(dsn: str) -> bool:
    """Connect without TLS: every host of the URL is this machine, and nothing
    (URL, PGSSLMODE) asks anything of TLS.

    libpq's default, sslmode=prefer, tries TLS first on any TCP host: on
    loopback that protects nothing (the traffic never leaves the kernel)
    and costs a round trip and a TLS context, on every command. A server
    that refuses plain connections is then asked again with TLS.
    """
    if os.environ.get("PGSSLMODE") or not dsn.startswith(("postgresql://", "postgres://")):
        return False
    # As the driver will read it: a password's unencoded "@ / ? #" encoded.
    parts = urllib.parse.urlsplit(connectable_dsn(dsn))
    if "ssl" in parts.query.lower():
        return False
    hosts = parts.netloc.rpartition("@")[2]
    if not hosts:
        return False  # a Unix socket (host=... in the query, or the default): never TLS
    return all(_is_loopback(host) for host in hosts.split(","))


def _is_loopback(host: str) -> bool:
    if host.startswith("["):  # [v6]:port
        return host.partition("]")[0] == "[::1"
    name = host.partition(":")[0]
    if name == "localhost":
        return True
    try:
        return ipaddress.IPv4Address(name).is_loopback
    except ValueError:
        return False


async def connect(
    dsn: str,
    *,
    purpose: str = "migrate",
    connect_timeout: float = 10.0,
    statement_timeout: float | None = None,
    lock_timeout: float | None = None,
    debug: bool = False,
    pooler: str = "auto",
    setup: bool = True,
) -> Any:
    """Open one connection, retrying while the server is starting up.

    ``setup``: detect a pooler and SET the timeouts now (one round trip, none
    on a direct connection without timeouts... see trenova_db.pooler); False
    leaves it to the caller (``pooler.setup``) after a first query that
    reports the server's pid for free.
    """
    if not dsn:
        raise ConfigurationError(
            "no database URL given",
            hint="pass --database-url, or set DATABASE_URL (the CLI falls back to the "
            "embedded server; library calls never start one)",
        )
    from . import pooler as pooling

    secret = dsn_password(dsn)
    settings = session_settings(purpose=purpose)
    options = pooling.connect_options(pooler, setup)  # the statement cache, or none
    deadline = time.monotonic() + connect_timeout
    delay = 0.05
    attempt = 0
    tls: dict[str, Any] = {"ssl": False} if plain_on_loopback(dsn) else {}
    while True:
        attempt += 1
        remaining = deadline - time.monotonic()
        try:
            conn = await asyncpg.connect(
                connectable_dsn(dsn),
                timeout=max(min(remaining, 10.0), 0.5),
                server_settings=settings,
                **options,
                **tls,
            )
            break
        except Exception as exc:
            if tls and isinstance(exc, asyncpg.PostgresError) and not isinstance(exc, _RETRYABLE):
                # The server turned the plain connection away (a hostssl-only
                # rule, a pooler demanding TLS, a password asked of plain
                # connections only): ask as libpq would, at once. A server still
                # starting, or full, is waited for as it is: nothing about TLS.
                tls = {}
                attempt -= 1
                continue
            retry = isinstance(exc, _RETRYABLE) and time.monotonic() + delay < deadline
            if not retry:
                # asyncpg's ValueError text can echo the DSN: do not chain it.
                cause = None if isinstance(exc, ValueError | OverflowError | TypeError) else exc
                raise _translate(exc, dsn, secret, attempt) from cause
        log.debug("connect attempt %d failed; retrying in %.2fs", attempt, delay)
        import anyio  # only on a retry: keeps the no-op start-up lean

        await anyio.sleep(delay)
        delay = min(delay * 2, 1.0)
    if debug:
        conn.add_query_logger(_debug_logger)
        _DEBUG_CONNECTIONS.add(conn)
    pooling.register(
        conn,
        dsn=dsn,
        pooler=pooler,
        lock_timeout=lock_timeout,
        statement_timeout=statement_timeout,
        application_name=settings["application_name"],
        cached=not options,
    )
    if setup:
        try:
            conn = await pooling.settle(
                conn,
                lambda mode: connect(
                    dsn,
                    purpose=purpose,
                    connect_timeout=connect_timeout,
                    statement_timeout=statement_timeout,
                    lock_timeout=lock_timeout,
                    debug=debug,
                    pooler=mode,
                ),
            )
        except BaseException as exc:
            conn.terminate()
            if isinstance(exc, asyncpg.PostgresError | asyncpg.InterfaceError | OSError):
                raise translate_query_error(exc) from exc
            raise
    return conn


def _translate(exc: Exception, dsn: str, secret: str | None, attempt: int) -> TrenovaDBError:
    """One message per failure kind; the DSN masked, the password never echoed."""
    where = mask_dsn(dsn)
    reason = mask_secrets(str(exc) or type(exc).__name__, secret)
    if isinstance(
        exc, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
    ):
        if "no encryption" in reason:  # pg_hba: a hostssl line only, for this client
            return DatabaseUnavailable(
                f"cannot connect to {where}: the server accepts only TLS connections "
                f"from here ({reason})",
                hint="remove sslmode=disable from the URL (or PGSSLMODE), or allow "
                "plain connections from this host in pg_hba.conf",
            )
        return DatabaseUnavailable(
            f"cannot connect to {where}: authentication failed ({reason})",
            hint="check the user and password in DATABASE_URL / --database-url",
        )
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return DatabaseUnavailable(
            f"cannot connect to {where}: {reason}",
            hint="create the database first (createdb), or fix the name in the URL",
        )
    if isinstance(exc, ValueError | OverflowError | TypeError):  # malformed DSN parts
        return ConfigurationError(
            f"invalid database URL {where}: {reason}",
            hint="use postgresql://USER@HOST:PORT/DATABASE, with the password after USER: "
            "and special characters in it percent-encoded",
        )
    if isinstance(exc, OSError | asyncpg.PostgresError | asyncpg.InterfaceError):
        tries = f" after {attempt} attempts" if attempt > 1 else ""
        return DatabaseUnavailable(
            f"cannot connect to {where}{tries}: {reason}",
            hint="is PostgreSQL running and reachable? check host and port in the URL, "
            "or raise --connect-timeout while the server starts",
        )
    return DatabaseUnavailable(
        f"cannot connect to {where}: {type(exc).__name__}: {reason}",
        hint="check the URL in DATABASE_URL / --database-url",
    )


def is_connection_loss(exc: BaseException) -> bool:
    """The connection (and with it the session and its locks) is gone: SQLSTATE
    class 08, the server ending the session (57P01 terminated, 57P02 crash,
    57P03 cannot connect now), a socket error, or asyncpg refusing to use a
    closed connection."""
    if isinstance(exc, asyncpg.PostgresError):
        sqlstate = getattr(exc, "sqlstate", None) or ""
        return sqlstate.startswith("08") or sqlstate in ("57P01", "57P02", "57P03")
    return isinstance(exc, OSError | asyncpg.InterfaceError)


def translate_query_error(exc: BaseException) -> TrenovaDBError:
    """A server error outside a migration's own SQL, as one of ours."""
    sqlstate = getattr(exc, "sqlstate", None)
    if is_connection_loss(exc):
        return DatabaseUnavailable(
            f"lost the connection to the database: {exc}"
            + (f" (SQLSTATE {sqlstate})" if sqlstate else ""),
            hint="the server or the network dropped the connection: check that the server "
            "is up and reachable, then run the command again",
        )
    if sqlstate == "55P03":  # lock_not_available: lock_timeout expired
        return LockTimeout(
            f"a table lock was not granted within lock_timeout: {exc}",
            hint="another session holds a lock on trenova-db's tables: retry, or raise "
            "--lock-timeout",
        )
    if sqlstate == "57014":  # query_canceled: statement_timeout
        return QueryFailed(
            f"a query was cancelled: {exc}",
            hint="raise --statement-timeout (or TRENOVA_STATEMENT_TIMEOUT)",
        )
    return QueryFailed(
        f"database error: {exc} (SQLSTATE {sqlstate or '?'})",
        hint="check the database user's privileges and the server log",
    )
