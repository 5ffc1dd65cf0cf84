"""A run's session: its connection, its lock, its audit row.

Migrations and seeds both go through here:

- ``session(settings, purpose)``: one connection, foreign errors translated;
- ``session_with_files(settings, purpose)``: the same, with the migration files
  read while the connection opens;
- ``locked(settings, conn)``: the run lock ON THAT CONNECTION (the one doing
  the work), chosen by ``run_lock`` -- the single place that picks a lock
  implementation (see ``trenova_db.lock.RunLock``);
- ``audited(...)``: the audit row of a run: `running` while it works, then its
  outcome, written even when the run is cancelled or its connection is gone;
- ``after_loss(...)``: after a lost connection, wait (bounded) on a new
  connection until the lost backend has ended, then read what it committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import asyncpg

from . import pooler
from .audit import Audit, outcome_of
from .bookkeeping import quote_ident
from .config import Settings
from .connection import connect, is_connection_loss, translate_query_error
from .discovery import MigrationSet, discover_migrations
from .errors import ConfigurationError, TrenovaDBError
from .lock import LOCKING, RunLock, SessionLock

__all__ = [
    "after_loss",
    "audit_refused",
    "audited",
    "backend_pid",
    "dsn",
    "is_connection_loss",
    "locked",
    "refused_row",
    "run_lock",
    "session",
    "session_with_files",
]

T = TypeVar("T")


def dsn(settings: Settings) -> str:
    if not settings.database_url:
        raise ConfigurationError(
            "no database URL given",
            hint="pass database_url / --database-url or set DATABASE_URL",
        )
    return settings.database_url


def backend_pid(conn: Any) -> int:
    """The server process of ``conn``, known since connect (no round trip)."""
    return int(conn.get_server_pid())


async def _open(
    settings: Settings, purpose: str, connect_timeout: float | None, setup: bool
) -> Any:
    return await connect(
        dsn(settings),
        purpose=purpose,
        connect_timeout=settings.connect_timeout if connect_timeout is None else connect_timeout,
        statement_timeout=settings.statement_timeout,
        lock_timeout=settings.lock_timeout if settings.lock_timeout_set else None,
        debug=settings.debug,
        pooler=settings.pooler,
        setup=setup,
    )


@asynccontextmanager
async def session(
    settings: Settings,
    purpose: str,
    *,
    connect_timeout: float | None = None,
    setup: bool = True,
) -> AsyncIterator[Any]:
    """One connection. ``setup=False``: the caller runs ``pooler.setup`` after
    its first query (a COPY that reports the server's pid: no extra round trip)."""
    async with _closing(await _open(settings, purpose, connect_timeout, setup)) as conn:
        yield conn


@asynccontextmanager
async def session_with_files(
    settings: Settings,
    purpose: str,
    files: MigrationSet | None = None,
    *,
    setup: bool = True,
) -> AsyncIterator[tuple[Any, MigrationSet]]:
    """``session()`` and the migration files (discovered unless given).

    Discovery (reading and hashing every up file) runs in a thread while the
    connection opens (a TCP handshake, the server forking a backend, a round
    trip or two): on a no-op ``migrate`` they are the two largest waits, and
    they need not add up. Discovery still comes first in every way that
    matters: nothing is sent on the connection before the files are known to
    be good, and a DiscoveryError is what is raised (at once: the connection
    attempt is abandoned) whether or not the database can be reached.
    """
    if files is not None:
        async with session(settings, purpose, setup=setup) as conn:
            yield conn, files
        return
    found = _discover_beside(settings)
    opening = asyncio.ensure_future(_open(settings, purpose, None, setup))
    try:
        files = await found
    except BaseException:
        opening.cancel()
        with contextlib.suppress(BaseException):
            conn = await opening  # it was open already: close it unused
            await conn.close(timeout=2)
        raise
    async with _closing(await opening) as conn:
        yield conn, files


def _discover_beside(settings: Settings) -> asyncio.Future[MigrationSet]:
    """Discovery in a thread of its own, its outcome delivered to the returned future."""
    loop = asyncio.get_running_loop()
    found: asyncio.Future[MigrationSet] = loop.create_future()

    def deliver(result: MigrationSet | None, error: BaseException | None) -> None:
        if found.done():  # the caller was cancelled meanwhile
            return
        if error is not None:
            found.set_exception(error)
        else:
            assert result is not None
            found.set_result(result)

    def discover() -> None:
        result: MigrationSet | None = None
        error: BaseException | None = None
        try:
            result = discover_migrations(settings.migrations_dir)
        except BaseException as exc:  # delivered to the awaiting task, raised there
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop closed: nobody is waiting
            loop.call_soon_threadsafe(deliver, result, error)

    # A plain thread, not run_in_executor: no pool to import, start and join.
    # It runs in a copy of this context: inside a fleet it sees the fleet's
    # snapshot (trenova_db.snapshot), so every target still reads the folder once.
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(discover,), name="trenova-db discovery", daemon=True
    ).start()
    return found


@asynccontextmanager
async def _closing(conn: Any) -> AsyncIterator[Any]:
    try:
        yield conn
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        raise translate_query_error(exc) from exc
    finally:
        if conn in LOCKING:
            try:
                await conn.close(timeout=5)
            except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError):
                conn.terminate()
        else:
            # No lock to see gone: the Terminate message is sent and the socket
            # closed, without waiting for the server to end the session (a few
            # ms of every no-op migrate and status, spent on the server's exit).
            conn.terminate()


def run_lock(
    settings: Settings,
    conn: Any,
    *,
    still_needed: Callable[[], Awaitable[bool]] | None = None,
) -> RunLock:
    """The lock for a run working on ``conn``: the one place that chooses.

    A direct connection gets the session advisory lock on ``conn`` itself,
    released by closing the session (every caller closes it right after).
    Behind a session-pooling PgBouncer the same lock, released explicitly (the
    server session outlives ours). Behind a transaction pooler, where a
    session lock stays on whichever server connection took it, a lease row
    (``trenova_db.lease``).
    """
    pooling = pooler.pooling(conn)
    if pooling.mode == "transaction":
        from .lease import LeaseLock

        return LeaseLock(conn, settings, still_needed=still_needed)
    return SessionLock(
        conn,
        settings.schema,
        settings.lock_timeout,
        still_needed=still_needed,
        release_on_close=not pooling.pooled,
    )


@asynccontextmanager
async def locked(
    settings: Settings,
    conn: Any,
    *,
    still_needed: Callable[[], Awaitable[bool]] | None = None,
) -> AsyncIterator[RunLock]:
    """Hold the run lock on ``conn`` (the work connection) inside the block."""
    async with run_lock(settings, conn, still_needed=still_needed) as lock:
        yield lock


async def audit_refused(settings: Settings, operation: str, exc: TrenovaDBError) -> None:
    """Record a run refused before it touched anything, if the audit table exists.

    A refusal never creates trenova-db's tables, and never waits long for an
    unreachable server: the refusal itself is what the caller must see.
    """
    table = f"{quote_ident(settings.schema)}.trenova_db_audit"
    try:
        async with session(
            settings, operation, connect_timeout=min(settings.connect_timeout, 2.0)
        ) as conn:
            if await conn.fetchval("SELECT to_regclass($1) IS NOT NULL", table):
                await refused_row(conn, settings, operation, exc)
    except TrenovaDBError:
        pass


async def refused_row(conn: Any, settings: Settings, operation: str, exc: TrenovaDBError) -> None:
    """A finished row for a run refused before it started (never `running`)."""
    audit = Audit(conn, settings.schema, operation, settings.environment.value)
    await audit.start()
    await audit.finish(outcome_of(exc), {"error": str(exc)})


def _quick(settings: Settings) -> Any:
    """A short-lived extra session (verification, a last audit write)."""
    return session(settings, "verify", connect_timeout=min(settings.connect_timeout, 5.0))


@asynccontextmanager
async def audited(
    conn: Any,
    settings: Settings,
    operation: str,
    *,
    details: dict[str, Any] | None = None,
    row_id: int | None = None,
    start: bool = True,
    mask: Callable[[str], str] | None = None,
) -> AsyncIterator[Audit]:
    """The audit row of one run: `running` from the start, then the outcome.

    ``row_id``: the fast path's provisional row, turned into `running`.
    ``start=False``: the table may not exist yet; the body calls
    ``audit.start()`` once it does (a run that fails before has no row).
    The body sets ``audit.outcome`` (default success) and ``audit.details``.
    A failure is recorded shielded from cancellation, on a new connection if
    the run's own is gone.
    """
    audit = Audit(conn, settings.schema, operation, settings.environment.value)
    if row_id is not None:
        await audit.resume(row_id, details)
    elif start:
        await audit.start(details)
    try:
        yield audit
    except BaseException as exc:
        await audit.fail(exc, audit.details, mask=mask, fallback=lambda: _quick(settings))
        raise
    await audit.finish(audit.outcome or "success", audit.details)


async def after_loss(
    settings: Settings,
    pids: list[int],
    read: Callable[[Any], Awaitable[T]],
    *,
    wait_limit: float | None = None,
) -> tuple[T | None, str]:
    """Wait until the lost sessions' backends ``pids`` have ended, then ``read``.

    A killed or cut-off client's backend goes on running the message it was
    given (a .tx group: many commits) until it next talks to the client, so
    its effects are known only once it has ended. Returns (what ``read``
    returned, a note saying what was verified) or (None, why not).
    """
    import os
    import time

    import anyio

    bound = settings.lock_timeout if wait_limit is None else wait_limit
    shown = ", ".join(map(str, pids))
    try:
        async with _quick(settings) as conn:
            deadline = time.monotonic() + bound
            delay = 0.02
            # Behind a pooler the pids a client knows are the pooler's, and
            # the server sessions that ran our statements carry our
            # application_name instead: wait for any of them still working.
            names = f"trenova-db % pid={os.getpid()}" if pooler.any_pooled() else None
            while await conn.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = ANY($1::integer[]) "
                "OR (application_name LIKE $2 AND state IS DISTINCT FROM 'idle' "
                "AND pid <> pg_backend_pid()))",
                pids,
                names,
            ):
                if time.monotonic() >= deadline:
                    return None, (
                        f"the lost session (server pid {shown}) was still running after "
                        f"{bound:g}s; end it with SELECT pg_terminate_backend(pid) or wait, "
                        "then check `trenova-db status`"
                    )
                await anyio.sleep(delay)
                delay = min(delay * 1.5, 0.25)
            return await read(conn), f"verified after the lost session (server pid {shown}) ended"
    except TrenovaDBError as exc:
        return None, f"could not reconnect to verify: {exc.message}"
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        return None, f"could not verify: {exc}"
