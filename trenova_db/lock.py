"""The run lock: what keeps two runners of one bookkeeping schema apart.

The invariant every lock here keeps: **no statement of a run executes or
commits after that run's lock is gone, and no second runner does work while a
backend of the first is still working.**

``RunLock`` is the interface; ``trenova_db.session.run_lock`` picks the
implementation for a connection (the only place that chooses). Today:

- ``SessionLock``: a session-level advisory lock held ON THE CONNECTION THAT
  DOES THE WORK. A killed client cannot release it while its backend still
  runs a multi-transaction message: the server drops the lock only when that
  backend ends. (An earlier design kept it on a dedicated connection, which
  died at once with the client while the work went on committing.)

A lock for transaction pooling (a lease row, ``trenova_db.lease``)
implements the same interface. Runners of one schema may take different
ones (one connected directly, one through a transaction pooler; a pool mode
not proved under load), so each also respects the other: the lease is taken
only while the advisory keys are free (tried for that transaction), and a
session lock once taken is given back at once while a lease is live.

Acquired by polling (``pg_try_advisory_lock``) with jittered backoff, never by
blocking in ``pg_advisory_lock``: a blocked waiter sits in a transaction that
``CREATE INDEX CONCURRENTLY`` must wait for, while the holder waits for the
index: a deadlock golang-migrate and Flyway users hit. The key is derived from
(database, schema, table), so two bookkeeping schemas in one database do not
block each other. The holder is named on timeout.

Parallel seeds work on several connections. Two keys make that safe:

- the *run* key R: held exclusively, on the coordinator's connection, by the
  one run that may work;
- the *worker* key W: every extra connection of that run holds W in SHARED
  mode for as long as it lives (``enlist``).

A runner owns the schema only when it holds R **and** nobody holds W (checked
with a transaction-level try-lock on W in the same statement that takes R). So
when a coordinator dies while one of its workers still runs a seed, the next
runner gets R but not W, lets R go again and keeps waiting until that worker's
backend has ended too.
"""

from __future__ import annotations

import random
import time
import weakref
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Protocol, Self, runtime_checkable

from .bookkeeping import quote_literal
from .errors import LockTimeout, LostLock

__all__ = ["NoLongerNeeded", "RunLock", "SessionLock", "lock_keys_sql", "lost_lock"]


class NoLongerNeeded(Exception):
    """Raised on entry when the holder did the work meanwhile (internal: the
    runs catch it, so it never reaches a caller)."""


@runtime_checkable
class RunLock(Protocol):
    """One run's exclusive right to a bookkeeping schema.

    ``async with lock:`` acquires (polling until ``timeout``; ``LockTimeout``,
    exit 3, naming the holder) and releases on exit, shielded from
    cancellation. While waiting, ``still_needed`` (if given) is awaited between
    polls; when it returns False the entry raises ``NoLongerNeeded``: replicas
    booting at once leave as soon as the holder has done their work.

    Attributes and methods every implementation provides:

    - ``waited``: seconds spent acquiring (0.0 when free at once).
    - ``ensure_held()``: raise ``LostLock`` ("lost the migration lock; nothing
      more was run") if the lock, or any connection working under it, is gone.
      Called before every statement (group) a run sends; must not cost a round
      trip on the common path.
    - ``enlist(conn)``: make another connection of this run (a parallel-seed
      worker) part of the lock, so that no second runner starts while it still
      works; raises ``LostLock`` if that cannot be guaranteed.
    - ``describe_holder()``: one line naming who holds the lock (pid,
      application, client, since, query), for timeouts and ``status``.
    """

    waited: float

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def ensure_held(self) -> None: ...

    async def enlist(self, conn: Any) -> None: ...

    async def describe_holder(self) -> str: ...


def lock_keys_sql(schema: str) -> str:
    """A FROM item with the run key ``r`` and the worker key ``w`` of ``schema``."""
    base = f"'trenova-db/' || current_database() || '/' || {quote_literal(schema)}"
    return (
        f"(SELECT hashtextextended({base} || '/schema_migrations', 0) AS r, "
        f"hashtextextended({base} || '/schema_migrations/workers', 0) AS w) k"
    )


# One statement, one round trip: take R; if a worker of an earlier run still
# holds W (shared), give R back at once and report "not acquired".
_TRY_LOCK = (
    "SELECT k.r, k.w, CASE WHEN pg_try_advisory_lock(k.r) THEN "
    "CASE WHEN pg_try_advisory_xact_lock(k.w) THEN true ELSE NOT pg_advisory_unlock(k.r) END "
    "ELSE false END FROM {keys}"
)

# Who holds R, else who holds W (a dead run's worker still working).
_HOLDER = """
SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'),
       a.backend_start, coalesce(a.state, ''), coalesce(a.query, '')
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.objsubid = 1
  AND ((l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid)
       OR (l.classid = $3::bigint::oid AND l.objid = $4::bigint::oid))
ORDER BY l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid DESC
LIMIT 1
"""


def _split(key: int) -> tuple[int, int]:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return unsigned >> 32, unsigned & 0xFFFFFFFF


def lost_lock(detail: str, *, hint: str | None = None) -> LostLock:
    return LostLock(
        f"lost the migration lock; nothing more was run ({detail})",
        hint=hint or "check the server and the network, then run the command again",
    )


# Connections that took, or tried to take, a run's session advisory lock:
# closing one waits until the server has ended the session, so the lock is
# gone when the run returns (see session._closing). Any other connection is
# closed without waiting for that.
LOCKING: weakref.WeakSet[Any] = weakref.WeakSet()


class SessionLock:
    """``async with SessionLock(conn, schema, timeout):`` the lock on ``conn``,
    the connection that does the work.

    ``release_on_close``: the caller closes ``conn`` right after the block
    (a direct connection), and the server drops the lock with the session: no
    unlock round trip. Pass False where the session outlives the block (a
    pooled server connection in session mode).
    """

    def __init__(
        self,
        conn: Any,
        schema: str,
        timeout: float,
        *,
        still_needed: Callable[[], Awaitable[bool]] | None = None,
        release_on_close: bool = False,
    ) -> None:
        self.conn = conn
        self.schema = schema
        self.timeout = timeout
        self.still_needed = still_needed
        self.release_on_close = release_on_close
        self.key: int | None = None
        self.worker_key: int | None = None
        self.waited: float = 0.0
        self.held = False
        self.workers: list[Any] = []

    async def __aenter__(self) -> Self:
        import anyio

        started = time.monotonic()
        deadline = started + self.timeout
        delay = 0.02
        query = _TRY_LOCK.format(keys=lock_keys_sql(self.schema))
        LOCKING.add(self.conn)
        while True:
            key, worker_key, acquired = await self.conn.fetchrow(query)
            self.key, self.worker_key = int(key), int(worker_key)
            if acquired and await self._lease_taken():
                await self.conn.execute(f"SELECT pg_advisory_unlock({self.key})")
                acquired = False
            if acquired:
                self.held = True
                self.waited = time.monotonic() - started
                return self
            now = time.monotonic()
            if now >= deadline:
                holder = await self.describe_holder()
                raise LockTimeout(
                    f"{holder}; not acquired after waiting {self.timeout:g}s", hint=_TIMEOUT_HINT
                )
            # Jittered: waiters polling in step would all miss a release but one.
            await anyio.sleep(min(delay * random.uniform(0.5, 1.0), max(deadline - now, 0.0)))
            delay = min(delay * 1.6, 0.25)
            # Checked before trying again: the holder commits its work before it
            # releases, so a waiter that wakes after the release sees the work
            # done and leaves without taking the lock at all.
            if self.still_needed is not None and not await self.still_needed():
                raise NoLongerNeeded

    async def _lease_taken(self) -> bool:
        # A statement of its own, after the lock: its snapshot sees a lease
        # committed by a runner that held our keys until then.
        from .lease import live_lease

        return await live_lease(self.conn, self.schema)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self.held:
            return
        self.held = False
        if self.release_on_close or self.conn.is_closed():
            return
        import anyio

        # Shielded: a cancelled run must still release, or the next run waits
        # for the connection to die (closing it also releases the lock).
        with anyio.CancelScope(shield=True):
            try:
                await self.conn.execute(f"SELECT pg_advisory_unlock({self.key})")
            except Exception:
                self.conn.terminate()

    async def ensure_held(self) -> None:
        """The lock lives and dies with the sessions holding it: a closed one
        means a piece of it is gone. No round trip."""
        if not self.held:
            raise lost_lock("the lock was released before the run finished")
        if self.conn.is_closed():
            raise lost_lock("the connection holding it was closed")
        for worker in self.workers:
            if worker.is_closed():
                raise lost_lock("a worker connection of this run was closed")

    async def enlist(self, conn: Any) -> None:
        await self.ensure_held()
        assert self.worker_key is not None
        LOCKING.add(conn)
        # Never fails while we hold R: only a holder of R ever tries W exclusively.
        if not await conn.fetchval(
            "SELECT pg_try_advisory_lock_shared($1::bigint)", self.worker_key
        ):
            raise lost_lock("a worker connection could not join the lock")
        self.workers.append(conn)

    async def describe_holder(self) -> str:
        if self.key is None or self.worker_key is None:
            key, worker_key = await self.conn.fetchrow(
                f"SELECT k.r, k.w FROM {lock_keys_sql(self.schema)}"
            )
            self.key, self.worker_key = int(key), int(worker_key)
        row = await self.conn.fetchrow(_HOLDER, *_split(self.key), *_split(self.worker_key))
        if row is None:
            from .lease import describe_lease

            lease = await describe_lease(self.conn, self.schema)
            return lease or (
                "migration lock not held by anyone now (its holder has just released it)"
            )
        pid, app, client, since, state, query = row
        query = " ".join(query.split())
        if len(query) > 120:
            query = query[:117] + "..."
        since_text = since.strftime("%Y-%m-%d %H:%M:%S %Z") if since else "?"
        return (
            f"migration lock held by pid {pid} ({app or 'no application_name'}, client {client}, "
            f"since {since_text}, {state}: {query or '-'})"
        )


_TIMEOUT_HINT = (
    "another migration is running: wait for it and retry, or raise --lock-timeout; "
    "if that session is stuck, end it with SELECT pg_terminate_backend(<pid>)"
)
