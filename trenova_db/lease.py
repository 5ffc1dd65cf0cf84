"""The lease lock: the run lock where a session lock cannot work.

Behind a transaction-pooling PgBouncer a session advisory lock is taken by
whichever server connection ran the statement, and stays with it: the next
runner waits for a process that no longer exists. A lease is a row instead
(goose's table locker is the same design):

- taken in one short statement: insert the row, or take it over when it has
  expired AND no server session of its holder is still working (a killed
  client's backend may still be running the message it was sent; its
  ``application_name`` names it);
- renewed in the background on a connection of its own while the run lasts;
  a renewal that fails marks the lock lost, and the run stops before its next
  statement (``ensure_held``, no round trip);
- deleted at the end; a holder that dies stops renewing, so it expires.

The run's `running` audit row lives as long as its lease: its
``alive_until`` is renewed just before the lease, on the same connection, and
while the run waits for the lease too. A run whose lease expired without
being released is dead, and ``trenova_db.audit`` says so (behind a
transaction pooler the server pid in the row tells nothing: that server
connection lives on in the pool).

The table ``trenova_db_lock`` lives with the other bookkeeping tables (and
is versioned with them); its first run creates it under a transaction-level
advisory lock, which works through any pooler.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import asyncpg

from .audit import heartbeat, host
from .bookkeeping import lock_table_guard, lock_table_sql, quote_ident, quote_literal
from .errors import LockTimeout, QueryFailed
from .lock import lock_keys_sql, lost_lock

if TYPE_CHECKING:
    from .config import Settings

__all__ = [
    "LeaseLock",
    "advisory_holder",
    "advisory_lock_rows",
    "describe_lease",
    "lease_text",
    "live_lease",
    "lock_holder",
]

KEY = "schema_migrations"
DEFAULT_TTL = 15.0  # seconds a lease lives without renewal (renewed every fifth of it)


def lease_ttl() -> float:
    """``TRENOVA_DB_LEASE_TTL`` seconds (default 15): how long a dead holder's
    lease keeps others out; renewal runs every fifth of it."""
    import os

    try:
        value = float(os.environ.get("TRENOVA_DB_LEASE_TTL", "") or DEFAULT_TTL)
    except ValueError:
        return DEFAULT_TTL
    return value if value >= 1 else DEFAULT_TTL


# A lease row ``l`` whose holder is gone: expired, and none of its holder's
# server sessions still working (a killed client's backend may still be
# running the message it was sent).
_DEAD = (
    "l.expires_at < clock_timestamp() AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a "
    "WHERE a.application_name = l.holder AND a.state IS DISTINCT FROM 'idle' "
    "AND a.pid <> pg_backend_pid())"
)


def _take_sql(s: str, schema: str) -> str:
    # One statement: the row is ours if there was none, or if its holder is
    # gone; and only while no runner holds the session lock (or a worker of
    # one its worker key): runners connected directly, or through a session
    # pooler, take that one. Taken for this transaction only, the advisory
    # locks also keep such a runner out until the lease row is visible to it
    # (SessionLock looks for a lease once it holds its own lock).
    return (
        f"INSERT INTO {s}.trenova_db_lock AS l (key, holder, pid, host, acquired_at, expires_at) "
        "SELECT $1, $2, $3, $4, clock_timestamp(), "
        f"clock_timestamp() + $5::float8 * interval '1 second' FROM {lock_keys_sql(schema)} "
        "WHERE pg_try_advisory_xact_lock(k.r) AND pg_try_advisory_xact_lock(k.w) "
        "ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, pid = EXCLUDED.pid, "
        "host = EXCLUDED.host, acquired_at = EXCLUDED.acquired_at, "
        "expires_at = EXCLUDED.expires_at "
        f"WHERE {_DEAD} RETURNING acquired_at"
    )


def _bootstrap_sql(schema: str) -> str:
    s = quote_ident(schema)
    # A transaction-level advisory lock serialises concurrent first runs, and
    # a direct runner's upgrade to bookkeeping version 2 (CREATE TABLE IF NOT
    # EXISTS races on the catalog otherwise); it ends with the transaction, so
    # it works through any pooler.
    return f"BEGIN;\n{lock_table_guard(schema)};\n{lock_table_sql(s)};\nCOMMIT;"


async def live_lease(conn: Any, schema: str) -> bool:
    """Whether a runner holds the lease of ``schema`` now (its row is there,
    and neither expired nor left by a holder that is gone)."""
    from .pooler import copy_rows

    s = quote_ident(schema)
    try:
        # The simple protocol: one round trip, nothing prepared.
        ((found,),) = await copy_rows(
            conn,
            f"SELECT EXISTS (SELECT 1 FROM {s}.trenova_db_lock l "
            f"WHERE key = {quote_literal(KEY)} AND NOT ({_DEAD}))",
        )
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return False
    return found == "t"


async def describe_lease(conn: Any, schema: str) -> str | None:
    """Who holds the lease of ``schema``, or None (no row, or no table)."""
    s = quote_ident(schema)
    try:
        row = await conn.fetchrow(
            "SELECT holder, pid, host, acquired_at, "
            "extract(epoch FROM expires_at - clock_timestamp()) "
            f"FROM {s}.trenova_db_lock WHERE key = $1",
            KEY,
        )
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return None
    return None if row is None else lease_text(*row)


def lease_text(holder: str, pid: int, where: str, since: Any, left: Any) -> str:
    """The lock line of ``status`` for a lease row (``left``: seconds until it expires)."""
    since_text = since.strftime("%Y-%m-%d %H:%M:%S %Z") if since else "?"
    state = (
        f"expires in {float(left):.0f}s"
        if float(left) >= 0
        else f"expired {-float(left):.0f}s ago, its holder gone"
    )
    return (
        f"migration lock (lease) held by {holder} (process {pid} on {where}, "
        f"since {since_text}, {state})"
    )


def advisory_lock_rows(schema_param: str) -> str:
    """FROM/WHERE of the granted pg_locks rows of the migration advisory lock
    held by other sessions (alias ``l``); ``schema_param`` is the schema's
    placeholder (``$1``): the key as lock.lock_keys_sql computes it."""
    return (
        "FROM (SELECT hashtextextended('trenova-db/' || current_database() || '/' || "
        f"{schema_param} || '/schema_migrations', 0) & x'ffffffffffffffff'::bigint AS k) k "
        "JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.classid::bigint = (k.k >> 32) & x'ffffffff'::bigint "
        "AND l.objid::bigint = k.k & x'ffffffff'::bigint "
        "AND l.pid <> pg_backend_pid()"
    )


_ADVISORY_HOLDER = (
    "SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'), "
    f"a.backend_start, coalesce(a.state, '') {advisory_lock_rows('$1')} "
    "JOIN pg_stat_activity a ON a.pid = l.pid LIMIT 1"
)


async def lock_holder(conn: Any, schema: str) -> str | None:
    """Who holds the migration lock of ``schema`` now, lease or advisory
    lock, for ``status``; None when nobody does."""
    lease = await describe_lease(conn, schema)
    if lease is not None:
        return lease
    return await advisory_holder(conn, schema)


async def advisory_holder(conn: Any, schema: str) -> str | None:
    """Who holds the session advisory lock of ``schema``'s migrations, or None."""
    row = await conn.fetchrow(_ADVISORY_HOLDER, schema)
    if row is None:
        return None
    pid, app, client, since, state = row
    since_text = since.strftime("%Y-%m-%d %H:%M:%S %Z") if since else "?"
    return (
        f"migration lock held by server pid {pid} ({app or 'no application_name'}, "
        f"client {client}, since {since_text}, {state or '?'})"
    )


class LeaseLock:
    """``async with LeaseLock(conn, settings):`` the run lock as a lease row.

    ``conn`` does the work (its application_name identifies the holder's
    sessions); the lease is renewed on a connection of its own.
    """

    def __init__(
        self,
        conn: Any,
        settings: Settings,
        *,
        still_needed: Callable[[], Awaitable[bool]] | None = None,
        ttl: float | None = None,
    ) -> None:
        import os

        self.conn = conn
        self.settings = settings
        self.schema = settings.schema
        self.timeout = settings.lock_timeout
        self.still_needed = still_needed
        self.ttl = lease_ttl() if ttl is None else ttl
        self.waited = 0.0
        from .pooler import application_name

        self.holder = application_name(conn) or str(conn.get_settings().application_name)
        self.pid = os.getpid()
        self.host = host()
        self.acquired_at: Any = None
        self.valid_until = 0.0
        self.lost: str | None = None
        self.workers: list[Any] = []
        self._renewer: asyncio.Task[None] | None = None
        self._renew_conn: Any = None
        s = quote_ident(self.schema)
        self._take = _take_sql(s, self.schema)
        self._renew = (
            f"UPDATE {s}.trenova_db_lock SET expires_at = clock_timestamp() + "
            "$6::float8 * interval '1 second' WHERE key = $1 AND holder = $2 AND pid = $3 "
            "AND host = $4 AND acquired_at = $5 RETURNING key"
        )
        self._clear_dead = f"DELETE FROM {s}.trenova_db_lock AS l WHERE key = $1 AND {_DEAD}"
        self._release = (
            f"DELETE FROM {s}.trenova_db_lock WHERE key = $1 AND holder = $2 AND pid = $3 "
            "AND host = $4 AND acquired_at = $5"
        )

    # -- acquire -----------------------------------------------------------

    async def _try(self) -> bool:
        sent = time.monotonic()
        try:
            acquired = await self.conn.fetchval(
                self._take, KEY, self.holder, self.pid, self.host, self.ttl
            )
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
            await self._bootstrap()
            acquired = await self.conn.fetchval(
                self._take, KEY, self.holder, self.pid, self.host, self.ttl
            )
        if acquired is None:
            return False
        self.acquired_at = acquired
        self.valid_until = sent + self.ttl * 0.8
        return True

    async def _bootstrap(self) -> None:
        try:
            if await self.conn.fetchval("SELECT to_regnamespace($1) IS NULL", self.schema):
                await self.conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema)}")
            await self.conn.execute(_bootstrap_sql(self.schema))
        except asyncpg.InsufficientPrivilegeError as exc:
            with contextlib.suppress(asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                await self.conn.execute("ROLLBACK")
            raise QueryFailed(
                f"cannot create the lock table {self.schema}.trenova_db_lock: {exc}",
                hint=f"grant the user CREATE on schema {self.schema!r}, or pass --schema "
                "naming a schema it owns",
            ) from exc

    async def __aenter__(self) -> LeaseLock:
        import anyio

        from .connection import connect
        from .lock import NoLongerNeeded
        from .pooler import pooling

        assert self.settings.database_url is not None
        started = time.monotonic()
        deadline = started + self.timeout
        delay = 0.02
        beaten = started
        while not await self._try():
            now = time.monotonic()
            if now - beaten >= self.ttl / 5:
                # A waiting run is alive too: its audit row must say so.
                beaten = now
                await self._beat(self.conn)
            if now >= deadline:
                holder = await describe_lease(self.conn, self.schema)
                raise LockTimeout(
                    f"{holder or 'migration lock (lease) just released'}; not acquired after "
                    f"waiting {self.timeout:g}s",
                    hint="another migration is running: wait for it and retry, or raise "
                    "--lock-timeout; a lease whose holder died expires by itself "
                    f"within {self.ttl:g}s",
                )
            await anyio.sleep(min(delay * random.uniform(0.5, 1.0), max(deadline - now, 0.0)))
            delay = min(delay * 1.6, 0.25)
            if self.still_needed is not None and not await self.still_needed():
                # Leaving without the lock: a dead holder's expired row goes
                # (what a takeover would have replaced), so none is left behind.
                with contextlib.suppress(asyncpg.PostgresError):
                    await self.conn.execute(self._clear_dead, KEY)
                raise NoLongerNeeded
        self.waited = time.monotonic() - started
        try:
            self._renew_conn = await connect(
                self.settings.database_url,
                purpose="lease",
                connect_timeout=min(self.settings.connect_timeout, self.ttl / 3),
                pooler=pooling(self.conn).mode,  # known: no new detection
                debug=self.settings.debug,
            )
        except BaseException:
            await self._give_back(self.conn)
            raise
        self._renewer = asyncio.get_running_loop().create_task(self._keep_renewing())
        return self

    # -- hold ----------------------------------------------------------------

    async def _keep_renewing(self) -> None:
        interval = self.ttl / 5
        while self.lost is None:
            await asyncio.sleep(interval)
            # Before the lease: the row never outlives the lease it rides on.
            await self._beat(self._renew_conn)
            sent = time.monotonic()
            try:
                renewed = await asyncio.wait_for(
                    self._renew_conn.fetchval(
                        self._renew,
                        KEY,
                        self.holder,
                        self.pid,
                        self.host,
                        self.acquired_at,
                        self.ttl,
                    ),
                    self.ttl / 3,
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # One failed renewal is a lost lock: the lease may run out
                # before another attempt could tell.
                self.lost = f"renewing the lease failed: {type(exc).__name__}: {exc}"
                return
            if renewed is None:
                self.lost = "the lease was taken over (it had expired)"
                return
            self.valid_until = sent + self.ttl * 0.8

    async def _beat(self, conn: Any) -> None:
        """Renew the run's audit row (see ``trenova_db.audit``); best effort:
        the lease matters, the heartbeat never stops the run."""
        sql = heartbeat(self.conn, self.ttl)
        if sql is None:
            return
        with contextlib.suppress(asyncpg.PostgresError, TimeoutError):
            await asyncio.wait_for(conn.execute(sql), self.ttl / 5)

    async def ensure_held(self) -> None:
        """Raise LostLock if the lease cannot be vouched for. No round trip."""
        if self.lost is not None:
            raise lost_lock(self.lost)
        if time.monotonic() > self.valid_until:
            raise lost_lock("the lease was not renewed in time")
        if self.conn.is_closed():
            raise lost_lock("the connection doing the work was closed")
        for worker in self.workers:
            if worker.is_closed():
                raise lost_lock("a connection working under the lock was closed")

    async def enlist(self, conn: Any) -> None:
        """Another connection of this run (a parallel seed worker); it shares
        the holder's application_name, so a takeover waits for it too."""
        self.workers.append(conn)
        await self.ensure_held()

    async def describe_holder(self) -> str:
        return (await describe_lease(self.conn, self.schema)) or "migration lock (lease) free"

    # -- release -------------------------------------------------------------

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        import anyio

        with anyio.CancelScope(shield=True):
            if self._renewer is not None:
                self._renewer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._renewer
            conn = self._renew_conn
            if conn is None or conn.is_closed():
                conn = self.conn
            await self._give_back(conn)
            if self._renew_conn is not None:
                with anyio.move_on_after(3):
                    with contextlib.suppress(Exception):
                        await self._renew_conn.close(timeout=3)
                if not self._renew_conn.is_closed():
                    self._renew_conn.terminate()

    async def _give_back(self, conn: Any) -> None:
        import anyio

        if self.acquired_at is None or conn.is_closed():
            return
        with (
            anyio.CancelScope(shield=True),
            anyio.move_on_after(5),
            contextlib.suppress(asyncpg.PostgresError, asyncpg.InterfaceError, OSError),
        ):
            await conn.execute(
                self._release, KEY, self.holder, self.pid, self.host, self.acquired_at
            )
        self.acquired_at = None
