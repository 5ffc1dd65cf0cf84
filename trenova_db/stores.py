"""One store per bookkeeping table: every statement on it, and its errors.

- ``MigrationStore``: ``schema_migrations``. The statements that travel inside
  a migration's own message (the row of a ``.tx`` file, a non-``.tx`` file's
  counter) are handed out as SQL text, with literals quoted; the others run
  here.
- ``SeedHistoryStore``: ``seed_history``.
- the audit table's store is ``trenova_db.audit.Audit``.

Each store translates its own errors: a server error becomes ``QueryFailed``
naming the table and what to check; a lost connection passes through as it
is (the run turns it into ``LostLock``: the lock went with the session).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import asyncpg

from .bookkeeping import (
    History,
    HistorySummary,
    SeedHistoryRow,
    quote_ident,
    quote_literal,
    read_history,
    read_seed_history,
    read_summary,
)
from .connection import is_connection_loss
from .errors import QueryFailed

if TYPE_CHECKING:
    from .discovery import MigrationFile

__all__ = ["MigrationStore", "SeedHistoryStore"]


@asynccontextmanager
async def _translated(table: str, action: str) -> AsyncIterator[None]:
    try:
        yield
    except asyncpg.PostgresError as exc:
        if is_connection_loss(exc):
            raise
        raise QueryFailed(
            f"cannot {action} {table}: {exc} (SQLSTATE {getattr(exc, 'sqlstate', None) or '?'})",
            hint=f"check the database user's privileges on {table} and the server log",
        ) from exc


# now() is the time the *message* arrived, shared by every transaction of a
# group: each migration stamps its own start (apply.py sets trenova_db.started).
_DURATION = (
    "(extract(epoch FROM clock_timestamp() - "
    "current_setting('trenova_db.started')::timestamptz) * 1000)::integer"
)


class MigrationStore:
    """``schema_migrations`` of one bookkeeping schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.table = f"{quote_ident(schema)}.schema_migrations"

    # -- read ---------------------------------------------------------------

    async def read(
        self, conn: Any, *, audit_values: str | None = None, full: bool = True
    ) -> History:
        """The whole history in one round trip (see bookkeeping.read_history)."""
        return await read_history(conn, self.schema, audit_values=audit_values, full=full)

    async def summary(self, conn: Any, *, audit_values: str | None = None) -> HistorySummary:
        """The history in one row (see bookkeeping.read_summary)."""
        return await read_summary(conn, self.schema, audit_values=audit_values)

    async def committed(self, conn: Any, versions: Iterable[int]) -> set[int]:
        async with _translated(self.table, "read"):
            rows = await conn.fetch(
                f"SELECT version FROM {self.table} WHERE version = ANY($1::bigint[])",
                list(versions),
            )
        return {int(r[0]) for r in rows}

    async def durations(self, conn: Any, batch: int) -> dict[int, int]:
        async with _translated(self.table, "read"):
            rows = await conn.fetch(
                f"SELECT version, duration_ms FROM {self.table} WHERE batch = $1", batch
            )
        return {int(r[0]): int(r[1]) for r in rows}

    # -- SQL that travels inside a migration's message ------------------------

    def applied_row(self, m: MigrationFile, batch: int, actor: str) -> str:
        """A .tx migration's row, in its own transaction (duration from its stamp)."""
        return (
            f"INSERT INTO {self.table} (version, name, kind, checksum, applied_by, duration_ms, "
            f"batch) VALUES ({m.version}, {quote_literal(m.name)}, 'tx', "
            f"{quote_literal(m.checksum)}, {quote_literal(actor)}, {_DURATION}, {batch})"
        )

    def dirty_row(self, m: MigrationFile, batch: int, actor: str) -> str:
        """A non-.tx migration's row before its first statement: dirty, 0 done."""
        return (
            f"INSERT INTO {self.table} (version, name, kind, checksum, applied_by, batch, "
            f"dirty, statements_done) VALUES ({m.version}, {quote_literal(m.name)}, 'notx', "
            f"{quote_literal(m.checksum)}, {quote_literal(actor)}, {batch}, true, 0)"
        )

    def counter(self, version: int, done: int) -> str:
        return f"UPDATE {self.table} SET statements_done = {done} WHERE version = {version}"

    def mark_clean(self, version: int, elapsed_ms: int) -> str:
        return (
            f"UPDATE {self.table} SET dirty = false, error = NULL, duration_ms = {elapsed_ms}, "
            f"applied_at = clock_timestamp() WHERE version = {version}"
        )

    def mark_failed(self, version: int, message: str) -> str:
        return (
            f"UPDATE {self.table} SET dirty = true, error = {quote_literal(message)} "
            f"WHERE version = {version}"
        )

    def rollback_started(self, version: int) -> str:
        """A non-.tx down file: statements_done counts its statements from here on."""
        return (
            f"UPDATE {self.table} SET dirty = true, statements_done = 0, "
            f"error = 'rollback in progress' WHERE version = {version}"
        )

    def forget_sql(self, version: int) -> str:
        return f"DELETE FROM {self.table} WHERE version = {version}"

    # -- repair -------------------------------------------------------------

    async def record_unrun(self, conn: Any, m: MigrationFile, who: str) -> None:
        """Baseline: recorded as applied without running (batch 0)."""
        async with _translated(self.table, "write"):
            await conn.execute(
                f"INSERT INTO {self.table} (version, name, kind, checksum, applied_by, batch) "
                "VALUES ($1, $2, $3, $4, $5, 0)",
                m.version,
                m.name,
                m.kind,
                m.checksum,
                who,
            )

    async def record_adopted(
        self, conn: Any, rows: list[tuple[MigrationFile, Any, int]], who: str
    ) -> None:
        """adopt: another tool's applied versions, with its times and batches
        (each row: file, applied_at or None, batch)."""
        async with _translated(self.table, "write"):
            await conn.executemany(
                f"INSERT INTO {self.table} (version, name, kind, checksum, applied_at, "
                "applied_by, batch) VALUES ($1, $2, $3, $4, coalesce($5, clock_timestamp()), "
                "$6, $7)",
                [(f.version, f.name, f.kind, f.checksum, at, who, batch) for f, at, batch in rows],
            )

    async def forget(self, conn: Any, version: int) -> None:
        async with _translated(self.table, "write"):
            await conn.execute(f"DELETE FROM {self.table} WHERE version = $1", version)

    async def mark_applied(self, conn: Any, version: int, checksum: str) -> None:
        async with _translated(self.table, "write"):
            await conn.execute(
                f"UPDATE {self.table} SET dirty = false, error = NULL, checksum = $2 "
                "WHERE version = $1",
                version,
                checksum,
            )

    async def realign(self, conn: Any, version: int, checksum: str) -> None:
        async with _translated(self.table, "write"):
            await conn.execute(
                f"UPDATE {self.table} SET checksum = $2 WHERE version = $1", version, checksum
            )


_UPSERT = """
INSERT INTO {t} AS h
    (name, version, environment, checksum, applied_by, status, notes, error, details)
VALUES ($1, $2, $3, $4, $5, $6::{s}.seed_status_enum, $7, $8, $9::jsonb)
ON CONFLICT (name, version, environment) DO UPDATE SET
    checksum = EXCLUDED.checksum, applied_at = clock_timestamp(),
    applied_by = EXCLUDED.applied_by, status = EXCLUDED.status, notes = EXCLUDED.notes,
    error = EXCLUDED.error, details = EXCLUDED.details
"""


class SeedHistoryStore:
    """``seed_history`` of one bookkeeping schema."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.table = f"{quote_ident(schema)}.seed_history"
        self._upsert = _UPSERT.format(t=self.table, s=quote_ident(schema))

    async def read(self, conn: Any, environment: str) -> list[SeedHistoryRow]:
        """This environment's rows ([] before the first run made the table)."""
        return await read_seed_history(conn, self.schema, environment)

    async def record(
        self,
        conn: Any,
        *,
        name: str,
        version: str,
        environment: str,
        checksum: str,
        actor: str,
        status: str,
        notes: str | None,
        error: str | None,
        details_json: str,
    ) -> None:
        """Upsert a seed's row (inside the seed's transaction, or its own)."""
        async with _translated(self.table, "write"):
            await conn.execute(
                self._upsert,
                name,
                version,
                environment,
                checksum,
                actor,
                status,
                notes,
                error,
                details_json,
            )

    async def mark_rolled_back(self, conn: Any, name: str, environment: str, actor: str) -> None:
        async with _translated(self.table, "write"):
            await conn.execute(
                f"UPDATE {self.table} SET status = 'Inactive', "
                "notes = 'rolled back by ' || $3, applied_at = clock_timestamp() "
                "WHERE name = $1 AND environment = $2",
                name,
                environment,
                actor,
            )

    async def not_orphaned(self, conn: Any) -> list[Any]:
        """Every environment's rows not yet marked Orphaned (name, version,
        environment, applied_at)."""
        try:
            async with _translated(self.table, "read"):
                return list(
                    await conn.fetch(
                        f"SELECT name, version, environment, applied_at FROM {self.table} "
                        "WHERE status <> 'Orphaned' ORDER BY name, version, environment"
                    )
                )
        except QueryFailed as exc:
            cause = exc.__cause__
            if isinstance(cause, asyncpg.UndefinedTableError | asyncpg.InvalidSchemaNameError):
                return []
            raise

    async def mark_orphaned(self, conn: Any, names: list[str], actor: str) -> None:
        async with _translated(self.table, "write"):
            await conn.execute(
                f"UPDATE {self.table} SET status = 'Orphaned', notes = "
                "'seed file removed; marked orphaned by ' || $2 || ' at ' || clock_timestamp() "
                "WHERE name = ANY($1::text[]) AND status <> 'Orphaned'",
                names,
                actor,
            )

    async def of_run(self, conn: Any, token: str) -> list[tuple[str, str]]:
        """(name, status) of the rows one run wrote (its token is in details)."""
        async with _translated(self.table, "read"):
            rows = await conn.fetch(
                f"SELECT name, status::text FROM {self.table} WHERE details->>'run' = $1 "
                "ORDER BY applied_at",
                token,
            )
        return [(r[0], r[1]) for r in rows]
