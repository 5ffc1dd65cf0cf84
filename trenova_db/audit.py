"""The audit trail: one row per migrate/rollback/repair/seed/reset/setup run.

A `running` row left by a dead run is found by asking whether its run is
still alive, which depends on how the run was connected:

- directly: its server backend (pid and start time) is gone;
- behind a session pooler: that backend is gone, or idle under another
  client's application_name (PgBouncer resets it and hands it on: the process
  id lives on);
- behind a transaction pooler, where any backend may run a client's next
  statement: its row carries ``alive_until``, renewed with the run lock's
  lease (``trenova_db.lease``) while it waits for it and while it holds it. A
  row whose ``alive_until`` passed, with no server session of its client
  (its application_name) still working, is a run whose lease expired without
  being released: dead.
"""

from __future__ import annotations

import getpass
import os
import socket
import weakref
from collections.abc import Callable
from functools import cache
from typing import Any

import asyncpg
import msgspec

from .bookkeeping import quote_ident, quote_literal

__all__ = ["Abandoned", "Audit", "actor", "find_abandoned", "host", "mark_abandoned", "outcome_of"]

_encode = msgspec.json.Encoder().encode


def outcome_of(exc: BaseException) -> str:
    """The audit outcome for a run that raised: refused runs touched nothing."""
    from .errors import LockTimeout, Refused, ValidationError

    if isinstance(exc, ValidationError | Refused):
        return "refused"
    if isinstance(exc, LockTimeout):
        return "lock-timeout"
    if not isinstance(exc, Exception):  # Ctrl-C, task cancelled, process exiting
        return "interrupted"
    return "failed"


@cache
def actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


@cache
def host() -> str:
    return socket.gethostname()


# Who is running: a `running` row whose backend (pid AND start time, so a
# recycled pid does not count) is gone was left by a dead run.
_WHO = (
    "jsonb_build_object('pid', pg_backend_pid(), 'backend_start', "
    "(SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()))"
)


def audit_values(operation: str, environment: str, outcome: str, details: dict[str, Any]) -> str:
    """A rendered VALUES tuple for trenova_db_audit (used inside the history COPY).

    Only a finished outcome gets finished_at; a `running` row names its backend.
    """
    finished = "NULL" if outcome == "running" else "now()"
    who = f" || {_WHO}" if outcome == "running" else ""
    return (
        f"{quote_literal(operation)}, {quote_literal(environment)}, {quote_literal(actor())}, "
        f"{quote_literal(host())}, now(), {finished}, {quote_literal(outcome)}, "
        f"{quote_literal(_encode(details).decode())}::jsonb{who}"
    )


class Abandoned(msgspec.Struct, frozen=True, kw_only=True):
    """A run whose audit row still says `running` while its session is gone."""

    id: int
    operation: str
    actor: str
    host: str
    started_at: Any
    pid: int | None
    holder: str | None = None  # its client's application_name, behind a pooler

    def describe(self) -> str:
        when = self.started_at.strftime("%Y-%m-%d %H:%M:%S %Z") if self.started_at else "?"
        who = (
            f"{self.holder}, through a pooler"
            if self.holder
            else f"pid {self.pid if self.pid is not None else '?'}"
        )
        return (
            f"{self.operation} run {self.id} by {self.actor}@{self.host} started {when} "
            f"({who}) ended without finishing: abandoned (killed, crashed or cut off)"
        )


def _dead(table: str) -> str:
    backend = (
        "s.pid = (a.details->>'pid')::integer "
        "AND s.backend_start = (a.details->>'backend_start')::timestamptz"
    )
    return (
        f"{table} a WHERE a.outcome = 'running' AND CASE "
        # Transaction pooling: its lease-renewed heartbeat ran out, and no
        # server session of its client is still running what it was sent.
        "WHEN a.details ? 'alive_until' THEN "
        "(a.details->>'alive_until')::timestamptz < clock_timestamp() "
        "AND NOT EXISTS (SELECT 1 FROM pg_stat_activity s "
        "WHERE s.application_name = a.details->>'holder' "
        "AND s.state IS DISTINCT FROM 'idle' AND s.pid <> pg_backend_pid()) "
        # Session pooling: its server session is gone, or reset and idle (or
        # ours now): our client keeps its name on it while connected. Busy
        # under another name, it may be another client's: not known yet.
        "WHEN a.details ? 'holder' THEN NOT EXISTS (SELECT 1 FROM pg_stat_activity s "
        f"WHERE {backend} AND (s.application_name = a.details->>'holder' "
        "OR (s.state IS DISTINCT FROM 'idle' AND s.pid <> pg_backend_pid()))) "
        f"ELSE NOT EXISTS (SELECT 1 FROM pg_stat_activity s WHERE {backend}) END"
    )


_ABANDONED_COLUMNS = (
    "a.id, a.operation, a.actor, a.host, a.started_at, (a.details->>'pid')::integer, "
    "a.details->>'holder'"
)


def _abandoned(r: Any) -> Abandoned:
    return Abandoned(
        id=r[0], operation=r[1], actor=r[2], host=r[3], started_at=r[4], pid=r[5], holder=r[6]
    )


# The `running` row of each connection behind a transaction pooler, whose
# heartbeat the lease lock renews: conn -> (table, row id).
_BEATING: weakref.WeakKeyDictionary[Any, tuple[str, int]] = weakref.WeakKeyDictionary()


def _liveness(conn: Any) -> str:
    """What a `running` row written on ``conn`` adds to its details so that its
    death can be told (see the module docstring): SQL, "" on a direct
    connection."""
    from . import pooler

    mode = pooler.pooling(conn).mode
    name = pooler.application_name(conn)
    if mode == "none" or not name:
        return ""
    out = f" || jsonb_build_object('holder', {quote_literal(name)})"
    if mode == "transaction":
        from .lease import lease_ttl

        out += (
            " || jsonb_build_object('alive_until', clock_timestamp() + "
            f"{lease_ttl():.3f} * interval '1 second')"
        )
    return out


def heartbeat(conn: Any, ttl: float) -> str | None:
    """The statement renewing the heartbeat of the `running` row of the run
    working on ``conn`` (behind a transaction pooler), or None.

    Its own implicit transaction with a short lock_timeout: it must never
    hold up the lease renewal it rides with (a reset drops the table under
    an exclusive lock), and never matters more than it.
    """
    entry = _BEATING.get(conn)
    if entry is None:
        return None
    table, row = entry
    return (
        "SET LOCAL lock_timeout = '200ms';\n"
        f"UPDATE {table} SET details = details || jsonb_build_object('alive_until', "
        f"clock_timestamp() + {ttl:.3f} * interval '1 second') "
        f"WHERE id = {int(row)} AND outcome = 'running'"
    )


async def find_abandoned(conn: Any, schema: str) -> list[Abandoned]:
    """`running` rows whose session is gone (read only: for status)."""
    table = f"{quote_ident(schema)}.trenova_db_audit"
    try:
        rows = await conn.fetch(f"SELECT {_ABANDONED_COLUMNS} FROM {_dead(table)} ORDER BY a.id")
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return []
    return [_abandoned(r) for r in rows]


async def mark_abandoned(conn: Any, schema: str) -> list[Abandoned]:
    """Record dead runs' rows as `abandoned` (under the lock: no live run of
    this schema can be among them). finished_at stays unknown (NULL)."""
    table = f"{quote_ident(schema)}.trenova_db_audit"
    rows = await conn.fetch(
        f"UPDATE {table} u SET outcome = 'abandoned', details = u.details || "
        "jsonb_build_object('abandoned_seen_at', clock_timestamp()) "
        # u.outcome is checked again on the row itself: a run that finished (and
        # ended its session) while this statement ran is seen dead by the
        # activity snapshot, taken after the row snapshot; on its newer row
        # version the re-check fails and its outcome stands.
        f"FROM (SELECT a.id FROM {_dead(table)}) d WHERE u.id = d.id AND u.outcome = 'running' "
        "RETURNING u.id, u.operation, u.actor, u.host, u.started_at, "
        "(u.details->>'pid')::integer, u.details->>'holder'"
    )
    return [_abandoned(r) for r in sorted(rows, key=lambda r: r[0])]


class Audit:
    """Start a row when the run starts, finish it with the outcome, always."""

    def __init__(self, conn: Any, schema: str, operation: str, environment: str) -> None:
        self.conn = conn
        self.table = f"{quote_ident(schema)}.trenova_db_audit"
        self.operation = operation
        self.environment = environment
        self.id: int | None = None
        # What the run sets while it works: written with the outcome.
        self.details: dict[str, Any] = {}
        self.outcome: str | None = None

    async def resume(self, row_id: int, details: dict[str, Any] | None = None) -> None:
        """Turn the fast path's provisional row into this run's `running` row."""
        self.id = row_id
        await self.conn.execute(
            f"UPDATE {self.table} SET outcome = 'running', finished_at = NULL, "
            f"details = details || $2::jsonb || {_WHO}{_liveness(self.conn)} WHERE id = $1",
            row_id,
            _encode(details or {}).decode(),
        )
        self._beat()

    async def start(self, details: dict[str, Any] | None = None) -> None:
        values = audit_values(self.operation, self.environment, "running", details or {})
        self.id = await self.conn.fetchval(
            f"INSERT INTO {self.table} (operation, environment, actor, host, started_at, "
            f"finished_at, outcome, details) VALUES ({values}{_liveness(self.conn)}) RETURNING id"
        )
        self._beat()

    def _beat(self) -> None:
        from . import pooler

        if self.id is not None and pooler.pooling(self.conn).mode == "transaction":
            _BEATING[self.conn] = (self.table, self.id)

    async def finish(self, outcome: str, details: dict[str, Any] | None = None) -> None:
        """Record the outcome; never raises (the run's own error matters more)."""
        await self._finish(self.conn, outcome, details)

    async def _finish(self, conn: Any, outcome: str, details: dict[str, Any] | None) -> None:
        _BEATING.pop(self.conn, None)
        if self.id is None or conn.is_closed():
            return
        try:
            await conn.execute(
                f"UPDATE {self.table} SET finished_at = clock_timestamp(), outcome = $1, "
                "details = details || $2::jsonb WHERE id = $3",
                outcome,
                _encode(details or {}).decode(),
                self.id,
            )
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
            pass

    async def fail(
        self,
        exc: BaseException,
        details: dict[str, Any],
        *,
        mask: Callable[[str], str] | None = None,
        fallback: Callable[[], Any] | None = None,
    ) -> None:
        """Record why the run stopped, even while it is being cancelled.

        ``fallback``: an async context manager factory giving a fresh
        connection, used when the run's own connection is gone.
        """
        import anyio

        error = str(exc) or type(exc).__name__
        details = {"error": mask(error) if mask else error, **details}
        # Shielded and bounded: a Ctrl-C must still leave an honest audit row,
        # but must not hang on a connection that is going away.
        with anyio.move_on_after(3, shield=True):
            # A cancelled BEGIN ... COMMIT script leaves the session inside an
            # aborted transaction, where the UPDATE below would be refused
            # (asyncpg may not know it yet, so ask the server unconditionally).
            if not self.conn.is_closed():
                try:
                    await self.conn.execute("ROLLBACK")
                except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                    pass
            if self.id is None:
                return
            if not self.conn.is_closed() or fallback is None:
                await self.finish(outcome_of(exc), details)
                return
            try:
                async with fallback() as conn:
                    await self._finish(conn, outcome_of(exc), details)
            except Exception:  # nowhere to write it: the row shows as abandoned
                pass
