"""What ``status`` shows besides the migration history, read in one statement.

Who holds the migration lock (a lease row or a session advisory lock), the
runs left ``running`` by a dead session, and the seeds' history of the
environment: four queries, each prepared and executed on its own, took more
server time than the 1000-row history (the abandoned-runs and lock-holder
queries plan ``pg_stat_activity`` three times over). On bookkeeping tables
of version 2 or later (every table exists) one cheap statement answers the
common case instead: no lease row, no advisory lock held, no ``running``
row. Only when one is there does the detailed query run (rare: while a run
works, or after one died). Older tables, or tables gone from under us, take
the separate queries, which know how to read them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg
import msgspec

from .audit import Abandoned, find_abandoned
from .bookkeeping import SeedHistoryRow, quote_ident, read_seed_history
from .lease import KEY, advisory_holder, advisory_lock_rows, lease_text, lock_holder

__all__ = ["StatusExtras", "read_status_extras"]


class StatusExtras(msgspec.Struct, frozen=True, kw_only=True):
    lock: str | None
    abandoned: list[Abandoned]
    seed_history: list[SeedHistoryRow] | None  # None: not asked for (no seeds folder)


# A seed_history row as json_build_array renders it: applied_at is RFC 3339.
_SeedRow = tuple[str, str, str, str, datetime, str | None]
_seed_rows = msgspec.json.Decoder(list[_SeedRow])


def _query(schema: str) -> str:
    s = quote_ident(schema)
    return (
        "SELECT l.holder, l.pid, l.host, l.acquired_at, "
        "extract(epoch FROM l.expires_at - clock_timestamp()), "
        f"EXISTS (SELECT 1 {advisory_lock_rows('$2')}), "
        f"EXISTS (SELECT 1 FROM {s}.trenova_db_audit WHERE outcome = 'running'), "
        "CASE WHEN $3::text IS NOT NULL THEN (SELECT coalesce(json_agg(json_build_array("
        "h.name, h.version, h.checksum, h.status::text, h.applied_at, h.error) "
        f"ORDER BY h.applied_at), '[]') FROM {s}.seed_history h WHERE h.environment = $3) END "
        f"FROM (SELECT 1) one LEFT JOIN {s}.trenova_db_lock l ON l.key = $1"
    )


async def read_status_extras(
    conn: Any, schema: str, *, environment: str | None, internal_version: int
) -> StatusExtras:
    """The lock holder, abandoned runs and (``environment`` given) the seeds'
    history of ``schema``; ``internal_version`` is the history read's."""
    row = None
    if internal_version >= 2:
        try:
            row = await conn.fetchrow(_query(schema), KEY, schema, environment)
        except (
            asyncpg.UndefinedTableError,
            asyncpg.InvalidSchemaNameError,
            asyncpg.UndefinedColumnError,
        ):
            row = None  # a table dropped or changed by hand: the separate reads cope
    if row is None:
        return StatusExtras(
            lock=await lock_holder(conn, schema),
            abandoned=await find_abandoned(conn, schema),
            seed_history=None
            if environment is None
            else await read_seed_history(conn, schema, environment),
        )
    holder, pid, where, since, left, advisory_held, running, seeds = row
    lock: str | None = None
    if holder is not None:
        lock = lease_text(holder, pid, where, since, left)
    elif advisory_held:
        lock = await advisory_holder(conn, schema)
    return StatusExtras(
        lock=lock,
        abandoned=await find_abandoned(conn, schema) if running else [],
        seed_history=None if seeds is None else _seed_history(seeds),
    )


def _seed_history(text: str) -> list[SeedHistoryRow]:
    # Times as the driver returns them (UTC), whatever the session's TimeZone.
    return [
        SeedHistoryRow(name, version, checksum, status, applied_at.astimezone(UTC), error)
        for name, version, checksum, status, applied_at, error in _seed_rows.decode(text)
    ]
