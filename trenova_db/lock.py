"""The migration lock: a session-level advisory lock on a dedicated connection.

Acquired by polling ``pg_try_advisory_lock`` with backoff, never by blocking in
``pg_advisory_lock``: a blocked waiter sits in a transaction that
``CREATE INDEX CONCURRENTLY`` must wait for, while the holder waits for the
index: a deadlock golang-migrate and Flyway users hit. The key is derived from
(database, schema, table), so two bookkeeping schemas in one database do not
block each other. The holder is named on timeout, so a 3 a.m. operator knows
whom to ask.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

from .bookkeeping import quote_literal
from .errors import LockTimeout

__all__ = ["MigrationLock", "NoLongerNeeded"]

_TRY_LOCK = (
    "SELECT k.key, pg_try_advisory_lock(k.key) FROM (SELECT hashtextextended("
    "'trenova-db/' || current_database() || '/' || {schema} || '/schema_migrations', 0) AS key) k"
)

_HOLDER = """
SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), 'local'),
       a.backend_start, coalesce(a.state, ''), coalesce(a.query, '')
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.pid <> pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 1
LIMIT 1
"""


class NoLongerNeeded(Exception):
    """Raised on entry when the holder did the work meanwhile (internal; run_migrate
    catches it, so it never reaches a caller)."""


class MigrationLock:
    """``async with MigrationLock(conn, schema, timeout):`` holds the lock inside.

    ``still_needed``, if given, is awaited between polls: when many replicas
    boot at once, all but one find their work done by the holder and leave
    (NoLongerNeeded) instead of queueing for a lock they no longer need.
    """

    def __init__(
        self,
        conn: Any,
        schema: str,
        timeout: float,
        *,
        still_needed: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        self.conn = conn
        self.schema = schema
        self.timeout = timeout
        self.still_needed = still_needed
        self.key: int | None = None
        self.waited: float = 0.0

    async def __aenter__(self) -> MigrationLock:
        import anyio

        started = time.monotonic()
        deadline = started + self.timeout
        delay = 0.02
        query = _TRY_LOCK.format(schema=quote_literal(self.schema))
        while True:
            key, acquired = await self.conn.fetchrow(query)
            self.key = int(key)
            if acquired:
                self.waited = time.monotonic() - started
                return self
            now = time.monotonic()
            if now >= deadline:
                raise LockTimeout(await self._describe_holder(), hint=self._hint())
            # Jittered: waiters polling in step would all miss a release but one.
            await anyio.sleep(min(delay * random.uniform(0.5, 1.0), max(deadline - now, 0.0)))
            delay = min(delay * 1.6, 0.25)
            # Checked before trying again: the holder commits its work before it
            # releases, so a waiter that wakes after the release sees the work
            # done and leaves without taking the lock at all.
            if self.still_needed is not None and not await self.still_needed():
                raise NoLongerNeeded

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.key is None or self.conn.is_closed():
            return
        import anyio

        # Shielded: a cancelled run must still release, or the next run waits
        # for the connection to die (closing it also releases the lock).
        with anyio.CancelScope(shield=True):
            try:
                await self.conn.execute(f"SELECT pg_advisory_unlock({self.key})")
            except Exception:
                self.conn.terminate()

    async def _describe_holder(self) -> str:
        assert self.key is not None
        unsigned = self.key & 0xFFFFFFFFFFFFFFFF
        row = await self.conn.fetchrow(_HOLDER, unsigned >> 32, unsigned & 0xFFFFFFFF)
        waited = f"after waiting {self.timeout:g}s"
        if row is None:
            return f"migration lock not acquired {waited} (its holder has just released it)"
        pid, app, client, since, state, query = row
        query = " ".join(query.split())
        if len(query) > 120:
            query = query[:117] + "..."
        since_text = since.strftime("%Y-%m-%d %H:%M:%S %Z") if since else "?"
        return (
            f"migration lock held by pid {pid} ({app or 'no application_name'}, client {client}, "
            f"since {since_text}, {state}: {query or '-'}); not acquired {waited}"
        )

    def _hint(self) -> str:
        return (
            "another migration is running: wait for it and retry, or raise --lock-timeout; "
            "if that session is stuck, end it with SELECT pg_terminate_backend(<pid>)"
        )
